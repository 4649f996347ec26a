"""Will they come back? The return columns of customer_segments, computed the obvious way.

Written from docs/return_probability.md ("The math"), not from the SQL: every
order up to the as-of date starts a gap in the group of the customer's order
count at that order (capped at return_curve_max_orders); it returns on the
day of the next order or is censored on the as-of date. The Kaplan-Meier
survival is an exact product of fractions here (the SQL sums logarithms),
rounded half up to millionths; everything after that follows the docs on the
rounded survival. A survival exactly halfway between two millionths may round
either way in SQL, so a customer whose numbers read such a value is reported
as undecidable instead of compared (with the whole group once the rhythm
factor mixes the group's expected orders).

The rhythm ("Expected orders" in the docs): per order-count group, x repeat
orders and T days since the first order per customer, X and D their sums;
the rhythm (x + k) / (T + k D / X) rounded half up to 9 decimals; the factor
the rounded rhythm times the sum of the curve's expected orders over the sum
of expected orders times rounded rhythm, over the group's customers with a
rhythm, half up to 6 decimals; 1 without a rhythm (group 1, a group with
fewer than the minimum customers, no days to measure).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .rfm_oracle import OracleResult

COLUMNS = ("return_curve_group", "return_probability", "expected_orders_in_horizon", "order_rhythm",
           "order_rhythm_factor", "shrunk_order_value", "expected_revenue_in_horizon", "expected_next_order_date")


@dataclass
class Curve:
    survival: list[int]  # whole millionths, day 0 to reach + horizon
    ties: list[bool]  # the exact survival lay halfway between two millionths
    mean_orders_per_return: list[Decimal]  # per day t, the orders a return within t + 1 .. t + h brings
    reach: int = 0  # the longest gap, returned or still open
    gaps: int = 0  # the gaps the curve rests on (at risk on day 0)


def _half_up(value: Fraction, places: int) -> Decimal:
    """A non-negative fraction rounded half up to `places` decimals."""
    scaled = value * 10 ** places
    whole = (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)
    return Decimal(whole).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def _money(value: Fraction) -> Decimal:
    """Rounded half away from zero to cents."""
    sign = -1 if value < 0 else 1
    return sign * _half_up(abs(value), 2)


def curves(result: OracleResult, horizon: int, max_orders: int) -> dict[int, Curve]:
    as_of = result.as_of_date
    returned: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    censored: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    # Per group and day t, changes of: returns observed in t + 1 .. t + h and their orders in those days.
    window_changes: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for customer in result.customers.values():
        dates = customer.order_dates
        if not dates:
            continue
        for k in range(1, len(dates)):  # the gap after order k ends with order k + 1 (dates[k])
            group = min(k, max_orders)
            returned[group][(dates[k] - dates[k - 1]).days] += 1
            gap = (dates[k] - dates[k - 1]).days
            if gap == 0:
                continue  # a gap that returned on day 0 is never seen away without having returned
            # A customer t days into this gap has had no order through day t (t < gap); the return falls in
            # t + 1 .. t + h from t = gap - h on; the whole horizon is observed while t + h <= the as-of day.
            last_t = min(gap - 1, (as_of - dates[k - 1]).days - horizon)
            last_day = dates[k] + dt.timedelta(days=horizon - 1)
            for j in range(k, len(dates)):
                if dates[j] > last_day:
                    break
                lag = (dates[j] - dates[k - 1]).days
                first_t = max(lag - horizon, 0)
                if first_t <= last_t:
                    window_changes[group][first_t][1] += 1
                    window_changes[group][last_t + 1][1] -= 1
                    if j == k:
                        window_changes[group][first_t][0] += 1
                        window_changes[group][last_t + 1][0] -= 1
        censored[min(len(dates), max_orders)][(as_of - dates[-1]).days] += 1

    out = {}
    for group in set(returned) | set(censored):
        reach = max([*returned[group], *censored[group]])
        at_risk = sum(returned[group].values()) + sum(censored[group].values())
        exact = Fraction(1)
        survival, ties = [], []
        for day in range(reach + horizon + 1):
            if at_risk > 0:
                exact *= Fraction(at_risk - returned[group][day], at_risk)
            at_risk -= returned[group][day] + censored[group][day]
            # The SQL's survival is exact to about 1e-10 of itself: closer than 1e-6 of a millionth to a
            # half may round either way there.
            scaled = exact * 1_000_000
            ties.append(abs(scaled - (scaled.numerator // scaled.denominator) - Fraction(1, 2)) < Fraction(1, 10**6))
            survival.append(int(_half_up(exact, 6) * 1_000_000))
        means, observed, orders = [], 0, 0
        for day in range(reach + horizon + 1):
            observed += window_changes[group][day][0]
            orders += window_changes[group][day][1]
            means.append(_half_up(Fraction(orders, observed), 6) if observed else Decimal("1.000000"))
        gaps = sum(returned[group].values()) + sum(censored[group].values())
        out[group] = Curve(survival, ties, means, reach, gaps)
    return out


def probability_on(curve: Curve, day: int, horizon: int) -> Decimal | None:
    """1 - S(day + h) / S(day) on the rounded survival, half up to 6 decimals; None once the curve has
    ended (S = 0) or past its reach (no day a horizon later)."""
    if day + horizon >= len(curve.survival) or not curve.survival[day]:
        return None
    now, later = curve.survival[day], curve.survival[day + horizon]
    return _half_up(Fraction(now - later, now), 6)


def rhythms(result: OracleResult, curve_expected: dict[str, Decimal | None], max_orders: int,
            rhythm_prior: Fraction, min_customers: int) -> dict[str, tuple[Decimal | None, Decimal]]:
    """Per buyer (order_rhythm, order_rhythm_factor), from their curve's expected orders."""
    members: dict[int, list] = defaultdict(list)
    for customer_id, customer in result.customers.items():
        if customer.lifetime_orders > 0:
            members[min(customer.lifetime_orders, max_orders)].append((customer_id, customer))
    out = {}
    for group, customers in members.items():
        repeat_total = sum(c.lifetime_orders - 1 for _, c in customers)
        days_total = sum((result.as_of_date - c.order_dates[0]).days for _, c in customers)
        rhythm = {}
        for customer_id, c in customers:
            repeat, days = c.lifetime_orders - 1, (result.as_of_date - c.order_dates[0]).days
            pseudo_days = rhythm_prior * days_total / repeat_total if repeat_total else None
            usable = len(customers) >= min_customers and repeat_total > 0 and days + pseudo_days > 0
            rhythm[customer_id] = _half_up((repeat + rhythm_prior) / (days + pseudo_days), 9) if usable else None
        rated = [cid for cid, _ in customers if rhythm[cid] is not None and curve_expected[cid] is not None]
        plain = sum(Fraction(curve_expected[cid]) for cid in rated)
        weighted = sum(Fraction(curve_expected[cid]) * Fraction(rhythm[cid]) for cid in rated)
        for customer_id, _ in customers:
            factor = (_half_up(Fraction(rhythm[customer_id]) * plain / weighted, 6)
                      if rhythm[customer_id] is not None and weighted > 0 else Decimal("1.000000"))
            out[customer_id] = (rhythm[customer_id], factor)
    return out


