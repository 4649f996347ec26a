"""`make bench-spark`: the core build on Spark local mode beside DuckDB, size after size (issue 18).

Does the data part of the build parallelise on Spark, so that its cost against DuckDB falls as
the input grows? For each size N the same generated orders (the cache of `make bench`) go
through both engines the README's way, each step a measured child process:

  duckdb   `dbt build --target duckdb` of the core marts (data and unit tests excluded) reading
           the Parquet file, into a fresh database file;
  load     scripts/load_raw_tables.py --target spark: Spark's own Parquet reader into the raw
           table, in a fresh metastore and warehouse;
  spark    `dbt build --target spark` of the same selection on the raw table, with Spark's event
           log on, read afterwards per model (spark_events.py): stages, tasks, the task count of
           the largest stage and how evenly its tasks shared the work.

Once per run, both builds on the first 200 rows of the smallest size give each engine's fixed
cost (start-up, parse, one statement per model); the build's wall time minus it is the data part.
Wall time, the process tree's peak RSS (dbt on Spark is Python plus a JVM) and its CPU time are
sampled from /proc. Timings are measurements, never assertions (docs/benchmark.md).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

import pyarrow.parquet as pq

from .data import generated_orders, sample_orders
from .processes import dbt_vars, failed, measure, run_dbt_build
from .report import fmt, markdown_table, text_table
from .run import machine_info, ratio
from .settings import PROJECT, add_size_arguments, checked_work_dir
from .spark_events import OTHER, event_log_file, stages_per_model

RAW_SCHEMA = "rfm_bench_raw"
MODEL_SCHEMA = "rfm_bench"
LOADER = PROJECT / "scripts" / "load_raw_tables.py"
# The vars that point the project at the loaded raw table (README, "When you outgrow one machine").
SPARK_VARS = json.dumps({"orders_path": None, "customers_path": None, "orders_schema": RAW_SCHEMA,
                         "orders_table": "raw_orders", "customers_table": None})
SINGLE_PARTITION_WARNING = "No Partition Defined for Window operation"


def spark_environment(spark_dir: Path, events: Path | None, driver_memory: str) -> dict:
    """The profile's spark target (profiles.yml) pointed at a fresh folder; the event log through
    spark-submit's own arguments, so the profile stays as users run it."""
    environment = {
        "RFM_SPARK_DIR": str(spark_dir),
        "RFM_SCHEMA": MODEL_SCHEMA,
        "RFM_SPARK_DRIVER_MEMORY": driver_memory,
        "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
        "DBT_PROFILES_DIR": str(PROJECT),
    }
    if events is not None:
        environment["PYSPARK_SUBMIT_ARGS"] = (f"--conf spark.eventLog.enabled=true "
                                              f"--conf spark.eventLog.dir=file://{events} pyspark-shell")
    return environment


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def spark_steps(orders_file: Path, folder: Path, driver_memory: str, with_events: bool) -> dict:
    """Load the file into Spark and build the core marts there; both measured."""
    spark_dir, events = fresh(folder / "spark"), fresh(folder / "spark_events") if with_events else None
    environment = spark_environment(spark_dir, events, driver_memory)
    # The event log is the build's: the loader's session would write a second one into the folder.
    loader_environment = {key: value for key, value in {**os.environ, **environment}.items()
                          if key != "PYSPARK_SUBMIT_ARGS"}
    load = measure([sys.executable, str(LOADER), "--target", "spark", "--orders", str(orders_file),
                    "--schema", RAW_SCHEMA], folder / "spark_load.log", loader_environment)
    if load["returncode"] != 0:
        failed("load_raw_tables --target spark", load)
    target = fresh(folder / "dbt_target_spark")
    build = run_dbt_build("dbt build --target spark", None, target, SPARK_VARS, folder / "spark_build.log",
                          target="spark", environment=environment)
    build["single_partition_warnings"] = Path(build["log"]).read_text(errors="replace").count(SINGLE_PARTITION_WARNING)
    if events is not None:
        build["stages"] = stages_per_model(event_log_file(events))
    return {"load": load, "build": build}


