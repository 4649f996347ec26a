"""Real-looking exports from shops (issue 13): each fixture file with the fate of its rows.

One harness, parsed once; each case runs only the models up to the classification
(`+int_orders_netted`, `orders_rejected`), so the whole file costs a few seconds.
"""
from __future__ import annotations

import datetime as dt

import pytest

from dbt_harness import RUN_STATS, DbtHarness

AS_OF = {"as_of_date": "2024-06-30", "max_order_date": "2025-12-31", "customers_path": None}


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    h = DbtHarness(tmp_path_factory.mktemp("real_exports"), base_vars=AS_OF)
    h.parse()
    return h


def classify(h: DbtHarness, vars: dict) -> None:
    result = h.build(vars, select=["+int_orders_netted", "+orders_rejected"], resource="run")
    RUN_STATS["real exports: files classified"] += 1
    assert result.success, result.messages


def test_parquet_with_float_ids_and_zoned_timestamps(harness, tmp_path):
    """A Parquet export: ids as doubles (1001.0), order dates as timestamps with a time zone. The ids are
    whole numbers again; the day is the one in orders_time_zone (UTC unless set), whatever the session's."""
    import duckdb

    path = tmp_path / "orders.parquet"
    con = duckdb.connect()
    con.execute("""
        copy (
            select * from (values
                (5001.0, 1001.0, timestamptz '2024-03-05 23:30:00+00', 10.00),
                (5002.0, 1001.0, timestamptz '2024-03-06 00:30:00+01', 20.00),
                (5003.0, 123457000000.0, timestamptz '2024-03-07 12:00:00+00', 30.00),
                (5004.0, 1e20, timestamptz '2024-03-07 12:00:00+00', 40.00)
            ) as t(order_id, customer_id, order_date, amount)
        ) to '""" + str(path) + "' (format parquet)")
    con.close()
    vars = {"orders_path": str(path), "orders_columns": {"status": None, "margin": None, "line_id": None}}

    classify(harness, vars)
    orders = {r["order_id"]: (r["customer_id"], r["order_date"])
              for r in harness.table("int_orders_netted")}
    assert orders == {
        "5001": ("1001", dt.date(2024, 3, 5)),
        # 00:30 in +01 is 23:30 UTC the day before
        "5002": ("1001", dt.date(2024, 3, 5)),
        "5003": ("123457000000", dt.date(2024, 3, 7)),
    }
    assert harness.table("select source_customer_id, rejection_reason from orders_rejected") == [
        {"source_customer_id": "1e+20", "rejection_reason": "customer_id in scientific notation"}]
    # the view reads the same day in a session whose zone is far from UTC
    con = duckdb.connect(str(harness.db_path))
    con.execute("set TimeZone = 'Pacific/Kiritimati'")
    assert sorted(con.sql("select order_id, order_date from stg_orders").fetchall()) == [
        ("5001", dt.date(2024, 3, 5)), ("5002", dt.date(2024, 3, 5)), ("5003", dt.date(2024, 3, 7)),
        ("5004", dt.date(2024, 3, 7))]
    con.close()

    classify(harness, {**vars, "orders_time_zone": "Europe/Amsterdam"})
    assert {r["order_id"]: r["order_date"] for r in harness.table("int_orders_netted")} == {
        "5001": dt.date(2024, 3, 6), "5002": dt.date(2024, 3, 6), "5003": dt.date(2024, 3, 7)}
