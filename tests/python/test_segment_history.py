"""End-to-end tests of the lifecycle-over-time models on DuckDB.

Each test builds the project with dbt into its own DuckDB file and compares
results: a rerun after a correction of past orders against a full refresh,
and hand-made orders at period boundaries against hand-computed segments.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import dbt_in_process

PROJECT = Path(__file__).resolve().parents[2]
GENERATOR = PROJECT / "scripts" / "generate_orders.py"
HISTORY = "+segment_history"
CHANGES = "+segment_changes"
CHANGE_COLUMNS = (
    "customer_id, changed_on_date, period_start_date, previous_lifecycle_segment, lifecycle_segment, "
    "previous_rfm_segment_code, rfm_segment_code, previous_rfm_segment, rfm_segment, rfm_scheme, "
    "is_first_appearance, is_lifecycle_change, is_rfm_change, is_reactivated, action_phase, action_goal"
)
HISTORY_COLUMNS = (
    "period_end_date, period_start_date, customer_id, lifecycle_segment, previous_segment, is_reactivated, "
    "recency_days, frequency, monetary, r_score, f_score, m_score, revenue_in_period, first_order_date, "
    "last_order_date, tier_frequency, lifetime_orders, lifetime_revenue, has_refunds, settings_fingerprint"
)


class Project:
    """The dbt project built into a DuckDB file of its own."""

    def __init__(self, workdir: Path, orders: Path, customers: Path | None, **vars_: object):
        self.workdir = workdir
        self.database = workdir / "history.duckdb"
        self.vars = {"orders_path": str(orders), "customers_path": str(customers) if customers else None, **vars_}
        self.env = {
            **os.environ,
            "RFM_DUCKDB_PATH": str(self.database),
            "DBT_PROFILES_DIR": str(PROJECT),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "RFM_DUCKDB_TEMP_DIRECTORY": str(workdir / "spill"),
        }

    def dbt(self, *args: str, expect_failure: bool = False, **vars_: object) -> str:
        """`dbt <args>` in this process (tests/python/dbt_in_process.py): one parse serves every
        command of the file, whatever its vars."""
        arguments = [*args, "--target-path", str(self.workdir / "target"), "--log-path", str(self.workdir / "logs")]
        proc = dbt_in_process.dbt(arguments, PROJECT, self.env, {**self.vars, **vars_})
        output = proc.stdout + proc.stderr
        if expect_failure:
            assert proc.returncode != 0, output
        else:
            assert proc.returncode == 0, output
        return output

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database)) as connection:
            return connection.execute(sql).fetchall()

    def execute(self, *statements: str) -> None:
        with duckdb.connect(str(self.database)) as connection:
            for statement in statements:
                connection.execute(statement)


def history_differences(project: Project, table: str) -> tuple[int, int]:
    """Rows only in segment_history, rows only in `table` (duplicates counted)."""
    only_history = project.query(
        f"select count(*) from (select {HISTORY_COLUMNS} from segment_history "
        f"except all select {HISTORY_COLUMNS} from {table})")[0][0]
    only_table = project.query(
        f"select count(*) from (select {HISTORY_COLUMNS} from {table} "
        f"except all select {HISTORY_COLUMNS} from segment_history)")[0][0]
    return only_history, only_table


def period_ends(project: Project) -> list[str]:
    rows = project.query("select distinct period_end_date from segment_history order by 1")
    return [row[0].isoformat() for row in rows]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("generated")
    orders, customers = folder / "orders.csv", folder / "customers.csv"
    subprocess.run(
        [sys.executable, str(GENERATOR), "--orders", "4000", "--seed", "11",
         "--out", str(orders), "--customers-out", str(customers)],
        check=True, capture_output=True, timeout=300,
    )
    return orders, customers


def read_orders(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_orders(path: Path, header: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def last_orders_to_correct(project: Project, count: int) -> list[tuple[str, str]]:
    """(customer id, order id) of customers with several orders whose last order falls on day 10 or later of a
    month inside the history, so the order can move a week back without leaving its month."""
    return project.query(f"""
        select orders.customer_id, orders.order_id
        from int_orders_netted as orders
        inner join int_customers_aggregated as customers
            on orders.customer_id = customers.customer_id and orders.order_date = customers.last_order_date
        where orders.is_order and customers.lifetime_orders >= 2 and extract(day from orders.order_date) >= 10
            and orders.order_date >= (select min(period_end_date) from segment_history)
            and orders.order_id not in (select order_id from int_orders_netted group by order_id having count(*) > 1)
            and orders.customer_id in (
                select customer_id from int_orders_netted group by customer_id, order_date having count(*) = 1)
        order by orders.customer_id, orders.order_id
        limit {count}""")


def corrected(rows: list[dict], correction: str, targets: list[tuple[str, str]]) -> list[dict]:
    """The input as a shop would send it again after correcting past orders."""
    order_ids = {order_id for _, order_id in targets}
    out = []
    for row in rows:
        if row["order_id"].strip() not in {o.upper() for o in order_ids} | order_ids:
            out.append(row)
        elif correction == "date moved within its month":
            day = row["order_date"].strip()[:10]
            moved = (dt.date.fromisoformat(day) - dt.timedelta(days=7)).isoformat()
            out.append({**row, "order_date": moved + row["order_date"].strip()[10:]})
        elif correction == "amount edited":
            out.append({**row, "amount": f"{float(row['amount']) + 100:.2f}"})
        elif correction == "order moved to another customer":
            out.append({**row, "customer_id": "MOVED-" + row["customer_id"].strip()})
        elif correction != "row deleted":
            raise ValueError(correction)
    return out


@pytest.fixture(scope="module")
def history_before_corrections(tmp_path_factory, generated) -> tuple[Path, list[tuple[str, str]]]:
    """The history built once on the generated orders; each correction test starts from a copy of it."""
    orders, customers = generated
    workdir = tmp_path_factory.mktemp("history_before_corrections")
    project = Project(workdir, orders, customers, **CORRECTION_VARS)
    project.dbt("seed")
    project.dbt("run", "--select", HISTORY, CHANGES)
    targets = last_orders_to_correct(project, 2 * len(CORRECTIONS))
    assert len(targets) == 2 * len(CORRECTIONS), \
        "the generated orders must hold customers whose last order can be corrected"
    project.execute("create table history_before as select * from segment_history")
    return project.database, targets


CORRECTION_VARS = {"history_periods": 12, "as_of_date": "2025-12-31"}


CORRECTIONS = ["date moved within its month", "amount edited", "row deleted", "order moved to another customer"]


def test_a_rerun_after_corrections_of_past_orders_equals_a_full_refresh(
        tmp_path, generated, history_before_corrections):
    """segment_history after any correction of the input is what a build from scratch gives: the change is seen
    in the periods it touches, whatever the period totals say. Each kind of correction is made to orders of
    customers of its own, all in one corrected file, so one rerun and one full refresh check them all."""
    orders, customers = generated
    built, targets = history_before_corrections
    project = Project(tmp_path, orders, customers, **CORRECTION_VARS)
    shutil.copyfile(built, project.database)

    header, rows = read_orders(orders)
    per_correction = len(targets) // len(CORRECTIONS)
    for position, correction in enumerate(CORRECTIONS):
        rows = corrected(rows, correction, targets[position * per_correction:(position + 1) * per_correction])
    corrected_path = tmp_path / "orders_corrected.csv"
    write_orders(corrected_path, header, rows)
    project.dbt("run", "--select", HISTORY, orders_path=str(corrected_path))
    changed = {row[0] for row in project.query(
        f"select customer_id from (select {HISTORY_COLUMNS} from segment_history "
        f"except all select {HISTORY_COLUMNS} from history_before)")}
    for position, correction in enumerate(CORRECTIONS):
        for customer_id, _ in targets[position * per_correction:(position + 1) * per_correction]:
            seen = {customer_id, "MOVED-" + customer_id} & changed
            assert seen, f"the correction '{correction}' of {customer_id} must change the history"

    project.execute("create table history_rerun as select * from segment_history")
    project.dbt("run", "--select", HISTORY, "--full-refresh", orders_path=str(corrected_path))
    assert history_differences(project, "history_rerun") == (0, 0)


def change_differences(project: Project, table: str, where: str = "true") -> tuple[int, int]:
    """Rows only in segment_changes, rows only in `table` (duplicates counted), as_of_date aside."""
    counts = []
    for first, second in (("segment_changes", table), (table, "segment_changes")):
        counts.append(project.query(
            f"select count(*) from (select {CHANGE_COLUMNS} from {first} where {where} "
            f"except all select {CHANGE_COLUMNS} from {second} where {where})")[0][0])
    return counts[0], counts[1]


def test_segment_changes_are_the_same_on_a_rerun_a_back_fill_and_a_full_refresh(
        tmp_path, generated, history_before_corrections):
    """The change log is rebuilt from segment_history: a rerun for the same as-of date gives the same rows; a
    later as-of date keeps every event of the closed periods as it was (a daily reader never sees one
    twice or revised); a back-fill of the earlier date gives its log again, without duplicates; a full
    refresh gives the same rows."""
    orders, customers = generated
    built, _ = history_before_corrections
    project = Project(tmp_path, orders, customers, **CORRECTION_VARS)
    shutil.copyfile(built, project.database)
    as_of = CORRECTION_VARS["as_of_date"]
    project.execute("create table changes_first as select * from segment_changes")
    counts = project.query(
        "select count(*), count(distinct customer_id || '/' || cast(changed_on_date as varchar)), "
        f"sum(case when changed_on_date = date '{as_of}' then 1 else 0 end), "
        "sum(case when is_rfm_change and not is_lifecycle_change then 1 else 0 end), "
        "min(as_of_date), max(as_of_date) from changes_first")[0]
    assert counts[0] == counts[1] and counts[2] > 0 and counts[3] > 0, counts
    assert counts[4] == counts[5] == dt.date.fromisoformat(as_of)

    project.dbt("run", "--select", "segment_changes")
    assert change_differences(project, "changes_first") == (0, 0)

    later = "2026-01-20"
    project.dbt("run", "--select", HISTORY, CHANGES, as_of_date=later)
    assert project.query("select distinct as_of_date from segment_changes") == [(dt.date.fromisoformat(later),)]
    ends = period_ends(project)
    assert ends[-2:] == [as_of, later]
    # Periods closed in both runs, with a period end before them (the later run's first one has none). The
    # earlier run's last month was still open: its rows were that day's changes and the month's before it.
    closed = f"changed_on_date between date '{ends[1]}' and date '{ends[-3]}'"
    assert project.query(f"select count(*) from changes_first where {closed}")[0][0] > 0
    assert change_differences(project, "changes_first", closed) == (0, 0)

    project.dbt("run", "--select", HISTORY, CHANGES)  # the back-fill: the earlier as-of date again
    assert change_differences(project, "changes_first") == (0, 0)
    assert project.query(
        "select count(*) from (select customer_id, changed_on_date from segment_changes "
        "group by customer_id, changed_on_date having count(*) > 1)")[0][0] == 0

    project.dbt("run", "--select", HISTORY, CHANGES, "--full-refresh")
    assert change_differences(project, "changes_first") == (0, 0)


def test_the_as_of_dates_changes_are_that_days_under_the_monthly_grain(
        tmp_path, generated, history_before_corrections):
    """With the default monthly grain, the run's own rows of segment_changes (changed_on_date = as-of date, the
    rows the entered_today files hold) are exactly the customers whose lifecycle or RFM segment in
    customer_segments differs from the one customer_segments gives when built for the day before, or who
    are not in it yet; the open month's earlier changes are one row dated the day before. Checked against two
    builds of customer_segments, not against the history's own arithmetic."""
    orders, customers = generated
    built, _ = history_before_corrections
    project = Project(tmp_path, orders, customers, **CORRECTION_VARS)
    shutil.copyfile(built, project.database)
    as_of = dt.date.fromisoformat(CORRECTION_VARS["as_of_date"])
    day_before = as_of - dt.timedelta(days=1)
    assert as_of.day > 1, "the day before must fall inside the as-of date's month"
    segment = "lifecycle_segment, coalesce(rfm_segment, '')"
    project.dbt("run", "--select", "+customer_segments")
    project.execute(f"create table segments_today as select customer_id, {segment} as rfm from customer_segments")
    project.dbt("run", "--select", "+customer_segments", as_of_date=day_before.isoformat())
    project.execute(f"create table segments_before as select customer_id, {segment} as rfm from customer_segments")
    expected = set(project.query("""
        select today.customer_id, coalesce(before.lifecycle_segment, 'none'), today.lifecycle_segment,
            before.rfm, today.rfm
        from segments_today as today
        left join segments_before as before on today.customer_id = before.customer_id
        where before.customer_id is null or before.lifecycle_segment <> today.lifecycle_segment
            or before.rfm <> today.rfm"""))
    changes = set(project.query(f"""
        select customer_id, previous_lifecycle_segment, lifecycle_segment,
            case when previous_lifecycle_segment <> 'none' then coalesce(previous_rfm_segment, '') end,
            coalesce(rfm_segment, '')
        from segment_changes where changed_on_date = date '{as_of}'"""))
    assert expected and changes == expected
    starts = project.query(f"""
        select changed_on_date, min(period_start_date), max(period_start_date), count(*) from segment_changes
        where changed_on_date >= date '{day_before}' group by changed_on_date order by changed_on_date""")
    assert [row[:3] for row in starts] == [(day_before, day_before.replace(day=1), day_before.replace(day=1)),
                                            (as_of, as_of, as_of)]
    # segment_history keeps the calendar month: its last period starts on the 1st.
    assert project.query(f"select distinct period_start_date from segment_history where period_end_date = "
                         f"date '{as_of}'") == [(as_of.replace(day=1),)]


