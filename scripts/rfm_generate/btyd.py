"""The known buy-till-you-die process of scripts/generate_orders.py (--process btyd)
and its truth file (--truth-out). Kept apart from the generator, which is long enough:
the generator only dispatches here and writes the orders as for any other process.
"""
from __future__ import annotations

import csv
import datetime as dt
import math

import numpy as np

# Buy-till-you-die process (--process btyd) ----------------------------------
# Defaults: the BG/NBD estimates on CDNOW (Fader, Hardie & Lee 2005: r 0.243,
# alpha 4.414 weeks, a 0.793, b 2.426) with alpha in days; mean rate
# r/alpha = 1 order per 120 days, mean drop-out 0.25 after each repeat order.
BTYD_DEFAULTS = {"r": 0.25, "alpha": 30.0, "a": 0.8, "b": 2.4}


def simulate_btyd(rng: np.random.Generator, n: int, span_days: int, params: dict,
                  as_of_end: float, horizon: float):
    """Simulate n BG/NBD customers. Returns (types, first_day, order_day,
    owner, truth) like simulate_customers, truth being per-customer arrays.

    as_of_end is the end of the as-of day (orders with day < as_of_end are the
    history); the horizon is [as_of_end, as_of_end + horizon).
    """
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], size=n)
    lam = np.maximum(lam, 1e-12)  # a zero rate would divide by zero below
    p = np.clip(rng.beta(params["a"], params["b"], size=n), 1e-12, 1.0)
    first = rng.random(n) * span_days
    # repeat orders up to and including the one after which the customer drops out
    dying_repeat = rng.geometric(p)
    # more repeat orders than fit in the span (with near certainty) need not be
    # drawn: a customer whose dying order lies beyond them is alive at --end
    expected = lam * span_days
    cap = np.ceil(expected + 8.0 * np.sqrt(expected) + 10.0).astype(np.int64)
    repeats = np.minimum(dying_repeat, cap)
    planned = 1 + repeats
    owner = np.repeat(np.arange(n, dtype=np.int64), planned)
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(planned[:-1], out=starts[1:])
    gaps = rng.exponential(1.0, size=owner.size) / lam[owner]
    gaps[starts] = 0.0
    csum = np.cumsum(gaps)
    day = first[owner] + (csum - csum[starts][owner])
    last_drawn = day[starts + planned - 1]
    death = np.where(dying_repeat <= cap, last_drawn, np.inf)

    # the truth at the as-of date, from the history and the known lambda and p
    hist = day < as_of_end
    n_hist = np.bincount(owner[hist], minlength=n)
    last_hist = np.full(n, np.nan)
    idx = np.flatnonzero(hist)
    # orders are increasing within a customer, so the last write wins
    last_hist[owner[idx]] = day[idx]
    in_horizon = ~hist & (day < as_of_end + horizon)
    n_horizon = np.bincount(owner[in_horizon], minlength=n)
    acquired = n_hist > 0
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        # BG/NBD: P(alive | x, t_x, T, lambda, p) = 1 / (1 + [x > 0] p/(1-p) e^(lambda (T - t_x)))
        log_odds_dead = np.log(p) - np.log1p(-p) + lam * (as_of_end - last_hist)
        p_alive = np.where(n_hist > 1, 1.0 / (1.0 + np.exp(log_odds_dead)), 1.0)
        p_alive = np.where(acquired, p_alive, np.nan)
        # alive: the next order comes within the horizon with 1 - e^(-lambda h);
        # orders while alive: lambda x E[min(h, Exp(lambda p))] = (1 - e^(-lambda p h)) / p
        p_return = p_alive * -np.expm1(-lam * horizon)
        expected_orders = p_alive * -np.expm1(-lam * p * horizon) / p
    truth = {
        "lam": lam, "p": p,
        "alive_at_as_of": acquired & (death >= as_of_end),
        "alive_at_end": death >= span_days,
        "orders_to_as_of": n_hist, "orders_in_horizon": n_horizon,
        "p_alive": p_alive, "p_return": p_return, "expected_orders": expected_orders,
    }
    keep = day < span_days  # censored at --end; prefix of each customer
    types = np.zeros(n, dtype=np.int8)  # behaviour 0: order values as the one-time buyers'
    return types, first, day[keep], owner[keep], truth


TRUTH_COLUMNS = [
    "customer_id", "first_order_date", "purchase_rate", "dropout_probability",
    "orders_to_as_of", "alive_at_as_of", "alive_at_end", "orders_in_horizon",
    "true_alive_probability", "true_return_probability", "true_expected_orders",
    "as_of_date", "horizon_days",
]


def write_truth(args, truth: dict, cust_id: np.ndarray, first_day: np.ndarray,
                customer_width: int) -> None:
    """One row per ordering customer, sorted by customer id. The probabilities
    are empty for customers whose first order is after the as-of date."""
    args.truth_out.parent.mkdir(parents=True, exist_ok=True)
    as_of, horizon = args.truth_as_of.isoformat(), str(args.truth_horizon_days)

    def number(value: float) -> str:
        return "" if math.isnan(value) else f"{value:.10g}"

    with args.truth_out.open("w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(TRUTH_COLUMNS)
        for i in np.argsort(cust_id, kind="stable"):
            out.writerow([
                f"C{int(cust_id[i]):0{customer_width}d}",
                (args.start + dt.timedelta(days=int(first_day[i]))).isoformat(),
                number(truth["lam"][i]), number(truth["p"][i]),
                int(truth["orders_to_as_of"][i]),
                str(bool(truth["alive_at_as_of"][i])).lower(),
                str(bool(truth["alive_at_end"][i])).lower(),
                int(truth["orders_in_horizon"][i]),
                number(truth["p_alive"][i]), number(truth["p_return"][i]),
                number(truth["expected_orders"][i]), as_of, horizon,
            ])