def duckdb_build(orders_file: Path, folder: Path) -> dict:
    database = folder / "bench.duckdb"
    for leftover in (database, Path(f"{database}.wal")):
        leftover.unlink(missing_ok=True)
    return run_dbt_build("dbt build --target duckdb", database, fresh(folder / "dbt_target_duckdb"),
                         dbt_vars(str(orders_file)), folder / "duckdb_build.log")


def summary(step: dict) -> dict:
    return {key: step[key] for key in ("wall_s", "work_s", "startup_s", "cpu_s", "tree_cpu_s", "peak_rss_mib",
                                       "peak_tree_rss_mib", "peak_process_rss_mib", "load_1m_before", "load_1m_after", "log")
            if key in step}


def run_size(orders: int, work: Path, driver_memory: str, fixed: dict) -> dict:
    folder = work / f"spark_{orders}"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\n== {orders:,} orders ==", flush=True)
    source, generation = generated_orders(orders, work)
    print(f"data: {source} ({'cached' if generation['cached'] else 'generated'})", flush=True)
    print("duckdb: dbt build ...", flush=True)
    duckdb = duckdb_build(source, folder)
    print(f"  {duckdb['wall_s']:.1f} s; spark: load and dbt build ...", flush=True)
    spark = spark_steps(source, folder, driver_memory, with_events=True)
    print(f"  load {spark['load']['wall_s']:.1f} s, build {spark['build']['wall_s']:.1f} s", flush=True)
    duckdb_models = {node["node"].split(".")[-1]: node["execution_s"] for node in duckdb["nodes"]}
    spark_models = {node["node"].split(".")[-1]: node["execution_s"] for node in spark["build"]["nodes"]}
    models = [
        {"model": model, "duckdb_s": duckdb_models.get(model), "spark_s": spark_models.get(model), **stats}
        for model, stats in spark["build"]["stages"].items()
    ]
    models.sort(key=lambda row: -(row["spark_s"] or 0))
    duckdb_data = duckdb["wall_s"] - fixed["duckdb"]["wall_s"]
    spark_data = spark["build"]["wall_s"] - fixed["spark"]["wall_s"]
    return {
        "orders": orders,
        "source_rows": pq.ParquetFile(source).metadata.num_rows,
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "duckdb": summary(duckdb),
        "spark_load": summary(spark["load"]),
        "spark_build": {**summary(spark["build"]),
                        "single_partition_warnings": spark["build"]["single_partition_warnings"]},
        "ratios": {
            "spark_per_duckdb": ratio(spark["build"]["wall_s"], duckdb["wall_s"]),
            "spark_with_load_per_duckdb": ratio(spark["build"]["wall_s"] + spark["load"]["wall_s"], duckdb["wall_s"]),
            "spark_data_per_duckdb_data": ratio(spark_data, duckdb_data),
        },
        "models": models,
    }


def fixed_costs(smallest: int, work: Path, driver_memory: str) -> dict:
    folder = work / "spark_fixed"
    folder.mkdir(parents=True, exist_ok=True)
    source, _ = generated_orders(smallest, work)
    sample = sample_orders(source, folder)
    print("fixed cost: both builds on the first 200 rows ...", flush=True)
    duckdb = duckdb_build(sample, folder)
    spark = spark_steps(sample, folder, driver_memory, with_events=False)
    return {"duckdb": summary(duckdb), "spark": summary(spark["build"]), "spark_load": summary(spark["load"])}


CURVE_HEADER = ["orders", "DuckDB build s", "Spark load s", "Spark build s", "Spark / DuckDB",
                "data part: Spark / DuckDB", "DuckDB peak MiB", "Spark peak MiB", "window warnings"]
MODEL_HEADER = ["model", "DuckDB s", "Spark s", "stages", "tasks", "largest stage: tasks", "its run s",
                "longest task's share"]


