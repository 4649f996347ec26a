"""Will they come back? The return columns of customer_segments, computed the obvious way.

Written from docs/return_probability.md ("The math"), not from the SQL: every
order up to the as-of date starts a gap in the group of the customer's order
count at that order (capped at return_curve_max_orders); it returns on the
day of the next order or is censored on the as-of date. The Kaplan-Meier
survival is an exact product of fractions here (the SQL sums logarithms),
rounded half up to millionths; everything after that follows the docs on the
rounded survival. A survival exactly halfway between two millionths may round
either way in SQL, so a customer whose numbers read such a value is reported
as undecidable instead of compared.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .rfm_oracle import OracleResult

COLUMNS = ("return_curve_group", "return_probability", "expected_orders_in_horizon", "shrunk_order_value",
           "expected_revenue_in_horizon", "expected_next_order_date")


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


def returns(result: OracleResult, horizon: int = 90, max_orders: int = 5,
            prior_orders: int = 3) -> tuple[dict[str, dict], set[str]]:
    """Per customer the return columns, and the customers whose values sit on a rounding tie."""
    group_curves = curves(result, horizon, max_orders)
    buyers = [c for c in result.customers.values() if c.lifetime_orders > 0]
    orders = sum(c.lifetime_orders for c in buyers)
    # The shop mean is the exact fraction, never rounded on its own (DECISIONLOG 0.4.0: one rounding).
    shop_mean = Fraction(sum(c.lifetime_revenue for c in buyers)) / orders if orders else Fraction(0)
    out, undecidable = {}, set()
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
    return out, undecidable