def test_a_rerun_with_changed_thresholds_uses_them_everywhere(tmp_path, generated):
    orders, customers = generated
    project = Project(tmp_path, orders, customers, history_periods=5)
    project.dbt("seed")
    project.dbt("run", "--select", HISTORY)
    project.dbt("run", "--select", HISTORY, new_customer_days=45, inactivity_mode="tier")
    fingerprints = project.query("select distinct settings_fingerprint from segment_history")
    assert len(fingerprints) == 1 and "new_customer_days=45" in fingerprints[0][0]
    assert "inactivity_mode=tier" in fingerprints[0][0]
    project.execute("create table history_rerun as select * from segment_history")
    project.dbt("run", "--select", "segment_history", "--full-refresh", new_customer_days=45, inactivity_mode="tier")
    assert history_differences(project, "history_rerun") == (0, 0)


@pytest.mark.parametrize("grain, periods", [("week", 9), ("day", 10)])
def test_week_and_day_grains_end_on_the_as_of_date_and_pass_every_test(tmp_path, generated, grain, periods):
    orders, customers = generated
    project = Project(tmp_path, orders, customers, history_period_grain=grain, history_periods=periods,
                      as_of_date="2025-11-19")
    # dbt build runs the data tests too: the last period equals customer_segments, flows add up.
    project.dbt("build")
    ends = period_ends(project)
    assert len(ends) == periods and ends[-1] == "2025-11-19"
    if grain == "week":
        # 2025-11-19 is a Wednesday; the weeks before it end on Sundays.
        assert ends[-2] == "2025-11-16" and ends[0] == "2025-09-28"
    else:
        assert ends[0] == "2025-11-10"