def curve_rows(results: list[dict]) -> list[list[str]]:
    return [[f"{r['orders']:,}", fmt(r["duckdb"]["wall_s"], 1), fmt(r["spark_load"]["wall_s"], 1),
             fmt(r["spark_build"]["wall_s"], 1), fmt(r["ratios"]["spark_per_duckdb"]),
             fmt(r["ratios"]["spark_data_per_duckdb_data"]), fmt(r["duckdb"]["peak_tree_rss_mib"], 0),
             fmt(r["spark_build"]["peak_tree_rss_mib"], 0), str(r["spark_build"]["single_partition_warnings"])]
            for r in results]


def model_rows(result: dict, limit: int | None = None) -> list[list[str]]:
    return [[row["model"], fmt(row["duckdb_s"]), fmt(row["spark_s"]), str(row["stages"]), f"{row['tasks']:,}",
             str(row["largest_stage"]["tasks"]), fmt(row["largest_stage"]["run_s"]),
             fmt(row["largest_stage"]["longest_task_share"])]
            for row in result["models"][:limit]]


def fixed_line(fixed: dict) -> str:
    return (f"fixed cost (200 rows): DuckDB build {fixed['duckdb']['wall_s']:.1f} s; Spark load "
            f"{fixed['spark_load']['wall_s']:.1f} s, build {fixed['spark']['wall_s']:.1f} s")


def write_report(report: dict, work: Path) -> Path:
    path = work / "results_spark.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    machine, settings = report["machine"], report["spark_settings"]
    lines = [
        f"## Spark local mode beside DuckDB ({report['finished_at']})", "",
        f"Machine: {machine['cores']} cores, {machine['memory_gib']} GiB, load at start "
        f"{machine['load_average_at_start']}. Spark local[{settings['cores']}], driver memory "
        f"{settings['driver_memory']}, {settings['shuffle_partitions']} shuffle partitions; DuckDB "
        f"{machine['duckdb']}, dbt-core {machine['dbt_core']}. {fixed_line(report['fixed_cost'])}.", "",
        markdown_table(CURVE_HEADER, curve_rows(report["sizes"])), "",
    ]
    for result in report["sizes"]:
        lines += [f"Per model on Spark, {result['orders']:,} orders (slowest first; {OTHER} are dbt's own "
                  "queries):", "", markdown_table(MODEL_HEADER, model_rows(result)), ""]
    markdown = work / "results.md"
    if not markdown.exists():
        markdown.write_text("# rfm_lifecycle benchmark results\n\n")
    with markdown.open("a") as out:
        out.write("\n".join(lines) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_size_arguments(parser, [1_000_000, 10_000_000])
    parser.add_argument("--driver-memory", default="12g",
                        help="Spark driver memory (default 12g; the profile's 2g is for the demo)")
    args = parser.parse_args(argv)
    work = checked_work_dir(parser, args)
    report = {
        "machine": machine_info(),
        "spark_settings": {"cores": os.environ.get("RFM_SPARK_CORES", "2"), "driver_memory": args.driver_memory,
                           "shuffle_partitions": os.environ.get("RFM_SPARK_SHUFFLE_PARTITIONS", "4")},
        "fixed_cost": fixed_costs(min(args.orders), work, args.driver_memory),
        "sizes": [],
    }
    print(fixed_line(report["fixed_cost"]), flush=True)
    for orders in sorted(args.orders):
        report["sizes"].append(run_size(orders, work, args.driver_memory, report["fixed_cost"]))
        print()
        print(text_table(CURVE_HEADER, curve_rows(report["sizes"])))
        print(f"\nslowest models on Spark, {orders:,} orders:")
        print(text_table(MODEL_HEADER, model_rows(report["sizes"][-1], limit=12)))
    report["finished_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    print(f"\nresults: {write_report(report, work)} and {work / 'results.md'}")
    warnings = sum(r["spark_build"]["single_partition_warnings"] for r in report["sizes"])
    if warnings:
        print(f"benchmark: Spark warned {warnings} times that a window moves all data to one partition",
              file=sys.stderr)
    return 1 if warnings else 0
