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
    got = query(demo_database, "select order_count_group, gap_days, customers_returning, customers_censored "
                               f"from int_backtest_return_gaps_counted where as_of_date = date '{date}'")
    assert {(g, d): r for g, d, r, _ in got if r} == dict(returning)
    assert {(g, d): c for g, d, _, c in got if c} == dict(censored)


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