def returns(result: OracleResult, horizon: int = 90, max_orders: int = 5, prior_orders: int = 3,
            rhythm_prior: Fraction = Fraction(1, 2), rhythm_min_customers: int = 30
            ) -> tuple[dict[str, dict], set[str]]:
    """Per customer the return columns, and the customers whose values sit on a rounding tie."""
    group_curves = curves(result, horizon, max_orders)
    buyers = [c for c in result.customers.values() if c.lifetime_orders > 0]
    orders = sum(c.lifetime_orders for c in buyers)
    # The shop mean is the exact fraction, never rounded on its own (DECISIONLOG 0.4.0: one rounding).
    shop_mean = Fraction(sum(c.lifetime_revenue for c in buyers)) / orders if orders else Fraction(0)
    out, undecidable, curve_expected = {}, set(), {}
    for customer_id, customer in result.customers.items():
        if customer.lifetime_orders == 0:
            out[customer_id] = dict.fromkeys(COLUMNS)
            continue
        group = min(customer.lifetime_orders, max_orders)
        curve = group_curves[group]
        day = customer.recency_days
        now, later = curve.survival[day], curve.survival[day + horizon]
        if any(curve.ties[day:]):
            undecidable.add(customer_id)
        probability = _half_up(Fraction(now - later, now), 6) if now else None
        expected = (_half_up(Fraction(probability) * Fraction(curve.mean_orders_per_return[day]), 6)
                    if probability is not None else None)
        shrunk = max(_money((Fraction(customer.lifetime_revenue) + prior_orders * shop_mean)
                            / (customer.lifetime_orders + prior_orders)), Decimal("0.00"))
        halving = next((later_day for later_day in range(day + 1, len(curve.survival))
                        if 2 * curve.survival[later_day] <= now), None) if now else None
        curve_expected[customer_id] = expected
        out[customer_id] = {
            "return_curve_group": group,
            "return_probability": probability,
            "expected_orders_in_horizon": expected,
            "shrunk_order_value": shrunk,
            "expected_revenue_in_horizon": (_half_up(Fraction(expected) * Fraction(shrunk), 2)
                                            if expected is not None else None),
            "expected_next_order_date": (result.as_of_date + dt.timedelta(days=halving - day)
                                         if halving is not None else None),
        }
    rhythm = rhythms(result, curve_expected, max_orders, rhythm_prior, rhythm_min_customers)
    tied_groups = {out[cid]["return_curve_group"] for cid in undecidable if rhythm[cid][0] is not None}
    for customer_id, (order_rhythm, factor) in rhythm.items():
        row = out[customer_id]
        if row["return_curve_group"] in tied_groups:
            undecidable.add(customer_id)
        expected = (_half_up(Fraction(row["expected_orders_in_horizon"]) * Fraction(factor), 6)
                    if row["expected_orders_in_horizon"] is not None else None)
        row.update(order_rhythm=order_rhythm, order_rhythm_factor=factor, expected_orders_in_horizon=expected,
                   expected_revenue_in_horizon=(_half_up(Fraction(expected) * Fraction(row["shrunk_order_value"]), 2)
                                                if expected is not None else None))
    return out, undecidable
