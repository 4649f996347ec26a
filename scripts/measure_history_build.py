#!/usr/bin/env python3
"""Measure the build time of the lifecycle-over-time models against the core build.

Builds the project on an orders file into a scratch DuckDB database, one dbt
node at a time (--threads 1, so node timings do not overlap), and reports from
dbt's run_results.json:

  core      the foundation models (staging, intermediate, core marts)
  history   the lifecycle-over-time models (segment_history and friends)
  daily     an incremental run one day later: the core is rebuilt, the
            history only computes the period holding the new as-of date

Usage:
    python scripts/generate_orders.py --orders 2000000 --clean --out /tmp/o2m.parquet
    python scripts/measure_history_build.py --orders-path /tmp/o2m.parquet

This is a measurement, not a test: it asserts nothing about speed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

PROJECT = Path(__file__).resolve().parents[1]
HISTORY_MODELS = [
    "int_history_periods",
    "int_customer_days_aggregated",
    "int_customer_periods_aggregated",
    "int_customer_periods_segmented",
    "segment_history",
    "segment_transitions",
    "segment_trends",
    "repeat_purchase_curve",
]


def dbt(args: list[str], env: dict[str, str], target_path: Path) -> tuple[float, dict[str, float]]:
    """Run dbt, return wall seconds and execution seconds per model."""
    command = [str(Path(sys.executable).parent / "dbt"), *args, "--threads", "1",
               "--target-path", str(target_path), "--quiet"]
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"dbt {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    return wall, {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results}


def split(timings: dict[str, float]) -> tuple[float, float]:
    history = sum(t for name, t in timings.items() if name in HISTORY_MODELS)
    return sum(timings.values()) - history, history


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders-path", required=True, help="orders file (CSV or Parquet)")
    parser.add_argument("--vars", default="", help="extra dbt vars, YAML, e.g. '{history_period_grain: week}'")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="rfm_history_bench_"))
    database = scratch / "bench.duckdb"
    env = {**os.environ, "RFM_DUCKDB_PATH": str(database), "DBT_PROFILES_DIR": str(PROJECT),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
           "RFM_DUCKDB_TEMP_DIRECTORY": str(scratch / "spill")}
    extra = args.vars.strip().strip("{}").strip()
    base_vars = f"orders_path: {args.orders_path}, customers_path: null" + (f", {extra}" if extra else "")

    with duckdb.connect() as connection:
        latest = connection.execute(
            "select max(try_cast(order_date as date)) from read_parquet(?)"
            if args.orders_path.endswith(".parquet") else
            "select max(try_cast(order_date as date)) from read_csv(?, all_varchar = true)",
            [args.orders_path],
        ).fetchone()[0]
    day_before = latest - dt.timedelta(days=1)

    dbt(["seed"], env, scratch / "target")
    full_vars = "{" + base_vars + f", as_of_date: '{day_before.isoformat()}'" + "}"
    full_wall, full = dbt(["run", "--full-refresh", "--vars", full_vars], env, scratch / "target")
    core, history = split(full)
    daily_vars = "{" + base_vars + f", as_of_date: '{latest.isoformat()}'" + "}"
    daily_wall, daily = dbt(["run", "--vars", daily_vars], env, scratch / "target")
    daily_core, daily_history = split(daily)
    rerun_wall, rerun = dbt(["run", "--select", "segment_history", "--vars", daily_vars], env, scratch / "target")

    with duckdb.connect(str(database), read_only=True) as connection:
        orders = connection.execute("select count(*) from int_orders_netted").fetchone()[0]
        customers = connection.execute("select count(*) from customer_segments").fetchone()[0]
        rows, periods = connection.execute(
            "select count(*), count(distinct period_end_date) from segment_history").fetchone()

    print(f"input {args.orders_path}: {orders:,} orders and refunds, {customers:,} customers")
    print(f"segment_history: {rows:,} rows, {periods} period ends (as of {latest})")
    print(f"{'build':<42}{'seconds':>9}")
    print(f"{'full: core models (sum of node times)':<42}{core:>9.1f}")
    print(f"{'full: history models (sum of node times)':<42}{history:>9.1f}")
    print(f"{'full: history / core':<42}{history / core:>9.2f}")
    print(f"{'full: wall time, whole dbt run':<42}{full_wall:>9.1f}")
    for name in sorted(HISTORY_MODELS, key=lambda n: -full.get(n, 0)):
        print(f"{'  ' + name:<42}{full.get(name, 0):>9.1f}")
    print(f"{'daily incremental: core models':<42}{daily_core:>9.1f}")
    print(f"{'daily incremental: history models':<42}{daily_history:>9.1f}")
    print(f"{'  segment_history':<42}{daily.get('segment_history', 0):>9.1f}")
    print(f"{'rerun, nothing to build: segment_history':<42}{rerun.get('segment_history', 0):>9.1f}")
    print(f"{'daily incremental: wall time':<42}{daily_wall:>9.1f}")
    if args.keep:
        print(f"database kept at {database}")
    else:
        for path in sorted(scratch.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        scratch.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
