"""The dbt models against the independent oracle, on generated order sets.

Every generated scenario (orders, optional customers file, vars) is built with
`dbt build` (models and data tests, in-process) and every row and column of
customer_segments, lifecycle_thresholds, customer_cohorts,
new_customer_repeat_shares, orders_rejected and the counts of
orders_accounting are compared with tests/python/oracle. Where the oracle says
the build must stop (no rows, no as-of date, auto thresholds that cross a fixed
lost_days), the build must stop with that message and nothing else.

RFM_ORACLE_EXAMPLES sets the number of generated scenarios (default 6, plus
the explicit edge examples); RFM_ORACLE_RANDOM=1 draws new ones each run
instead of the fixed, reproducible sequence.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import time
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402

from dbt_harness import GUARD_OFF, ORDER_COLUMNS, PROJECT_DIR, RUN_STATS, DbtHarness, write_csv  # noqa: E402
from oracle.cohort_oracle import cohorts  # noqa: E402
from oracle.return_oracle import COLUMNS as RETURN_COLUMNS  # noqa: E402
from oracle.return_oracle import returns  # noqa: E402
from oracle.rfm_oracle import Settings, SourceRow, accounting, compute, threshold_table  # noqa: E402
from oracle.scenarios import MAX_ORDER_DATE, Scenario, scenarios  # noqa: E402

# Each scenario is a dbt build of about 10 s; `make test-oracle-deep` draws 200 fresh ones.
EXAMPLES = int(os.environ.get("RFM_ORACLE_EXAMPLES", "6"))
RANDOM = os.environ.get("RFM_ORACLE_RANDOM") == "1"
# The generated data is dated before MAX_ORDER_DATE; the oracle is told the same "today".
TODAY = MAX_ORDER_DATE

CUSTOMER_COLUMNS = [
    "customer_id", "first_order_date", "last_order_date", "recency_days", "frequency", "tier_frequency",
    "monetary", "lifetime_orders", "lifetime_revenue", "trailing_revenue", "typical_interval_days",
    "r_score", "f_score", "m_score", "rfm_cell", "rfm_key", "frequency_tier", "inactivity_threshold_days",
    "lifecycle_segment", "next_segment_if_no_order", "next_transition_date", "days_until_transition",
    "has_refunds", "as_of_date",
]
# What check_scenario reads (int_lifecycle_thresholds_resolved is a parent of customer_segments).
ORACLE_MARTS = ["customer_segments", "lifecycle_thresholds", "customer_cohorts", "new_customer_repeat_shares",
                "orders_rejected", "orders_accounting"]
ACTION_COLUMNS = {"action_phase": "phase", "action_goal": "goal", "action_description": "action",
                  "action_channel": "channel", "action_trigger": "trigger"}


def _action_paths() -> dict[str, dict]:
    with (PROJECT_DIR / "seeds" / "segment_action_paths.csv").open(newline="") as f:
        return {r["segment"]: r for r in csv.DictReader(f)}


ACTION_PATHS = _action_paths()


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    work = tmp_path_factory.mktemp("oracle")
    # Four threads: on generated inputs larger than a unit test's, DuckDB's work in one node overlaps the
    # next node's compilation (one thread took this file from 226 to 342 s in a full run).
    h = DbtHarness(work, base_vars={"orders_path": str(work / "orders.csv"), "customers_path": None, **GUARD_OFF},
                   threads=4)
    h.seed()
    return h


def run_scenario(h: DbtHarness, sc: Scenario):
    orders_file = h.work_dir / "orders.csv"
    write_csv(orders_file, ORDER_COLUMNS,
              [[getattr(r, c) for c in ORDER_COLUMNS] for r in sc.rows])
    dbt_vars = dict(sc.vars, orders_path=str(orders_file), customers_path=None)
    if sc.customers_file is not None:
        customers_file = h.work_dir / "customers.csv"
        write_csv(customers_file, ["customer_id"], [[c] for c in sc.customers_file])
        dbt_vars["customers_path"] = str(customers_file)
    # Every scenario is a new input in the same database, built as a scheduler would:
    # no --full-refresh, so a model that kept state from the previous scenario would fail.
    # Only the marts the oracle reads and their parents, with their data tests: the history,
    # the back-test and the exports (half the nodes) have tests of their own.
    return h.build(dbt_vars, select=[f"+{mart}" for mart in ORACLE_MARTS])


def check_scenario(h: DbtHarness, sc: Scenario) -> None:
    started = time.perf_counter()
    result = run_scenario(h, sc)
    RUN_STATS["oracle: scenarios built"] += 1
    RUN_STATS["oracle: source rows"] += len(sc.rows)
    context = f"\n{sc.describe()}\ndbt said:\n{result.messages[-3000:]}"

    if not sc.rows:
        assert not result.success, "an orders file with a header and no rows must stop the build" + context
        assert "has no rows" in result.messages, context
        RUN_STATS["oracle: expected stops (no rows)"] += 1
        return

    expected = compute(sc.rows, sc.settings, known_customers=sc.customers_file, today=TODAY)
    compare_accounting(h, expected, context)

    if expected.as_of_date is None:
        assert not result.success, "no valid order and no as_of_date: the build must stop" + context
        assert "assert_as_of_date_resolved" in result.messages, context
        RUN_STATS["oracle: expected stops (no as-of date)"] += 1
        return

    th = {name: t.value for name, t in expected.thresholds.items()}
    consistent = all(th["lost_days"] > th[n] for n in ("new_customer_days", "inactive_days_regular",
                                                        "inactive_days_loyal"))
    if not consistent:
        # Only reachable with a fixed lost_days and a learned threshold above it: the data test stops it.
        assert not result.success, "auto thresholds crossing a fixed lost_days must stop the build" + context
        assert "assert_thresholds_are_consistent" in result.messages, context
        _, rows = h.query("select loyal_min_orders, new_customer_days, inactive_days_regular, "
                          "inactive_days_loyal, lost_days from int_lifecycle_thresholds_resolved")
        assert rows == [tuple(th[n] for n in ("loyal_min_orders", "new_customer_days", "inactive_days_regular",
                                               "inactive_days_loyal", "lost_days"))], context
        RUN_STATS["oracle: expected stops (thresholds cross lost_days)"] += 1
        return

    assert result.success, "the build failed" + context
    compare_thresholds(h, sc.settings, expected, context)
    compare_customers(h, expected, context)
    compare_returns(h, sc, expected, context)
    compare_cohorts(h, sc, expected, context)
    RUN_STATS["oracle: scenarios compared"] += 1
    RUN_STATS["oracle: customers compared"] += len(expected.customers)
    RUN_STATS["oracle: seconds"] += time.perf_counter() - started


def compare_accounting(h: DbtHarness, expected, context: str) -> None:
    want = accounting(expected)
    got = {(r["row_status"], r["rejection_reason"]): (r["source_rows"], r["amount"])
           for r in h.table("orders_accounting")}
    # Which line of an order is "kept" and which "merged" is an implementation choice;
    # the counts of each and the amount of both together are not.
    for table in (want, got):
        kept, merged = table.pop(("kept", None), (0, Decimal(0))), table.pop(("merged", None), (0, Decimal(0)))
        table[("kept+merged", None)] = (kept[0] + merged[0], kept[1] + merged[1])
        table[("kept", None)] = (kept[0], None)
    assert got == want, f"orders_accounting differs:\n got  {sorted(got.items(), key=str)}\n want " \
                        f"{sorted(want.items(), key=str)}{context}"
    want_rejected = Counter(
        (c.rejection_reason, c.source.order_id, c.source.customer_id, c.source.order_date, c.source.amount,
         c.source.status, c.source.margin, c.source.line_id)
        for c in expected.rows if c.row_status == "rejected")
    got_rejected = Counter(tuple(r.values()) for r in h.table(
        "select rejection_reason, source_order_id, source_customer_id, source_order_date, source_amount, "
        "source_status, source_margin, source_line_id from orders_rejected"))
    assert got_rejected == want_rejected, f"orders_rejected differs:\n got  {got_rejected}\n want " \
                                          f"{want_rejected}{context}"


# customer_segments columns outside the README sections the oracle implements: the customer's
# segment in the configurable RFM scheme (docs/segment_schemes.md, tested by its own suite).
CUSTOMER_COLUMNS_NOT_IN_THE_ORACLE = {"rfm_segment"}
# lifecycle_thresholds rows whose rule the README does not spell out, so the oracle has no opinion:
# the knee of the repeat-purchase curve is a diagnostic beside new_customer_days (docs/bi_recipe.md).
NOT_IN_THE_ORACLE = {"repeat_curve_knee_days"}


def compare_thresholds(h: DbtHarness, s: Settings, expected, context: str) -> None:
    want = threshold_table(s, expected)
    got = {r["threshold_name"]: (r["threshold_value"], r["set_by"], r["sample_size"], r["configured_value"])
           for r in h.table("lifecycle_thresholds")}
    assert set(got) - set(want) <= NOT_IN_THE_ORACLE, \
        f"lifecycle_thresholds has rows the oracle does not know: {sorted(set(got) - set(want))}{context}"
    got = {name: row for name, row in got.items() if name in want}
    assert got == want, f"lifecycle_thresholds differs:\n got  {got}\n want {want}{context}"
    dates = {r["as_of_date"] for r in h.table("lifecycle_thresholds")}
    assert dates == {expected.as_of_date}, context


def compare_customers(h: DbtHarness, expected, context: str) -> None:
    got = {r["customer_id"]: r for r in h.table("customer_segments")}
    assert sorted(got) == sorted(expected.customers), \
        f"customers differ: only in dbt {sorted(set(got) - set(expected.customers))}, only in oracle " \
        f"{sorted(set(expected.customers) - set(got))}{context}"
    columns = set(next(iter(got.values()), {})) if got else set()
    uncovered = columns - set(CUSTOMER_COLUMNS) - set(ACTION_COLUMNS) - set(RETURN_COLUMNS)
    assert uncovered <= CUSTOMER_COLUMNS_NOT_IN_THE_ORACLE, \
        f"customer_segments has columns the oracle does not check: {sorted(uncovered)}{context}"
    problems = []
    for customer_id, want in sorted(expected.customers.items()):
        row = got[customer_id]
        for column in CUSTOMER_COLUMNS:
            if row[column] != getattr(want, column):
                problems.append(f"{customer_id}.{column}: dbt {row[column]!r}, oracle {getattr(want, column)!r}")
        action = ACTION_PATHS[want.lifecycle_segment]
        for column, seed_column in ACTION_COLUMNS.items():
            if row[column] != action[seed_column]:
                problems.append(f"{customer_id}.{column}: dbt {row[column]!r}, seed {action[seed_column]!r}")
    assert not problems, "customer_segments differs from the oracle:\n" + "\n".join(problems[:40]) + context


def compare_returns(h: DbtHarness, sc: Scenario, expected, context: str) -> None:
    """The return columns of customer_segments against the return oracle (docs/return_probability.md)."""
    want, undecidable = returns(expected, horizon=sc.vars.get("return_horizon_days", 90),
                                max_orders=sc.vars.get("return_curve_max_orders", 5),
                                prior_orders=sc.vars.get("order_value_prior_orders", 3),
                                rhythm_prior=Fraction(str(sc.vars.get("order_rhythm_prior_orders", "0.5"))),
                                rhythm_min_customers=sc.vars.get("order_rhythm_min_customers", 30))
    got = {r["customer_id"]: r for r in h.table(
        "select customer_id, " + ", ".join(RETURN_COLUMNS) + " from customer_segments")}
    problems = [f"{customer_id}.{column}: dbt {got[customer_id][column]!r}, oracle {value!r}"
                for customer_id, row in sorted(want.items()) if customer_id not in undecidable
                for column, value in row.items() if got[customer_id][column] != value]
    assert not problems, "customer_segments' return columns differ from the oracle:\n" + "\n".join(
        problems[:40]) + context
    RUN_STATS["oracle: return predictions compared"] += len(want) - len(undecidable)
    RUN_STATS["oracle: return predictions on a rounding tie (not compared)"] += len(undecidable)


def compare_cohorts(h: DbtHarness, sc: Scenario, expected, context: str) -> None:
    """customer_cohorts and new_customer_repeat_shares, every row and column, against the cohort oracle."""
    want_cells, want_shares = cohorts(expected, sc.vars.get("cohort_grain", "month"))
    got_cells = {(r.pop("cohort_start_date"), r.pop("period_number")): r for r in h.table("customer_cohorts")}
    got_shares = {(r.pop("cohort_start_date"), r.pop("is_overall")): r for r in h.table("new_customer_repeat_shares")}
    for name, got, want in (("customer_cohorts", got_cells, want_cells),
                            ("new_customer_repeat_shares", got_shares, want_shares)):
        assert sorted(got, key=str) == sorted(want, key=str), \
            f"{name}: rows differ: only in dbt {sorted(set(got) - set(want), key=str)[:10]}, only in oracle " \
            f"{sorted(set(want) - set(got), key=str)[:10]}{context}"
        problems = [f"{key}.{column}: dbt {got[key][column]!r}, oracle {value!r}"
                    for key, row in sorted(want.items(), key=str) for column, value in row.items()
                    if got[key][column] != value]
        # No customer acquired (every order cancelled, refunded or rejected): no rows, and no columns to compare.
        if want:
            assert set(next(iter(got.values()))) == set(next(iter(want.values()))), f"{name}: columns differ{context}"
        assert not problems, f"{name} differs from the oracle:\n" + "\n".join(problems[:40]) + context
    RUN_STATS["oracle: cohort cells compared"] += len(want_cells)


def _scenario(settings: Settings, rows: list[SourceRow], customers=None, **extra_vars) -> Scenario:
    dbt_vars = {name: getattr(settings, name) for name in (
        "lookback_days", "score_buckets", "loyal_min_orders", "new_customer_days", "inactive_days_regular",
        "inactive_days_loyal", "lost_days", "inactivity_mode", "cycle_multiplier", "cycle_min_days")}
    dbt_vars.update(max_order_date=MAX_ORDER_DATE.isoformat(),
                    as_of_date=settings.as_of_date.isoformat() if settings.as_of_date else None, **extra_vars)
    return Scenario(settings, dbt_vars, rows, customers)


BASE = Settings(max_order_date=MAX_ORDER_DATE, as_of_date=dt.date(2024, 6, 30))
EMPTY = _scenario(BASE, [])
ONE_CUSTOMER = _scenario(BASE, [SourceRow("O1", "C1", "2024-04-01", "10.00")])
NOTHING_VALID = _scenario(BASE.with_(as_of_date=None), [SourceRow("X1", "C1", "not a date", "1.00"),
                                                       SourceRow("R1", "C1", "2024-01-01", "-5.00")],
                          customers=["C1", "P1"])
# New customer exactly on new_customer_days and one day past; the diagonal in tier mode.
THRESHOLD_DAYS = _scenario(
    BASE.with_(inactivity_mode="tier"),
    [SourceRow("O1", "C1", "2024-04-01", "10.00"),                     # 90 days: still new
     SourceRow("O2", "C2", "2024-03-31", "10.00"),                     # 91 days: one_time
     *[SourceRow(f"L{i}", "C3", f"2024-0{i}-02", "5.00") for i in range(1, 6)],  # loyal, 119 days: inactive
     *[SourceRow(f"M{i}", "C4", f"2024-0{i}-02", "5.00") for i in range(1, 3)],  # regular, 150 days: regular
     SourceRow("R1", "C5", "2024-06-01", "-20.00")],                   # refund only: lost
)

# Cohort edges, weekly cohorts and an as-of date mid-week and mid-month: C1's first order is cancelled (status),
# so it is acquired with its second; C2's first order is refunded in full (a refund record in January, before its
# first order: period 0 of its cohort); C3 is a cohort of one with a refund-only week; C4 orders twice on one day.
COHORT_EDGES = _scenario(
    BASE.with_(as_of_date=dt.date(2024, 6, 12), new_customer_days=30, lost_days=365),
    [SourceRow("O1", "C1", "2024-01-10", "10.00", status="cancelled"),
     SourceRow("O2", "C1", "2024-02-05", "20.00"),
     SourceRow("O3", "C2", "2024-01-15", "30.00", line_id="1"),
     SourceRow("O3", "C2", "2024-01-20", "-30.00", line_id="2"),
     SourceRow("O4", "C2", "2024-02-06", "15.00"),
     SourceRow("O5", "C3", "2024-04-30", "12.00"),
     SourceRow("R5", "C3", "2024-05-10", "-5.00"),
     SourceRow("O6", "C3", "2024-06-11", "8.00"),
     SourceRow("O7", "C4", "2024-02-07", "9.00"),
     SourceRow("O8", "C4", "2024-02-07", "4.00")],
    cohort_grain="week",
)
COHORT_EDGES_MONTHS = _scenario(COHORT_EDGES.settings, COHORT_EDGES.rows, cohort_grain="month")

# An auto new_customer_days learned (183 days) above a fixed lost_days of 100: the data test stops the build.
THRESHOLDS_CROSS = _scenario(
    BASE.with_(new_customer_days="auto", lost_days=100, inactive_days_regular=40, inactive_days_loyal=20),
    [SourceRow("O1", "C1", "2023-12-01", "10.00"), SourceRow("O2", "C1", "2024-06-01", "10.00")],
)

# Return probability edges (docs/return_probability.md): a horizon longer than the history (no return has a
# whole horizon observed), two orders on one day (a gap of 0 days), an order on the as-of date, groups up to
# 2+, no shrinking; a prospect. And a shop where nobody ever ordered twice: every probability is 0.
RETURN_EDGES = _scenario(
    BASE,
    [SourceRow("O1", "C1", "2024-01-01", "10.00"),
     SourceRow("O2", "C1", "2024-01-01", "5.00"),
     SourceRow("O3", "C1", "2024-03-01", "20.00"),
     SourceRow("O4", "C2", "2024-06-30", "100.00"),
     SourceRow("O5", "C3", "2023-12-15", "7.00"),
     SourceRow("O6", "C3", "2024-02-01", "7.00"),
     SourceRow("O7", "C4", "2024-05-01", "50.00")],
    customers=["C1", "P1"],
    return_horizon_days=400, return_curve_max_orders=2, order_value_prior_orders=0,
    order_rhythm_prior_orders="0.25", order_rhythm_min_customers=1,
)
# The counts behind the expected orders: a 10-day horizon, so some returns have a whole horizon observed and
# some are cut by the as-of date; a return with a second order on its day and one more within its horizon.
# C6, one order a day ago, meets the first gaps of C1, C2 and C3 (3 returns, 5 orders in their horizons).
RETURN_COUNTS = _scenario(
    BASE,
    [SourceRow("O1", "C1", "2024-06-01", "10.00"),
     SourceRow("O2", "C1", "2024-06-04", "10.00"),
     SourceRow("O3", "C1", "2024-06-04", "10.00"),
     SourceRow("O4", "C1", "2024-06-08", "10.00"),
     SourceRow("O5", "C1", "2024-06-25", "10.00"),
     SourceRow("O6", "C2", "2024-05-20", "20.00"),
     SourceRow("O7", "C2", "2024-05-26", "20.00"),
     SourceRow("O8", "C2", "2024-06-02", "20.00"),
     SourceRow("O9", "C2", "2024-06-28", "20.00"),
     SourceRow("O10", "C3", "2024-06-10", "30.00"),
     SourceRow("O11", "C3", "2024-06-15", "30.00"),
     SourceRow("O12", "C4", "2024-06-20", "40.00"),
     SourceRow("O13", "C5", "2024-05-01", "50.00"),
     SourceRow("O14", "C5", "2024-05-25", "50.00"),
     SourceRow("O15", "C6", "2024-06-29", "60.00")],
    return_horizon_days=10, return_curve_max_orders=2, order_rhythm_prior_orders=1, order_rhythm_min_customers=2,
)
# The learned diagonal (inactivity_mode probability, a 10-day horizon, groups 1, 2 and 3+, below 0.5): group 2
# only has gaps that returned (5 and 8 days, nobody has exactly two orders), so its curve ends before its
# probability drops below 0.5 and it falls back to lost_days; groups 1 and 3+ cross. One-order customers on
# both sides of group 1's crossing, and one on the as-of date.
PROBABILITY_EDGES = _scenario(
    BASE.with_(inactivity_mode="probability", inactive_below_return_probability="0.5", return_horizon_days=10,
               return_curve_max_orders=3),
    [SourceRow("O1", "C1", "2024-06-01", "10.00"),
     SourceRow("O2", "C1", "2024-06-06", "10.00"),
     SourceRow("O3", "C1", "2024-06-14", "10.00"),
     SourceRow("O4", "C2", "2024-05-01", "20.00"),
     SourceRow("O5", "C2", "2024-05-11", "20.00"),
     SourceRow("O6", "C2", "2024-05-16", "20.00"),
     SourceRow("O7", "C2", "2024-06-25", "20.00"),
     SourceRow("O8", "C3", "2024-06-25", "30.00"),
     SourceRow("O9", "C4", "2024-04-01", "40.00"),
     SourceRow("O10", "C5", "2024-06-30", "50.00"),
     SourceRow("O11", "C6", "2024-06-20", "60.00")],
    inactive_below_return_probability="0.5", return_horizon_days=10, return_curve_max_orders=3,
)
NO_REPEATS = _scenario(BASE, [SourceRow("O1", "C1", "2024-01-10", "10.00"),
                              SourceRow("O2", "C2", "2024-05-01", "30.00"),
                              SourceRow("O3", "C3", "2024-06-30", "20.00")])

# amount_grain order (Shopify's Total on the first line item, a line export's total on every line): blank and
# repeated totals, a cancelled and a refunded order whose other lines take the status, two totals, two margins,
# no total at all, and two statuses that leave a blank one blank.
ORDER_GRAIN = _scenario(
    BASE.with_(amount_grain="order", monetary_measure="margin"),
    [SourceRow("S1", "C1", "2024-03-01", "53.91", "paid", "20.00", "1"),
     SourceRow("S1", "C1", "2024-03-01", None, None, None, "2"),
     SourceRow("S1", "C1", "2024-03-01", None, None, None, "3"),
     SourceRow("W1", "C1", "2024-05-01", "80.00", "completed", "30.00", "1"),
     SourceRow("W1", "C1", "2024-05-01", "80.00", "completed", "30.00", "2"),
     SourceRow("W1", "C1", "2024-05-01", "80.00", "completed", "30.00", "2"),
     SourceRow("V1", "C2", "2024-04-01", "20.00", "cancelled"),
     SourceRow("V1", "C2", "2024-04-01", None, None, None, "2"),
     SourceRow("R1", "C2", "2024-06-01", "30.00", "Refunded", "10.00"),
     SourceRow("R1", "C2", "2024-06-01", None, None, None, "2"),
     SourceRow("K1", "C3", "2024-06-10", "10.00", None, None, "1"),
     SourceRow("K1", "C3", "2024-06-10", "12.00", None, None, "2"),
     SourceRow("N1", "C3", "2024-06-11", None, "paid"),
     SourceRow("N1", "C3", "2024-06-11", None, None, None, "2"),
     SourceRow("P1", "C4", "2024-06-20", "15.00", "paid", "5.00", "1"),
     SourceRow("P1", "C4", "2024-06-20", None, "shipped", None, "2"),
     SourceRow("P1", "C4", "2024-06-20", None, None, None, "3"),
     SourceRow("G1", "C4", "2024-06-25", "9.00", None, "3.00", "1"),
     SourceRow("G1", "C4", "2024-06-25", "9.00", None, "4.00", "2"),
     SourceRow("O9", "C5", "2024-06-30", "40.00", None, "12.00")],
    amount_grain="order", monetary_measure="margin",
)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(scenario=scenarios())
@example(scenario=EMPTY)
@example(scenario=ONE_CUSTOMER)
@example(scenario=NOTHING_VALID)
@example(scenario=THRESHOLD_DAYS)
@example(scenario=THRESHOLDS_CROSS)
@example(scenario=COHORT_EDGES)
@example(scenario=COHORT_EDGES_MONTHS)
@example(scenario=RETURN_EDGES)
@example(scenario=RETURN_COUNTS)
@example(scenario=NO_REPEATS)
@example(scenario=PROBABILITY_EDGES)
@example(scenario=ORDER_GRAIN)
def test_dbt_matches_oracle(harness, scenario):
    check_scenario(harness, scenario)