BOUNDARY_ORDERS = [
    # order_id, customer_id, order_date, amount
    ("B1", "last_day", "2024-03-31 23:59:00", "40.00"),   # on the last day of period 1
    ("B2", "inside", "2024-04-10", "25.00"),              # first order inside period 2
    ("B3", "skipper", "2024-01-05", "30.00"),             # two orders before the history starts,
    ("B4", "skipper", "2024-02-20", "30.00"),             # then nothing in April and May,
    ("B5", "skipper", "2024-06-10", "55.00"),             # then back in June
    ("R1", "refund_only", "2024-04-05", "-12.00"),        # a refund without an order
]
BOUNDARY_VARS = {
    "as_of_date": "2024-06-15", "history_periods": 4, "inactivity_mode": "tier", "loyal_min_orders": 3,
    "new_customer_days": 30, "inactive_days_regular": 40, "inactive_days_loyal": 20, "lost_days": 100,
}
# Periods: 2024-03-31, 04-30, 05-31 and 06-15 (the as-of date); 02-29 opens the history.
EXPECTED_BOUNDARY_HISTORY = {
    # customer: [(period end, previous segment, segment, revenue in period), ...]
    "last_day": [
        ("2024-03-31", "none", "new", 40),         # recency 0
        ("2024-04-30", "new", "new", 0),           # recency 30: the threshold day is still new
        ("2024-05-31", "new", "one_time", 0),      # recency 61
        ("2024-06-15", "one_time", "one_time", 0),
    ],
    "inside": [
        ("2024-04-30", "none", "new", 25),
        ("2024-05-31", "new", "one_time", 0),      # recency 51
        ("2024-06-15", "one_time", "one_time", 0),
    ],
    "skipper": [
        ("2024-03-31", "regular", "regular", 0),   # recency 40: still regular (was regular on 02-29)
        ("2024-04-30", "regular", "inactive", 0),  # recency 70
        ("2024-05-31", "inactive", "lost", 0),     # recency 101, beyond lost_days
        ("2024-06-15", "lost", "loyal", 55),       # a win-back: 3 orders in the window
    ],
    "refund_only": [
        ("2024-04-30", "none", "lost", -12),
        ("2024-05-31", "lost", "lost", 0),
        ("2024-06-15", "lost", "lost", 0),
    ],
    "prospect": [(date, "prospect", "prospect", 0) for date in ("2024-03-31", "2024-04-30", "2024-05-31", "2024-06-15")],
}


