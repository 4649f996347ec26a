"""The incremental classification state equals a full build.

int_order_rows_classified is kept by order-date region: a run redoes only the
regions whose input rows changed, with every order they touch judged whole.
Here a first build sees the orders up to 2024-12-30; the second input adds a
day and also changes the past the way real exports do (a refund line and a
late line for old orders, a copy of an old row, a row of an old order under
another customer, a deleted row, an edited amount). The incremental build of
that input must equal a fresh full build, row for row, and must have redone
only part of the table.
"""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from dbt_harness import PROJECT_DIR, DbtHarness
from test_reruns import dump_marts

GENERATOR = PROJECT_DIR / "scripts" / "generate_orders.py"
LAST_DAY = "2024-12-31"


def read_rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def clean_old_orders(rows: list[dict]) -> list[str]:
    """Ids of plain completed orders before the last day, with two or more lines."""
    lines: dict[str, list[dict]] = {}
    for row in rows:
        lines.setdefault(row["order_id"], []).append(row)
    return sorted(
        order_id for order_id, order_rows in lines.items()
        if len(order_rows) >= 2
        and all(r["status"] == "completed" and r["order_date"][:4] == "2024" and r["order_date"][:10] < LAST_DAY
                and r["line_id"] and r["amount"].replace(".", "", 1).isdigit() for r in order_rows)
        and len({r["line_id"] for r in order_rows}) == len(order_rows)
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("incremental_state")
    generated = folder / "generated.csv"
    subprocess.run([sys.executable, str(GENERATOR), "--orders", "3000", "--seed", "23", "--start", "2023-01-01",
                    "--end", LAST_DAY, "--out", str(generated)], check=True, capture_output=True)
    header, rows = read_rows(generated)
    first = [row for row in rows if row["order_date"].strip()[:10] < LAST_DAY]
    assert len(first) < len(rows)

    later = [dict(row) for row in rows]
    # six orders on six different days, so each change below is alone in its region
    first_day = {row["order_id"]: row["order_date"][:10] for row in reversed(rows)}
    old: list[str] = []
    for order_id in clean_old_orders(rows):
        if first_day[order_id] not in {first_day[chosen] for chosen in old}:
            old.append(order_id)
    refunded, late_line, conflicted, shortened, edited, copied = old[:6]
    by_order = {order_id: [row for row in later if row["order_id"] == order_id] for order_id in old[:6]}
    refund = dict(by_order[refunded][0], order_date=LAST_DAY, amount="-5.00", margin="-1.00", line_id="R1")
    # line id '0' sorts before the old lines, so the order's first row changes
    early_line = dict(by_order[late_line][0], order_date=f"{LAST_DAY} 09:00:00", amount="7.50", line_id="0")
    intruder = dict(by_order[conflicted][0], customer_id="C_SOMEONE_ELSE", order_date=LAST_DAY, line_id="99")
    later.remove(by_order[shortened][-1])
    by_order[edited][0]["amount"] = "1234.56"
    later += [refund, early_line, intruder, dict(by_order[copied][0])]

    paths = {"first": folder / "first.csv", "later": folder / "later.csv"}
    write_rows(paths["first"], header, first)
    write_rows(paths["later"], header, later)
    return paths


def build_vars(orders: Path) -> dict:
    return {"orders_path": str(orders), "customers_path": None, "max_order_date": LAST_DAY}


def classified_rows(h: DbtHarness) -> list[tuple]:
    return h.query("select * exclude (order_date_region, classification_settings) "
                   "from int_order_rows_classified order by all")[1]


def test_incremental_run_equals_a_full_build(tmp_path_factory, inputs):
    incremental = DbtHarness(tmp_path_factory.mktemp("incremental_build"))
    incremental.seed()
    assert (result := incremental.build(build_vars(inputs["first"]))).success, result.messages
    total_before = incremental.query("select count(*) from int_order_rows_classified")[1][0][0]
    last_row_before = incremental.query("select max(rowid) from int_order_rows_classified")[1][0][0]

    assert (result := incremental.build(build_vars(inputs["later"]))).success, result.messages

    full = DbtHarness(tmp_path_factory.mktemp("full_build"))
    full.seed()
    assert (result := full.build(build_vars(inputs["later"]))).success, result.messages

    assert classified_rows(incremental) == classified_rows(full)
    assert dump_marts(incremental.db_path) == dump_marts(full.db_path)

    # the fates the changes must produce, so the equality above covers them
    statuses = dict(full.query(
        "select rejection_reason, count(*) from int_order_rows_classified "
        "where rejection_reason = 'order_id used by several customers' group by 1")[1])
    assert statuses.get("order_id used by several customers", 0) >= 3

    # only the changed regions and the orders they touch were classified again
    redone = incremental.query(
        f"select count(*) from int_order_rows_classified where rowid > {last_row_before}")[1][0][0]
    assert 0 < redone < total_before / 10, (redone, total_before)


def test_unchanged_input_redoes_nothing(tmp_path_factory, inputs):
    h = DbtHarness(tmp_path_factory.mktemp("unchanged"))
    h.seed()
    assert (result := h.build(build_vars(inputs["first"]))).success, result.messages
    before = classified_rows(h)
    last_row_before = h.query("select max(rowid) from int_order_rows_classified")[1][0][0]
    assert (result := h.build(build_vars(inputs["first"]))).success, result.messages
    assert h.query(f"select count(*) from int_order_rows_classified where rowid > {last_row_before}")[1][0][0] == 0
    assert classified_rows(h) == before


def test_a_changed_setting_reclassifies_everything(tmp_path_factory, inputs):
    h = DbtHarness(tmp_path_factory.mktemp("setting"))
    h.seed()
    assert (result := h.build(build_vars(inputs["first"]))).success, result.messages
    changed = {**build_vars(inputs["first"]), "excluded_statuses": ["cancelled", "canceled", "test", "completed"]}
    assert (result := h.build(changed)).success, result.messages
    fresh = DbtHarness(tmp_path_factory.mktemp("setting_fresh"))
    fresh.seed()
    assert (result := fresh.build(changed)).success, result.messages
    assert classified_rows(h) == classified_rows(fresh)
