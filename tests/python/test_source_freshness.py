"""`dbt source freshness` on the orders source: a file read through orders_path, and a table."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

import dbt_in_process

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO_ORDERS = PROJECT_ROOT / "data" / "demo" / "orders.csv"
HOUR = 3600
DAY = 24 * HOUR


class Run:
    """What one `dbt source freshness` gave: success, the console output, the orders result."""

    def __init__(self, success: bool, output: str, result: dict | None) -> None:
        self.success = success
        self.output = output
        self.result = result


def freshness(tmp_path: Path, variables: dict | None = None) -> Run:
    """Run dbt source freshness in this process (tests/python/dbt_in_process.py: one parse per set of
    freshness thresholds), on a database and target folder of this test only."""
    environment = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "RFM_DUCKDB_PATH": str(tmp_path / "freshness.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    outcome = dbt_in_process.dbt(["source", "freshness", "--target-path", str(tmp_path / "target")],
                                 PROJECT_ROOT, environment, variables)
    sources = tmp_path / "target" / "sources.json"
    result = None
    if sources.exists():
        result = next(
            (item for item in json.loads(sources.read_text())["results"]
             if str(item.get("unique_id", "")).endswith(".orders")),
            None,
        )
    return Run(outcome.returncode == 0, outcome.stdout + outcome.stderr, result)


def orders_file(tmp_path: Path, age_seconds: float) -> Path:
    path = tmp_path / "orders.csv"
    shutil.copyfile(DEMO_ORDERS, path)
    modified = time.time() - age_seconds
    os.utime(path, (modified, modified))
    return path


@pytest.mark.parametrize(
    ("age_seconds", "status"),
    [(HOUR, "pass"), (2 * DAY, "warn"), (4 * DAY, "error")],
)
def test_a_file_is_as_fresh_as_its_modification_time(tmp_path, age_seconds, status):
    path = orders_file(tmp_path, age_seconds)
    run = freshness(tmp_path, {"orders_path": str(path)})
    result = run.result
    assert result is not None, run.output
    assert result["status"] == status
    # dbt fails the command on an error only; a warning still lets the schedule go on.
    assert run.success is (status != "error")
    assert result["max_loaded_at_time_ago_in_s"] == pytest.approx(age_seconds, abs=120)
    assert result["criteria"]["warn_after"] == {"count": 1, "period": "day"}
    assert result["criteria"]["error_after"] == {"count": 3, "period": "day"}


def test_thresholds_are_configurable(tmp_path):
    path = orders_file(tmp_path, 4 * DAY)
    run = freshness(
        tmp_path,
        {"orders_path": str(path), "orders_freshness_warn_after_days": 5, "orders_freshness_error_after_days": 10},
    )
    assert run.result["status"] == "pass", run.output
    assert run.result["criteria"]["error_after"] == {"count": 10, "period": "day"}


def test_error_after_below_warn_after_is_refused(tmp_path):
    run = freshness(tmp_path, {"orders_freshness_warn_after_days": 3, "orders_freshness_error_after_days": 2})
    assert not run.success
    assert "orders_freshness_error_after_days" in run.output


def test_a_missing_file_says_which_var(tmp_path):
    run = freshness(tmp_path, {"orders_path": str(tmp_path / "nowhere.csv")})
    assert not run.success
    assert "matches no file" in run.output


def write_table(tmp_path: Path, rows: list[tuple], extra_column: str | None = None) -> None:
    columns = "order_id varchar, customer_id varchar, order_date varchar, amount varchar"
    if extra_column:
        columns += f", {extra_column} timestamp"
    with duckdb.connect(str(tmp_path / "freshness.duckdb")) as connection:
        connection.execute(f"create table raw_orders ({columns})")
        placeholders = ", ".join("?" for _ in rows[0])
        connection.executemany(f"insert into raw_orders values ({placeholders})", rows)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


TABLE_VARS = {"orders_path": None, "customers_path": None}


def test_a_table_is_as_fresh_as_its_newest_order(tmp_path):
    newest = utc_now() - dt.timedelta(hours=30)
    write_table(tmp_path, [
        ("o1", "c1", str(newest - dt.timedelta(days=20)), "10.00"),
        ("o2", "c2", str(newest), "12.50"),
        ("o3", "c3", "not a date", "1.00"),
    ])
    run = freshness(tmp_path, TABLE_VARS)
    assert run.result["status"] == "warn", run.output
    assert run.result["max_loaded_at_time_ago_in_s"] == pytest.approx(30 * HOUR, abs=120)


def test_a_date_without_time_counts_as_the_end_of_that_day(tmp_path):
    yesterday = (utc_now() - dt.timedelta(days=1)).date()
    write_table(tmp_path, [("o1", "c1", str(yesterday), "10.00"), ("o2", "c1", "2020-01-01", "5.00")])
    run = freshness(tmp_path, TABLE_VARS)
    # Yesterday's orders, complete at midnight: less than a day old however late the check runs.
    assert run.result["status"] == "pass", run.output
    assert run.result["max_loaded_at"].startswith(str(yesterday + dt.timedelta(days=1)))


def test_a_load_time_column_can_be_named(tmp_path):
    write_table(
        tmp_path,
        [("o1", "c1", str(utc_now()), "10.00", utc_now() - dt.timedelta(days=5))],
        extra_column="_loaded_at",
    )
    run = freshness(tmp_path, {**TABLE_VARS, "orders_loaded_at_column": "_LOADED_AT"})
    assert run.result["status"] == "error", run.output
    assert not run.success


def test_a_named_column_that_does_not_exist_is_reported(tmp_path):
    write_table(tmp_path, [("o1", "c1", str(utc_now()), "10.00")])
    run = freshness(tmp_path, {**TABLE_VARS, "orders_loaded_at_column": "_loaded_at"})
    assert not run.success
    assert "does not have" in run.output and "_loaded_at" in run.output