def test_hand_made_orders_at_period_boundaries(tmp_path):
    orders, customers = tmp_path / "orders.csv", tmp_path / "customers.csv"
    with orders.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["order_id", "customer_id", "order_date", "amount", "status", "margin", "line_id"])
        for order_id, customer_id, order_date, amount in BOUNDARY_ORDERS:
            writer.writerow([order_id, customer_id, order_date, amount, "completed", "", "1"])
    customers.write_text("customer_id\nprospect\n")
    project = Project(tmp_path, orders, customers, **BOUNDARY_VARS)
    project.dbt("build")

    rows = project.query(
        "select customer_id, period_end_date, previous_segment, lifecycle_segment, revenue_in_period, "
        "is_reactivated from segment_history order by customer_id, period_end_date")
    actual: dict[str, list[tuple]] = {}
    for customer_id, period_end, previous, segment, revenue, _ in rows:
        actual.setdefault(customer_id, []).append((period_end.isoformat(), previous, segment, float(revenue)))
    assert actual == {customer: [(d, p, s, float(r)) for d, p, s, r in history]
                      for customer, history in EXPECTED_BOUNDARY_HISTORY.items()}
    assert [row[0] for row in rows if row[5]] == ["skipper"]

    transitions = dict(((str(d), f, t), (c, float(r))) for d, f, t, c, r in project.query(
        "select period_end_date, from_segment, to_segment, customers, revenue_in_period from segment_transitions"))
    assert transitions[("2024-03-31", "none", "new")] == (1, 40.0)
    assert transitions[("2024-04-30", "none", "new")] == (1, 25.0)
    assert transitions[("2024-04-30", "none", "lost")] == (1, -12.0)
    assert transitions[("2024-06-15", "lost", "loyal")] == (1, 55.0)

    trends = {(str(d), s): (c, i, o, rc, float(rr)) for d, s, c, i, o, rc, rr in project.query(
        "select period_end_date, lifecycle_segment, customers, customers_in, customers_out, "
        "reactivated_customers, reactivated_revenue from segment_trends")}
    assert len(trends) == 4 * 7
    assert trends[("2024-06-15", "loyal")] == (1, 1, 0, 1, 55.0)
    assert trends[("2024-06-15", "lost")] == (1, 0, 1, 0, 0.0)
    assert trends[("2024-05-31", "one_time")] == (2, 2, 0, 0, 0.0)
