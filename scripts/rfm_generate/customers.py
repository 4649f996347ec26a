"""Pass 1 of scripts/generate_orders.py: the customers, when each of them orders, and the prospects.

Only one int64 sort key per order is kept (order timestamp << TS_BITS | customer
index), so 50M orders take 0.4 GB. Every random stream comes from rng_for (seed,
stage, chunk), so a seed gives the same file."""

from __future__ import annotations

import math

import numpy as np

from .btyd import simulate_btyd

SECONDS_PER_DAY = 86_400

# Customer behaviours ------------------------------------------------------
ONE_TIME, QUARTERLY, MONTHLY, WEEKLY, OCCASIONAL = range(5)
TYPE_SHARES = np.array([0.45, 0.25, 0.15, 0.05, 0.10])
# Mean number of orders before churn (geometric), for the repeat behaviours.
MEAN_ORDERS = {QUARTERLY: 6.0, MONTHLY: 12.0, WEEKLY: 80.0}
MAX_PLANNED_ORDERS = 600
# Gap distributions: gamma(shape, mean) in days.
GAP_GAMMA = {QUARTERLY: (8.0, 90.0), MONTHLY: (6.0, 30.0), WEEKLY: (10.0, 7.0)}
OCCASIONAL_GAP_DAYS = (100.0, 400.0)

# Prospects: customers who never ordered, as a share of ordering customers.
PROSPECT_SHARE = 0.12

TS_BITS = 32  # sort key = ts_seconds << 32 | customer index

# Hour-of-day weights for order timestamps (quiet nights, evening peak).
HOUR_WEIGHTS = np.array(
    [2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 10, 11, 10, 9, 9, 10, 11, 12, 13, 13, 11, 7, 4],
    dtype=float,
)
HOUR_WEIGHTS /= HOUR_WEIGHTS.sum()


def rng_for(seed: int, stage: int, index: int) -> np.random.Generator:
    """Independent, reproducible stream per (seed, stage, chunk)."""
    return np.random.default_rng([seed, stage, index])


def simulate_customers(rng: np.random.Generator, n: int, span_days: int):
    """Simulate n customers. Returns (types, first_day, order_day_float, owner)
    where owner[i] is the local customer index of order i; orders are grouped
    by customer and increasing in time within a customer, all inside the span.
    """
    types = rng.choice(5, size=n, p=TYPE_SHARES).astype(np.int8)
    first = rng.random(n) * span_days  # first-order day (float, uniform)

    planned = np.ones(n, dtype=np.int64)
    for t, mean in MEAN_ORDERS.items():
        m = types == t
        planned[m] = rng.geometric(1.0 / mean, size=int(m.sum()))
    m = types == OCCASIONAL
    planned[m] = rng.integers(2, 4, size=int(m.sum()))
    np.minimum(planned, MAX_PLANNED_ORDERS, out=planned)

    total = int(planned.sum())
    owner = np.repeat(np.arange(n, dtype=np.int64), planned)
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(planned[:-1], out=starts[1:])
    otype = types[owner]

    gaps = np.empty(total, dtype=np.float64)
    for t, (shape, mean) in GAP_GAMMA.items():
        m = otype == t
        gaps[m] = rng.gamma(shape, mean / shape, size=int(m.sum()))
    m = otype == OCCASIONAL
    gaps[m] = rng.uniform(*OCCASIONAL_GAP_DAYS, size=int(m.sum()))
    gaps[otype == ONE_TIME] = 0.0
    gaps[starts] = 0.0

    csum = np.cumsum(gaps)
    day = first[owner] + (csum - csum[starts][owner])
    keep = day < span_days  # censored at --end; prefix of each customer
    return types, first, day[keep], owner[keep]


def build_order_keys(args, span_days: int):
    """Simulate customers chunk by chunk until the order target is reached.

    Returns (keys, ctype, first_day): keys is a sorted int64 array
    (ts_seconds << 32 | customer index), one per order; ctype / first_day
    are per customer.
    """
    target = args.orders
    chunk_customers = int(min(400_000, max(2_000, math.ceil(target / 5))))
    keys_parts, types_parts, first_parts, truth_parts = [], [], [], []
    n_orders = 0
    n_customers = 0
    chunk = 0
    while n_orders < target:
        rng = rng_for(args.seed, 1, chunk)
        if args.process == "btyd":
            types, first, day, owner, truth = simulate_btyd(
                rng, chunk_customers, span_days, args.btyd_params,
                args.truth_as_of_end, args.truth_horizon_days)
        else:
            types, first, day, owner = simulate_customers(rng, chunk_customers, span_days)
            truth = None
        counts = np.bincount(owner, minlength=chunk_customers)
        need = target - n_orders
        csum = np.cumsum(counts)
        if csum[-1] >= need:  # last chunk: stop at the customer reaching target
            last = int(np.searchsorted(csum, need))
            keep_c = last + 1
            sel = owner < keep_c
            day, owner = day[sel], owner[sel]
            types, first = types[:keep_c], first[:keep_c]
            if truth is not None:
                truth = {k: v[:keep_c] for k, v in truth.items()}
        else:
            keep_c = chunk_customers
        # time of day: the day part comes from the schedule, the clock time
        # from an hour-of-day profile
        hour = rng.choice(24, size=day.size, p=HOUR_WEIGHTS)
        secs = (
            np.floor(day).astype(np.int64) * SECONDS_PER_DAY
            + hour * 3600
            + rng.integers(0, 3600, size=day.size)
        )
        keys_parts.append((secs << TS_BITS) | (owner + n_customers))
        types_parts.append(types)
        first_parts.append(np.floor(first).astype(np.int32))
        if truth is not None:
            truth_parts.append(truth)
        n_orders += int(day.size)
        n_customers += keep_c
        chunk += 1
    keys = np.concatenate(keys_parts)
    del keys_parts
    keys.sort(kind="stable")
    truth = ({k: np.concatenate([t[k] for t in truth_parts]) for k in truth_parts[0]}
             if truth_parts else None)
    return keys, np.concatenate(types_parts), np.concatenate(first_parts), truth


def customer_ids(args, ctype_first_day: np.ndarray, span_days: int):
    """Signup days for ordering customers and prospects; customer id numbers
    are assigned by signup day (ties in random order).

    Returns (id_of_customer, signup_day_by_id, n_prospects) where
    id_of_customer[i] is the id number of ordering customer i and
    signup_day_by_id[j - 1] is the signup day of customer id j.
    """
    rng = rng_for(args.seed, 3, 0)
    n = ctype_first_day.size
    # half sign up when they first order, the rest some time before
    lead = np.where(rng.random(n) < 0.5, 0, np.ceil(rng.exponential(30.0, size=n)))
    signup = np.maximum(ctype_first_day - lead, 0).astype(np.int32)
    n_prospects = int(round(n * PROSPECT_SHARE))
    prospect_signup = rng.integers(0, span_days, size=n_prospects).astype(np.int32)
    all_signup = np.concatenate([signup, prospect_signup])
    tiebreak = rng.random(all_signup.size)
    order = np.lexsort((tiebreak, all_signup))  # position -> customer
    id_number = np.empty(all_signup.size, dtype=np.int64)
    id_number[order] = np.arange(1, all_signup.size + 1)
    return id_number[:n], all_signup[order], n_prospects
