"""Will they come back? The demo build's return columns, traced back to return_curves (docs/return_probability.md).

Every customer with an order gets a probability from 0 to 1 (one-order customers
included), prospects get none, and each value is recomputed here from the
curve's rounded survival: 1 - S(d + h) / S(d), the expected orders, the first
day the survival halves, and the expected revenue from the shrunk order value.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

from project_support import query

HORIZON = 90  # dbt_project.yml's return_horizon_days
MAX_ORDERS = 5  # return_curve_max_orders


def half_up(value: Fraction, places: int) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def test_every_buyer_gets_a_probability_and_prospects_none(demo_database: Path) -> None:
    rows = query(demo_database, "select lifetime_orders, return_probability, expected_orders_in_horizon, "
                                "expected_revenue_in_horizon from customer_segments")
    buyers = [row for row in rows if row[0] > 0]
    one_order = [row for row in buyers if row[0] == 1]
    assert buyers and one_order and len(buyers) < len(rows), "the demo has buyers, one-order customers and prospects"
    assert all(row[1] is not None and Decimal(0) <= row[1] <= Decimal(1) for row in buyers)
    assert all(row[2] is not None and row[2] >= 0 and row[3] is not None and row[3] >= 0 for row in buyers)
    assert all(row[1:] == (None, None, None) for row in rows if row[0] == 0)
    # One-order customers get a real probability: not all the same and not all 1 (BG/NBD's flaw).
    assert len({row[1] for row in one_order}) > 10
    assert max(row[1] for row in one_order) < 1


def test_probabilities_recompute_from_return_curves(demo_database: Path) -> None:
    curve = {(group, day): (survival, mean) for group, day, survival, mean in query(
        demo_database, "select order_count_group, days_since_last_order, survival, mean_orders_per_return "
                       "from return_curves")}
    reach = dict(query(demo_database, "select order_count_group, max(days_since_last_order) from return_curves "
                                      "group by 1"))
    customers = query(demo_database, "select customer_id, lifetime_orders, recency_days, return_curve_group, "
                                     "return_probability, expected_orders_in_horizon, shrunk_order_value, "
                                     "expected_revenue_in_horizon, expected_next_order_date, as_of_date, "
                                     "order_rhythm_factor from customer_segments where lifetime_orders > 0")
    assert customers
    halved = 0
    for (customer_id, orders, days, group, probability, expected, shrunk, revenue, next_date, as_of,
         factor) in customers:
        assert group == min(orders, MAX_ORDERS), customer_id
        now, mean = curve[(group, days)]
        later, _ = curve[(group, days + HORIZON)]
        now_m, later_m = int(now * 1_000_000), int(later * 1_000_000)
        want = half_up(Fraction(now_m - later_m, now_m), 6)
        assert probability == want, (customer_id, probability, want)
        curve_expected = half_up(Fraction(want) * Fraction(mean), 6)
        assert expected == half_up(Fraction(curve_expected) * Fraction(factor), 6), customer_id
        assert revenue == half_up(Fraction(expected) * Fraction(shrunk), 2), customer_id
        halving = next((day for day in range(days + 1, reach[group] + 1)
                        if 2 * int(curve[(group, day)][0] * 1_000_000) <= now_m), None)
        assert next_date == (as_of + dt.timedelta(days=halving - days) if halving is not None else None), customer_id
        halved += halving is not None
    assert 0 < halved < len(customers), "some customers have an expected next order date, some have none"


def test_the_rhythm_moves_expected_orders_within_a_group_and_keeps_its_total(demo_database: Path) -> None:
    """One-order customers keep their curve's value; a repeat group's expected orders add up to its curve rows'
    (one rounding per customer), while its customers' factors spread with their rhythm."""
    rows = query(demo_database, "select s.return_curve_group, s.order_rhythm, s.order_rhythm_factor, "
                                "s.expected_orders_in_horizon, r.curve_expected_orders from customer_segments as s "
                                "inner join int_customers_order_rhythm as r on s.customer_id = r.customer_id")
    groups: dict[int, list] = {}
    for group, rhythm, factor, expected, curve_expected in rows:
        groups.setdefault(group, []).append((rhythm, factor, expected, curve_expected))
    assert all(rhythm is None and factor == 1 and expected == curve for rhythm, factor, expected, curve in groups[1])
    for group in range(2, MAX_ORDERS + 1):
        members = groups[group]
        assert all(rhythm is not None for rhythm, *_ in members), group
        assert abs(sum(e for _, _, e, _ in members) - sum(c for *_, c in members)) <= Decimal("0.000001") * len(
            members), group
        factors = sorted(factor for _, factor, *_ in members)
        assert factors[0] < Decimal("0.8") and factors[-1] > Decimal("1.2"), (group, factors[0], factors[-1])


def test_mean_orders_per_return_recomputes_from_its_counts(demo_database: Path) -> None:
    """Per group and day: the orders of the returns observed in the horizon over those returns (1 if none)."""
    rows = query(demo_database, "select returns_observed, orders_after_returns_observed, mean_orders_per_return "
                                "from return_curves")
    assert any(returns for returns, _, _ in rows)
    for returns, orders, mean in rows:
        assert orders >= returns >= 0
        assert mean == (half_up(Fraction(orders, returns), 6) if returns else Decimal(1)), (returns, orders, mean)


def test_the_diagonal_shows_in_the_curves(demo_database: Path) -> None:
    """The more orders, the faster the survival falls: after 30 days away, 5+ has fewer still away than 1."""
    survival = dict(query(demo_database, "select order_count_group, survival from return_curves "
                                         "where days_since_last_order = 30"))
    assert survival[MAX_ORDERS] < survival[1]
