"""One size: every step in order, the ratios and the targets."""
from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

from .compare import compare_databases, compare_with_baselines
from .data import generated_orders, sample_orders, split_orders
from .processes import dbt_vars, run_dbt_build, run_dbt_noop, run_python_step
from .settings import (COHORT_SELECTION, FIXED_COST_ROWS, MAX_DBT_WORK_PER_FLOOR, MAX_PEAK_RSS_MIB,
                       MEMORY_TARGET_ORDERS, MIN_PANDAS_PER_DBT, PANDAS_BYTES_PER_ROW, RATIO_TARGET_ORDERS,
                       project_rules)


# ---------------------------------------------------------------------------
# One size
# ---------------------------------------------------------------------------
def machine_info() -> dict:
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    cpu_model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), platform.processor())

    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    return {
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "cpu": cpu_model,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "duckdb": version("duckdb"),
        "dbt_core": version("dbt-core"),
        "dbt_duckdb": version("dbt-duckdb"),
        "pandas": version("pandas"),
        "pyarrow": version("pyarrow"),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def evaluate(orders: int, steps: dict) -> tuple[dict, list[dict]]:
    full, floor, pandas, daily, fixed = (steps.get(k) for k in ("full", "floor", "pandas", "daily", "fixed"))
    startup = full["startup_s"]
    ratios = {
        "dbt_per_floor": ratio(full["wall_s"], floor and floor["wall_s"]),
        "dbt_work_per_floor": ratio(fixed and full["wall_s"] - fixed["wall_s"], floor and floor["wall_s"]),
        "dbt_without_startup_per_floor": ratio(full["wall_s"] - startup, floor and floor["wall_s"]),
        "pandas_per_dbt": ratio(pandas and pandas["wall_s"], full["wall_s"]),
        "daily_per_full": ratio(daily and daily["wall_s"], full["wall_s"]),
        "cohorts_per_full": ratio(steps.get("cohorts") and steps["cohorts"]["wall_s"], full["wall_s"]),
        "daily_per_full_without_startup": ratio(daily and daily["wall_s"] - daily["startup_s"],
                                                      full["wall_s"] - startup),
        # Informative only: CPU seconds show the same comparisons with less noise from a busy machine.
        "dbt_per_floor_cpu": ratio(full["cpu_s"], floor and floor["cpu_s"]),
        "pandas_per_dbt_cpu": ratio(pandas and pandas["cpu_s"], full["cpu_s"]),
        "daily_per_full_cpu": ratio(daily and daily["cpu_s"], full["cpu_s"]),
    }
    dbt_peak = max(s["peak_rss_mib"] for k, s in steps.items() if k in ("full", "daily", "verify"))

    def check(name, value, limit, passed, applies_at):
        return {"target": name, "value": value, "limit": limit,
                "result": None if value is None else ("pass" if passed(value) else "fail"),
                "applies": orders == applies_at, "set_for_orders": applies_at}

    targets = [
        check("dbt full build minus its fixed cost <= 1.5 x floor", ratios["dbt_work_per_floor"],
              MAX_DBT_WORK_PER_FLOOR, lambda v: v <= MAX_DBT_WORK_PER_FLOOR, RATIO_TARGET_ORDERS),
        check("pandas >= 2 x dbt full build", ratios["pandas_per_dbt"], MIN_PANDAS_PER_DBT,
              lambda v: v >= MIN_PANDAS_PER_DBT, RATIO_TARGET_ORDERS),
        check("peak RSS of the dbt builds < 8 GiB (MiB)", dbt_peak, MAX_PEAK_RSS_MIB,
              lambda v: v < MAX_PEAK_RSS_MIB, MEMORY_TARGET_ORDERS),
    ]
    return ratios, targets


STEP_LABELS = {
    "startup": "dbt start-up (no-op dbt show)",
    "full": "1 dbt build, core marts (full)",
    "cohorts": "  dbt build, cohort marts beside the core",
    "floor": "2 floor: one DuckDB statement",
    "pandas": "3 pandas",
    "daily": "4 dbt build, daily (one more day)",
    "verify": "  dbt build --full-refresh (verify)",
    "fixed": f"5 dbt build, {FIXED_COST_ROWS} rows (fixed cost, full parse)",
    "fixed_partial_parse": f"  dbt build, {FIXED_COST_ROWS} rows, partial parse",
}


def link_or_copy(source: Path, destination: Path) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copyfile(source, destination)


def available_memory_bytes() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


def run_size(orders: int, work: Path, verify: bool, skip: set[str], force_pandas: bool, machine: dict) -> dict:
    rules = project_rules()
    run_dir = work / f"run_{orders}"
    run_dir.mkdir(parents=True, exist_ok=True)
    bench_db, verify_db, floor_db = run_dir / "bench.duckdb", run_dir / "verify.duckdb", run_dir / "floor.duckdb"
    fixed_db = run_dir / "fixed.duckdb"
    pandas_result = run_dir / "pandas_scores.parquet"
    for stale in (bench_db, verify_db, floor_db, fixed_db, pandas_result, run_dir / "startup.duckdb"):
        for path in (stale, Path(str(stale) + ".wal")):
            path.unlink(missing_ok=True)
    full_target, verify_target = run_dir / "dbt_target", run_dir / "dbt_target_verify"
    noop_target, fixed_target = run_dir / "dbt_target_noop", run_dir / "dbt_target_fixed"
    for target in (full_target, verify_target, noop_target, fixed_target):
        subprocess.run(["rm", "-rf", str(target)], check=True)  # a fresh parse, as on a fresh checkout

    print(f"\n== {orders:,} orders ==", flush=True)
    source, generation = generated_orders(orders, work)
    print(f"data: {source} ({'cached' if generation['cached'] else 'generated'})", flush=True)

    split_folder = work / f"orders_{orders}"
    history_path = str((split_folder / "history.parquet").resolve())
    # The folder a scheduler's orders_path points at: the history first, the last day added later.
    feed = run_dir / "feed"
    feed_glob = str(feed.resolve() / "*.parquet")
    steps: dict = {}

    split = split_orders(source, split_folder, rules)
    last_day = dt.date.fromisoformat(split["last_day"])
    print(f"split: {split['history_rows']:,} history rows, {split['last_day_rows']:,} rows on the last day "
          f"{last_day}", flush=True)
    subprocess.run(["rm", "-rf", str(feed)], check=True)
    feed.mkdir()
    link_or_copy(split_folder / "history.parquet", feed / "history.parquet")
    feed_vars = dbt_vars(feed_glob)

    # The no-op also reports the profile's DuckDB settings, which the floor then uses.
    print("dbt start-up (no-op) ...", flush=True)
    steps["startup"] = run_dbt_noop(run_dir / "startup.duckdb", noop_target, feed_vars, run_dir / "startup.log")
    settings = steps["startup"]["settings"]

    print("step 1: dbt build (full) ...", flush=True)
    steps["full"] = run_dbt_build("dbt build (full)", bench_db, full_target, feed_vars, run_dir / "full.log")
    print("step 1b: dbt build of the cohort marts beside the core ...", flush=True)
    steps["cohorts"] = run_dbt_build("dbt build (cohort marts)", bench_db, full_target, feed_vars,
                                     run_dir / "cohorts.log", selection=COHORT_SELECTION)
    spec = {"orders_path": history_path, "rules": rules, "settings": settings}
    if "floor" not in skip:
        print("step 2: floor ...", flush=True)
        steps["floor"] = run_python_step("floor", {**spec, "database": str(floor_db)}, run_dir / "floor.log")
    pandas_skipped = None
    if "pandas" not in skip and not force_pandas:
        needed, available = split["history_rows"] * PANDAS_BYTES_PER_ROW, available_memory_bytes()
        if needed > available:
            pandas_skipped = (f"needs about {needed / 2**30:.1f} GiB, {available / 2**30:.1f} GiB available "
                              "(--force-pandas runs it anyway)")
            print(f"step 3: pandas skipped: {pandas_skipped}", flush=True)
    if "pandas" not in skip and pandas_skipped is None:
        print("step 3: pandas ...", flush=True)
        steps["pandas"] = run_python_step("pandas", {**spec, "result_path": str(pandas_result)},
                                          run_dir / "pandas.log")
    comparison = compare_with_baselines(bench_db, floor_db, pandas_result, settings)

    link_or_copy(split_folder / "last_day.parquet", feed / "last_day.parquet")
    if "daily" not in skip:
        print("step 4: dbt build (daily: one more day) ...", flush=True)
        steps["daily"] = run_dbt_build("dbt build (daily)", bench_db, full_target, feed_vars, run_dir / "daily.log")
    verification = None
    if verify and "daily" not in skip:
        print("verify: dbt build --full-refresh into another file ...", flush=True)
        steps["verify"] = run_dbt_build("dbt build --full-refresh (verify)", verify_db, verify_target, feed_vars,
                                        run_dir / "verify.log", full_refresh=True)
        verification = compare_databases(bench_db, verify_db, settings)

    print(f"step 5: dbt build of {FIXED_COST_ROWS} rows (fixed cost) ...", flush=True)
    sample_vars = dbt_vars(str(sample_orders(split_folder / "history.parquet", run_dir)))
    steps["fixed"] = run_dbt_build("dbt build (fixed cost)", fixed_db, fixed_target, sample_vars, run_dir / "fixed.log")
    steps["fixed_partial_parse"] = run_dbt_build("dbt build (fixed cost, partial parse)", fixed_db, fixed_target,
                                                 sample_vars, run_dir / "fixed_partial_parse.log")

    ratios, targets = evaluate(orders, steps)
    return {
        "orders": orders,
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine,
        "duckdb_settings": settings,
        "dbt_threads": steps["full"]["dbt_threads"],
        "rules": rules,
        "data": {"source": str(source), **generation, **split, "history_path": history_path,
                 "orders_path": feed_glob},
        "steps": {name: {k: v for k, v in step.items() if k != "nodes"} for name, step in steps.items()},
        "dbt_models": {name: step["nodes"] for name, step in steps.items() if "nodes" in step},
        "pandas_skipped": pandas_skipped,
        "agreement": comparison,
        "verify": verification,
        "ratios": ratios,
        "targets": targets,
    }
