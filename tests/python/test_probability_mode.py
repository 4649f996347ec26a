"""The learned diagonal (inactivity_mode: probability) on the demo, read back from return_curves.

The demo is built once with `inactivity_mode: probability` (`dbt build`: every model,
unit test and data test must pass). Each learned threshold in lifecycle_thresholds is
then recomputed here from return_curves (the first day the group's return probability
is below the var, minus one; lost_days when there is none), and the segments,
inactivity thresholds and next transition dates of customer_segments and the history
are checked against those days (docs/return_probability.md, "The diagonal, learned").
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from project_support import DEMO_ORDERS, query, run_dbt

BELOW = Decimal("0.25")  # dbt_project.yml's inactive_below_return_probability
MAX_ORDERS = 5  # return_curve_max_orders
ACTIVE = ("new", "regular", "loyal")


@pytest.fixture(scope="module")
def probability_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert DEMO_ORDERS.exists(), "run `make demo` first (make test does)"
    database = tmp_path_factory.mktemp("probability") / "probability.duckdb"
    run_dbt(["build"], database, {"inactivity_mode": "probability"})
    return database


def first_crossings(database: Path) -> dict[int, tuple[int | None, int]]:
    """Per group: the first day below the var (None if none) and the day the curve starts at."""
    curves: dict[int, list[tuple[int, Decimal | None]]] = {}
    for group, day, probability in query(
            database, "select order_count_group, days_since_last_order, return_probability from return_curves"):
        curves.setdefault(group, []).append((day, probability))
    crossings = {}
    for group in range(1, MAX_ORDERS + 1):
        days = sorted(curves.get(group, []))
        crossings[group] = next((day for day, probability in days
                                 if probability is not None and probability < BELOW), None)
    return crossings


def learned_days(database: Path) -> dict[int, int]:
    """The thresholds in force, from lifecycle_thresholds (learned_days_orders_<label>)."""
    rows = query(database, "select threshold_name, threshold_value, set_by from lifecycle_thresholds "
                           "where threshold_name like 'learned_days_orders_%'")
    assert {row[2] for row in rows} <= {"probability", "probability_fallback"}
    return {int(name.removeprefix("learned_days_orders_").rstrip("+")): int(value) for name, value, _ in rows}


def test_thresholds_are_the_first_crossing_read_from_return_curves(probability_database: Path) -> None:
    (lost_days,) = query(probability_database, "select lost_days from int_lifecycle_thresholds_resolved")[0]
    crossings = first_crossings(probability_database)
    thresholds = learned_days(probability_database)
    assert sorted(thresholds) == list(range(1, MAX_ORDERS + 1))
    assert any(day is not None for day in crossings.values()), "the demo's curves drop below the var"
    for group, day in crossings.items():
        want = lost_days if day is None else max(day - 1, 1)
        assert thresholds[group] == want, (group, day, thresholds[group])
    # The rule names the return_curves row it came from.
    descriptions = dict(query(probability_database, "select threshold_name, rule_description from lifecycle_thresholds"))
    for group, day in crossings.items():
        label = f"{group}+" if group == MAX_ORDERS else str(group)
        if day is not None:
            assert f"order_count_group {group}, days_since_last_order {day})" in \
                descriptions[f"learned_days_orders_{label}"]


def test_segments_turn_on_the_crossing_day(probability_database: Path) -> None:
    """Active customers sit before their group's crossing day, so their probability is at least the var;
    one-order customers past it are one-time, repeat customers inactive (until lost)."""
    (lost_days,) = query(probability_database, "select lost_days from int_lifecycle_thresholds_resolved")[0]
    thresholds = learned_days(probability_database)
    customers = query(probability_database, """
        select customer_id, lifetime_orders, recency_days, lifecycle_segment, inactivity_threshold_days,
               return_probability, frequency
        from customer_segments
        where lifetime_orders > 0""")
    seen = set()
    for customer_id, orders, recency, segment, threshold, probability, frequency in customers:
        group = min(orders, MAX_ORDERS)
        days = thresholds[group]
        assert threshold == (days if orders >= 2 else None), customer_id
        if frequency == 0 or recency > lost_days:
            assert segment == "lost", customer_id
            continue
        want = ("new" if recency <= days else "one_time") if orders == 1 else (
            "inactive" if recency > days else segment)
        assert segment == want, (customer_id, segment, want)
        if segment in ACTIVE and days > 1:
            assert probability >= BELOW, (customer_id, recency, probability)
        seen.add(segment)
    assert {"new", "one_time", "inactive"} <= seen


def test_next_transition_comes_the_day_after_the_learned_threshold(probability_database: Path) -> None:
    (lost_days, lookback) = query(probability_database,
                                  "select lost_days, lookback_days from int_lifecycle_thresholds_resolved")[0]
    thresholds = learned_days(probability_database)
    rows = query(probability_database, """
        select customer_id, lifetime_orders, last_order_date, lifecycle_segment, next_segment_if_no_order,
               next_transition_date
        from customer_segments
        where lifecycle_segment in ('new', 'regular', 'loyal')""")
    assert rows
    for customer_id, orders, last_order, segment, next_segment, next_date in rows:
        days = thresholds[min(orders, MAX_ORDERS)]
        if days < min(lost_days, lookback):
            assert next_date == last_order + dt.timedelta(days=days + 1), customer_id
            assert next_segment == ("one_time" if orders == 1 else "inactive"), customer_id
        else:
            assert next_segment == "lost", customer_id


def test_history_uses_the_learned_thresholds_at_every_period_end(probability_database: Path) -> None:
    """segment_history applies the run's learned days with the order count the customer had then."""
    thresholds = learned_days(probability_database)
    (lost_days,) = query(probability_database, "select lost_days from int_lifecycle_thresholds_resolved")[0]
    rows = query(probability_database, """
        select lifetime_orders, recency_days, lifecycle_segment
        from segment_history
        where lifetime_orders > 0 and frequency > 0 and recency_days <= %d""" % lost_days)
    assert rows
    for orders, recency, segment in rows:
        days = thresholds[min(orders, MAX_ORDERS)]
        if orders == 1:
            assert segment == ("new" if recency <= days else "one_time")
        else:
            assert (segment == "inactive") == (recency > days)
    fingerprint = query(probability_database, "select max(settings_fingerprint) from segment_history")[0][0]
    assert "inactivity_mode=probability" in fingerprint and f"inactive_below_return_probability={BELOW}" in fingerprint
