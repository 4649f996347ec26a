"""Paths, the selection, the targets and the project rules the baselines follow."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
GENERATOR = PROJECT / "scripts" / "generate_orders.py"
DBT = Path(sys.executable).parent / "dbt"

# The core marts (issue 5), one list with the engine tests; `+` adds every parent, seeds included.
sys.path.insert(0, str(PROJECT / "scripts"))
from rfm_marts import CORE_MARTS  # noqa: E402

NO_TESTS = ["resource_type:test", "resource_type:unit_test"]
DBT_SELECTION = ["--select", *[f"+{name}" for name in CORE_MARTS], "--exclude", *NO_TESTS]
# The acquisition cohorts beside the core (issue 17): only their own nodes, on the core's tables.
COHORT_MARTS = ["customer_cohorts", "new_customer_repeat_shares"]
COHORT_SELECTION = ["--select", *[f"+{name}" for name in COHORT_MARTS],
                    "--exclude", *NO_TESTS, *[f"+{name}" for name in CORE_MARTS]]
# Compared row for row after the daily run (customer_segments and orders_accounting first).
VERIFIED_MARTS = CORE_MARTS
SCORE_COLUMNS = ["recency_days", "frequency", "monetary", "r_score", "f_score", "m_score"]

# The targets. The ratios hold at 10M orders, the memory bound at 50M.
RATIO_TARGET_ORDERS = 10_000_000
MEMORY_TARGET_ORDERS = 50_000_000
MAX_DBT_WORK_PER_FLOOR = 1.5  # dbt wall minus its fixed cost (the 200-row build), per floor wall
MIN_PANDAS_PER_DBT = 2.0
FIXED_COST_ROWS = 200
MAX_PEAK_RSS_MIB = 8 * 1024
VERIFY_BY_DEFAULT_UP_TO = 1_000_000
# pandas holds every row several times over: measured about 500 bytes per input row at peak
# (1M orders, 1.7M rows: 1 GiB). Above the memory available it is skipped, not run into the OOM killer.
PANDAS_BYTES_PER_ROW = 600

SETTINGS_QUERY = (
    "select current_setting('threads') as threads, current_setting('memory_limit') as memory_limit, "
    "current_setting('temp_directory') as temp_directory, "
    "current_setting('preserve_insertion_order') as preserve_insertion_order"
)
PARQUET = "(FORMAT parquet, COMPRESSION zstd)"


def sql_string(text: object) -> str:
    return "'" + str(text).replace("'", "''") + "'"


# ---------------------------------------------------------------------------
# The project's rules, as far as they decide the numbers (README "Input", "Scores")
# ---------------------------------------------------------------------------
def project_rules() -> dict:
    """The default vars of dbt_project.yml that the floor and pandas must follow."""
    import yaml

    project_vars = yaml.safe_load((PROJECT / "dbt_project.yml").read_text())["vars"]
    if project_vars.get("monetary_measure", "revenue") != "revenue":
        sys.exit("benchmark: the floor and pandas compute revenue; set monetary_measure: revenue")
    if project_vars.get("customer_id_case_sensitive", True) is not True:
        sys.exit("benchmark: the floor and pandas keep customer ids verbatim, as the default does")
    max_order_date = project_vars.get("max_order_date")
    return {
        "lookback_days": int(project_vars["lookback_days"]),
        "score_buckets": int(project_vars["score_buckets"]),
        "excluded_statuses": [str(s).strip().lower() for s in project_vars["excluded_statuses"]],
        "min_order_date": str(project_vars.get("min_order_date") or "1900-01-01"),
        # null = the day of the run, as dbt's run_started_at (UTC) gives it.
        "max_order_date": str(max_order_date or dt.datetime.now(dt.timezone.utc).date().isoformat()),
    }


# ---------------------------------------------------------------------------
# The command lines' shared part (`make bench`, `make bench-spark`)
# ---------------------------------------------------------------------------
def add_size_arguments(parser: argparse.ArgumentParser, default_orders: list[int]) -> None:
    default = " ".join(str(n) for n in default_orders)
    parser.add_argument("--orders", type=int, nargs="+", default=default_orders,
                        help=f"sizes to measure, in orders (default {default})")
    parser.add_argument("--work-dir", type=Path, default=PROJECT / "target" / "bench",
                        help="data cache, databases and results (default target/bench)")


def checked_work_dir(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Path:
    """The sizes checked, dbt found, and the work folder made."""
    if any(n < 1 for n in args.orders):
        parser.error("--orders must be positive")
    if not DBT.exists():
        sys.exit(f"benchmark: no dbt at {DBT}; run `make setup` and use .venv/bin/python")
    work = args.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    return work
