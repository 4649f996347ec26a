"""The back-test of the demo build, recomputed in Python (docs/return_probability.md, "Did it come true?").

For one back-test date: the segment shares, orders and revenue of lifecycle_backtest
from segment_history and the orders; the gaps behind that date's curves from the
orders up to it only; and the AUC and deciles of return_probability_calibration
from the customers' probabilities, ranked here with average ranks for ties.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

from project_support import query

HORIZON = 90  # dbt_project.yml's return_horizon_days
MAX_ORDERS = 5  # return_curve_max_orders


def half_up(value: Fraction, places: int) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def backtest_dates(database: Path) -> list[dt.date]:
    return [row[0] for row in query(database, "select distinct backtest_date from lifecycle_backtest order by 1")]


def test_backtest_dates_have_a_whole_horizon_after_them(demo_database: Path) -> None:
    dates = backtest_dates(demo_database)
    (as_of,) = query(demo_database, "select as_of_date from int_as_of_dates_resolved")[0]
    periods = [row[0] for row in query(demo_database, "select distinct period_end_date from segment_history")]
    assert dates, "the demo's history is longer than the horizon"
    assert dates == sorted(day for day in periods if day + dt.timedelta(days=HORIZON) <= as_of)


def test_segment_shares_recompute_from_history_and_orders(demo_database: Path) -> None:
    date = backtest_dates(demo_database)[len(backtest_dates(demo_database)) // 2]
    end = date + dt.timedelta(days=HORIZON)
    orders: dict[str, int] = Counter()
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for customer_id, is_order, amount in query(
            demo_database, "select customer_id, is_order, net_amount from int_orders_netted "
                           f"where order_date > date '{date}' and order_date <= date '{end}'"):
        orders[customer_id] += int(is_order)
        revenue[customer_id] += amount
    want: dict[str, list] = defaultdict(lambda: [0, 0, 0, Decimal(0)])
    for customer_id, segment in query(demo_database, "select customer_id, lifecycle_segment from segment_history "
                                                     f"where period_end_date = date '{date}'"):
        row = want[segment]
        row[0] += 1
        row[1] += orders[customer_id] > 0
        row[2] += orders[customer_id]
        row[3] += revenue[customer_id]
    got = {segment: (customers, ordered, share, n_orders, amount) for segment, customers, ordered, share, n_orders, amount
           in query(demo_database, "select lifecycle_segment, customers, customers_ordered, ordered_share, "
                                   "orders_in_horizon, revenue_in_horizon from lifecycle_backtest "
                                   f"where backtest_date = date '{date}'")}
    assert set(got) == set(want)
    for segment, (customers, ordered, n_orders, amount) in want.items():
        assert got[segment] == (customers, ordered, half_up(Fraction(ordered, customers), 6), n_orders, amount), segment
    # The evidence the segments are meant to give: regular customers come back far more often than inactive ones.
    assert got["regular"][2] > 3 * got["inactive"][2] > 0
    assert got["lost"][2] < got["inactive"][2]


def test_curves_of_a_backtest_date_use_only_the_orders_up_to_it(demo_database: Path) -> None:
    date = backtest_dates(demo_database)[0]
    by_customer: dict[str, list[tuple[dt.date, str]]] = defaultdict(list)
    for customer_id, order_id, order_date in query(
            demo_database, f"select customer_id, order_id, order_date from int_orders_netted "
                           f"where is_order and order_date <= date '{date}'"):
        by_customer[customer_id].append((order_date, order_id))
    returning: Counter = Counter()
    censored: Counter = Counter()
    for dated in by_customer.values():
        dated.sort()
        for number in range(1, len(dated)):
            returning[(min(number, MAX_ORDERS), (dated[number][0] - dated[number - 1][0]).days)] += 1
        censored[(min(len(dated), MAX_ORDERS), (date - dated[-1][0]).days)] += 1
    # The counts behind the expected orders, as changes per day t: a gap returning on day g >= 1 counts for t
    # from g - h (or 0) to g - 1 while t + h is on or before the date; each of its orders within h - 1 days
    # after the return, L days from the gap's start, from L - h.
    changes: Counter = Counter()
    for dated in by_customer.values():
        for number in range(1, len(dated)):
            start, returned = dated[number - 1][0], dated[number][0]
            gap, group = (returned - start).days, min(number, MAX_ORDERS)
            if gap == 0:
                continue
            last_t = min(gap - 1, (date - start).days - HORIZON)
            for later, _ in dated[number:]:
                lag = (later - start).days
                if lag > gap + HORIZON - 1 or max(lag - HORIZON, 0) > last_t:
                    continue
                first_t = max(lag - HORIZON, 0)
                changes[(group, first_t, "orders")] += 1
                changes[(group, last_t + 1, "orders")] -= 1
            first_t = max(gap - HORIZON, 0)
            if first_t <= last_t:
                changes[(group, first_t, "returns")] += 1
                changes[(group, last_t + 1, "returns")] -= 1
    got = query(demo_database, "select order_count_group, gap_days, customers_returning, customers_censored, "
                               "returns_observed_change, orders_observed_change "
                               f"from int_backtest_return_gaps_counted where as_of_date = date '{date}'")
    assert {(g, d): r for g, d, r, *_ in got if r} == dict(returning)
    assert {(g, d): c for g, d, _, c, *_ in got if c} == dict(censored)
    assert {(g, d, "returns"): r for g, d, _, _, r, _ in got if r} == {k: v for k, v in changes.items()
                                                                       if k[2] == "returns" and v}
    assert {(g, d, "orders"): o for g, d, _, _, _, o in got if o} == {k: v for k, v in changes.items()
                                                                      if k[2] == "orders" and v}


def test_expected_orders_come_close_to_the_orders_that_followed(demo_database: Path) -> None:
    """The expected orders are an honest count: on every back-test date the mean expected orders per
    customer is within 20% of the orders that followed, and within 10% over all dates (the estimate of
    0.3.x, return probability x the orders of a whole horizon after a return, was 2.1 to 2.3 times too high)."""
    rows = query(demo_database, "select distinct backtest_date, date_customers, date_expected_orders_per_customer, "
                                "date_orders_per_customer from return_probability_calibration")
    assert len(rows) > 10
    for date, _, expected, observed in rows:
        assert abs(expected - observed) <= Decimal("0.2") * observed, (date, expected, observed)
    expected_total = sum(customers * expected for _, customers, expected, _ in rows)
    observed_total = sum(customers * observed for _, customers, _, observed in rows)
    assert abs(expected_total - observed_total) <= Decimal("0.1") * observed_total


def test_auc_and_deciles_recompute_from_the_probabilities(demo_database: Path) -> None:
    date = backtest_dates(demo_database)[-1]
    scored = query(demo_database, "select return_probability, has_ordered_in_horizon from "
                                  f"int_backtest_customers_followed where backtest_date = date '{date}' "
                                  "and return_probability is not null")
    # Average ranks (ties share the mean of their ranks), then Mann-Whitney.
    values = sorted(probability for probability, _ in scored)
    first_rank: dict[Decimal, int] = {}
    count = Counter(values)
    for rank, value in enumerate(values, start=1):
        first_rank.setdefault(value, rank)
    positives = [probability for probability, ordered in scored if ordered]
    n_pos, n_neg = len(positives), len(scored) - len(positives)
    rank_sum = sum(Fraction(2 * first_rank[value] + count[value] - 1, 2) for value in positives)
    auc = (rank_sum - Fraction(n_pos * (n_pos + 1), 2)) / (n_pos * n_neg)
    below = {value: first_rank[value] - 1 for value in count}
    deciles: dict[int, list] = defaultdict(list)
    for probability, ordered in scored:
        deciles[10 * below[probability] // len(scored) + 1].append((probability, ordered))
    got = query(demo_database, "select decile, customers, predicted_share, ordered_share, date_customers, date_auc "
                               f"from return_probability_calibration where backtest_date = date '{date}'")
    assert {row[5] for row in got} == {half_up(auc, 6)}
    assert half_up(auc, 6) > Decimal("0.7"), "the curves rank who comes back well on the demo"
    assert {row[4] for row in got} == {len(scored)}
    assert {row[0]: row[1:4] for row in got} == {
        decile: (len(rows), half_up(sum(Fraction(p) for p, _ in rows) / len(rows), 6),
                 half_up(Fraction(sum(o for _, o in rows), len(rows)), 6))
        for decile, rows in deciles.items()}
