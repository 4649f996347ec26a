"""Acquisition cohorts, computed the obvious way from the oracle's netted orders.

Written from docs/cohorts.md ("What a cohort is"), not from the SQL: every
customer with an order up to the as-of date belongs to the cohort_grain period
of their first order; the cohort is followed period by period up to the period
that holds the as-of date. Per cell: customers who ordered, orders, net revenue
of the orders and refunds dated in it (a record dated before the customer's
first order counts in period 0), the customers whose second order came by the
end of it, and the cumulative net revenue, also per acquired customer. The
repeat shares count second orders within new_customer_days (the last day
still counts) and ever; the overall row only counts cohorts whose last
customer has been observed for the whole window.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from .rfm_oracle import OracleResult

GRAINS = ("month", "week", "quarter")


def period_index(day: dt.date, grain: str) -> int:
    if grain == "month":
        return day.year * 12 + day.month - 1
    if grain == "quarter":
        return day.year * 4 + (day.month - 1) // 3
    return (day.toordinal() - 1) // 7  # weeks from Monday 0001-01-01


def period_start(index: int, grain: str) -> dt.date:
    if grain == "month":
        return dt.date(index // 12, index % 12 + 1, 1)
    if grain == "quarter":
        return dt.date(index // 4, (index % 4) * 3 + 1, 1)
    return dt.date.fromordinal(index * 7 + 1)


def _share(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _per_customer(amount: Decimal, customers: int) -> Decimal:
    value = (abs(amount) / Decimal(customers)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return -value if amount < 0 else value


def cohorts(result: OracleResult, grain: str) -> tuple[dict, dict]:
    """(customer_cohorts rows keyed by (cohort_start_date, period_number),
    new_customer_repeat_shares rows keyed by (cohort_start_date, is_overall))."""
    as_of = result.as_of_date
    # The new-customer window in force: in probability mode the learned days of one-order customers.
    window_threshold = result.learned[1] if result.learned else result.thresholds["new_customer_days"]
    window = window_threshold.value
    records = defaultdict(list)
    for record in result.netted:
        if record.order_date <= as_of:
            records[record.customer_id].append(record)
    members = defaultdict(list)  # cohort index -> [(first, second, first-day revenue, records)]
    for customer_id, recs in records.items():
        order_dates = sorted(r.order_date for r in recs if r.is_order)
        if not order_dates:
            continue  # refunds only: never acquired
        first = order_dates[0]
        second = order_dates[1] if len(order_dates) > 1 else None
        first_day = sum((r.net_amount for r in recs if r.order_date == first), Decimal("0.00"))
        members[period_index(first, grain)].append((first, second, first_day, recs))

    cells, shares = {}, {}
    closed = {"cohorts": 0, "customers": 0, "within": 0, "ever": 0, "closed_date": None}
    last_index = period_index(as_of, grain)
    for index, people in sorted(members.items()):
        start = period_start(index, grain)
        size = len(people)
        cumulative = Decimal("0.00")
        for k in range(last_index - index + 1):
            ordering, orders, revenue = set(), 0, Decimal("0.00")
            for number, (first, second, _, recs) in enumerate(people):
                for r in recs:
                    if max(0, period_index(r.order_date, grain) - index) == k:
                        revenue += r.net_amount
                        if r.is_order:
                            orders += 1
                            ordering.add(number)
            cumulative += revenue
            repeaters = sum(1 for p in people if p[1] is not None and period_index(p[1], grain) - index <= k)
            end = period_start(index + k + 1, grain) - dt.timedelta(days=1)
            cells[(start, k)] = {
                "cohort_grain": grain, "period_start_date": period_start(index + k, grain),
                "period_end_date": end, "is_complete": end <= as_of, "cohort_customers": size,
                "first_order_revenue": sum((p[2] for p in people), Decimal("0.00")),
                "ordering_customers": len(ordering), "ordering_share": _share(len(ordering), size),
                "orders": orders, "repeat_customers": repeaters, "repeat_share": _share(repeaters, size),
                "net_revenue": revenue, "cumulative_net_revenue": cumulative,
                "cumulative_net_revenue_per_customer": _per_customer(cumulative, size), "as_of_date": as_of,
            }
        within = sum(1 for first, second, _, _ in people if second is not None and (second - first).days <= window)
        ever = sum(1 for p in people if p[1] is not None)
        closed_date = period_start(index + 1, grain) - dt.timedelta(days=1) + dt.timedelta(days=window)
        is_closed = closed_date <= as_of
        shares[(start, False)] = {
            "cohorts": 1, "cohort_customers": size, "window_closed_date": closed_date,
            "is_window_closed": is_closed, "repeat_within_window_customers": within,
            "repeat_within_window_share": _share(within, size) if is_closed else None,
            "repeat_ever_customers": ever, "repeat_ever_share": _share(ever, size),
        }
        if is_closed:
            closed["cohorts"] += 1
            closed["customers"] += size
            closed["within"] += within
            closed["ever"] += ever
            closed["closed_date"] = max(closed["closed_date"] or closed_date, closed_date)
    shares[(None, True)] = {
        "cohorts": closed["cohorts"], "cohort_customers": closed["customers"],
        "window_closed_date": closed["closed_date"], "is_window_closed": True,
        "repeat_within_window_customers": closed["within"],
        "repeat_within_window_share": _share(closed["within"], closed["customers"]),
        "repeat_ever_customers": closed["ever"], "repeat_ever_share": _share(closed["ever"], closed["customers"]),
    }
    for row in shares.values():
        row.update(cohort_grain=grain, new_customer_days=window,
                   new_customer_days_set_by=window_threshold.set_by, as_of_date=as_of)
    return cells, shares
