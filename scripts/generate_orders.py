#!/usr/bin/env python3
"""Deterministic synthetic order-line generator for the rfm_lifecycle project.

Writes an order-line file (CSV or Parquet, chosen by the extension of --out)
with the columns

    order_id, customer_id, order_date, amount, status, margin, line_id

and optionally a customers file (customer_id, signup_date) that also holds
prospects who never ordered.

All values are written as text (in Parquet too), so a CSV and a Parquet file
generated with the same arguments carry identical strings.  Empty values
(dirty rows) are NULL, which a CSV shows as an empty field.

Data shape
----------
* Customers follow one of five behaviours: one-time buyers, quarterly,
  monthly and weekly repeat buyers (gamma-jittered gaps, geometric number of
  orders until churn) and occasional buyers (2-3 orders, 100-400 day gaps).
  Orders are only generated inside [--start, --end]; customers are generated
  until the order target is reached, so the order count is within a few
  orders of --orders.
* Orders have 1-4 lines; a lognormal order amount (mean depends on the
  behaviour) is split over the lines; margin = line amount x a product margin
  rate of 20-45 %.
* ~2 % of orders are cancelled, a handful have status ``test``, recent orders
  are often still ``shipped``.
* ~3 % of orders are refunded: half as an extra negative line on the same
  order_id a few days later, half as a separate ``R...`` refund document
  1-30 days later (a quarter of those refund the whole order).
* Unless --clean: ~0.5 % of rows are exact duplicates, and a fixed set of
  dirty rows (empty / whitespace ids, unparseable dates, non-numeric or empty
  amounts) is mixed in.

With ``--process btyd`` the customers instead follow a known buy-till-you-die
process (BG/NBD, Fader, Hardie & Lee 2005), so tests and ``make bench-btyd``
can check predictions against the truth: per customer a purchase rate
lambda ~ Gamma(shape r, rate alpha) per day and a drop-out probability
p ~ Beta(a, b); the first order is uniform in the span, repeat orders follow
a Poisson process with rate lambda, and after every *repeat* order the
customer drops out with probability p (as in BG/NBD, not after the first
order). No cancelled or ``test`` orders in this mode, so every simulated order
is an order for the models. ``--truth-out`` writes per customer lambda, p,
alive at the as-of date and at --end, the orders in the horizon after the
as-of date, and the true probability of >= 1 order (and the expected orders)
in that horizon given the customer's history up to the as-of date and its
known lambda and p.

Order ids are numbered chronologically and customer ids by signup date.
Rows are sorted by order timestamp, then order id, then line id.

Scaling: customers are simulated in chunks and only one int64 sort key per
order is kept in memory (0.4 GB at 50M orders); order lines are then built
in chunks of orders and appended to a temporary DuckDB database, from which
the output file is written in insertion order.
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

from rfm_generate.btyd import BTYD_DEFAULTS, simulate_btyd, write_truth

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
# Mean order value (currency units) per behaviour, lognormal sigma.
ORDER_MEAN = np.array([75.0, 140.0, 55.0, 28.0, 90.0])
ORDER_SIGMA = 0.55

# Order lines --------------------------------------------------------------
LINES_P = np.array([0.55, 0.28, 0.11, 0.06])  # 1..4 lines per order
MARGIN_RATE = (0.20, 0.45)

# Statuses (index into STATUS_NAMES) -----------------------------------------
COMPLETED, SHIPPED, CANCELLED, TEST = range(4)
STATUS_NAMES = ["completed", "shipped", "cancelled", "test"]
CANCEL_RATE = 0.02
SHIPPED_RATE = 0.04
RECENT_DAYS = 10  # orders this close to --end are mostly still shipped
RECENT_SHIPPED_RATE = 0.70
TEST_PER_ORDER = 1e-4  # "a handful": at least 2 per chunk of orders

# Refunds ------------------------------------------------------------------
REFUND_RATE = 0.03
FULL_REFUND_SHARE = 0.25  # of the R... refund documents

# Dirty data (default mode) -------------------------------------------------
DUPLICATE_RATE = 0.005
# dirty kind code -> (column affected, rendered value); None renders as NULL.
D_NONE = 0
D_EMPTY_CUSTOMER = 1
D_BLANK_CUSTOMER_1 = 2
D_BLANK_CUSTOMER_2 = 3
D_EMPTY_ORDER = 4
D_BAD_DATE_1 = 5
D_BAD_DATE_2 = 6
D_BAD_AMOUNT_1 = 7
D_BAD_AMOUNT_2 = 8
D_EMPTY_AMOUNT = 9
# Number of rows of each kind (36 in total, every kind at least twice).
DIRTY_COUNTS = {
    D_EMPTY_CUSTOMER: 6,
    D_BLANK_CUSTOMER_1: 3,  # ' '
    D_BLANK_CUSTOMER_2: 3,  # '   '
    D_EMPTY_ORDER: 6,
    D_BAD_DATE_1: 3,  # 'not a date'
    D_BAD_DATE_2: 3,  # '2024-13-45'
    D_BAD_AMOUNT_1: 3,  # 'n/a'
    D_BAD_AMOUNT_2: 3,  # '12,50,0'
    D_EMPTY_AMOUNT: 6,
}

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


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


# ---------------------------------------------------------------------------
# Pass 1: customers and their order timestamps
# ---------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------
# Pass 2: order lines, refunds, duplicates, dirty rows
# ---------------------------------------------------------------------------
ROW_FIELDS = ("ts", "refdoc", "ord", "line", "cust", "date_only",
              "cents", "margin", "status", "dirty")
ROW_DTYPES = (np.int64, np.bool_, np.int64, np.int16, np.int64, np.bool_,
              np.int64, np.int64, np.int8, np.int8)


def empty_rows():
    return {f: np.empty(0, dtype=d) for f, d in zip(ROW_FIELDS, ROW_DTYPES)}


def concat_rows(parts):
    return {f: np.concatenate([p[f] for p in parts]).astype(d, copy=False)
            for f, d in zip(ROW_FIELDS, ROW_DTYPES)}


def take_rows(rows, idx):
    return {f: v[idx] for f, v in rows.items()}


def build_chunk(args, rng, keys, first_ord, ctype, cust_id, dirty_kind,
                span_seconds, refund_counter):
    """Order lines (and refund rows) for a chunk of chronologically sorted
    orders. Returns (rows, n_refund_lines, n_refund_docs, n_duplicates,
    new_refund_counter)."""
    n = keys.size
    ts = keys >> TS_BITS
    cust = keys & ((1 << TS_BITS) - 1)
    ord_no = first_ord + np.arange(n, dtype=np.int64)
    otype = ctype[cust]
    cid = cust_id[cust]

    # lines per order and order value
    k = rng.choice(4, size=n, p=LINES_P).astype(np.int64) + 1
    mu = np.log(ORDER_MEAN[otype]) - ORDER_SIGMA**2 / 2
    total = np.maximum(
        np.rint(np.exp(mu + ORDER_SIGMA * rng.standard_normal(n)) * 100), 100
    ).astype(np.int64)

    # status; a known process keeps every simulated order an order (no cancelled
    # or test orders), so the truth file is the truth of what the models see
    btyd = args.process == "btyd"
    cancel_rate = 0.0 if btyd else CANCEL_RATE
    u = rng.random(n)
    status = np.full(n, COMPLETED, dtype=np.int8)
    recent = ts >= span_seconds - RECENT_DAYS * SECONDS_PER_DAY
    status[u < np.where(recent, RECENT_SHIPPED_RATE, SHIPPED_RATE) + cancel_rate] = SHIPPED
    status[u < cancel_rate] = CANCELLED

    dirty = dirty_kind
    is_dirty = dirty != D_NONE
    k[is_dirty] = 1
    status[is_dirty] = COMPLETED
    eligible = np.flatnonzero((status == COMPLETED) & ~is_dirty)
    if not btyd:
        n_test = min(eligible.size, max(2, int(round(n * TEST_PER_ORDER))))
        status[rng.choice(eligible, size=n_test, replace=False)] = TEST

    date_only = rng.random(n) < 0.20

    # split the order value over its lines (Dirichlet(1) weights, >= 1 cent)
    n_lines = int(k.sum())
    line_order = np.repeat(np.arange(n), k)
    line_start = np.zeros(n, dtype=np.int64)
    np.cumsum(k[:-1], out=line_start[1:])
    line_no = np.arange(n_lines, dtype=np.int64) - line_start[line_order] + 1
    w = rng.exponential(1.0, size=n_lines)
    wsum = np.bincount(line_order, weights=w, minlength=n)
    spread = total - k  # every line gets at least 1 cent
    cents = 1 + np.floor(spread[line_order] * w / wsum[line_order]).astype(np.int64)
    remainder = total - np.bincount(line_order, weights=cents, minlength=n).astype(np.int64)
    cents[line_start] += remainder
    rate = rng.uniform(*MARGIN_RATE, size=n_lines)
    margin = np.rint(cents * rate).astype(np.int64)

    lines = {
        "ts": ts[line_order],
        "refdoc": np.zeros(n_lines, dtype=bool),
        "ord": ord_no[line_order],
        "line": line_no,
        "cust": cid[line_order],
        "date_only": date_only[line_order],
        "cents": cents,
        "margin": margin,
        "status": status[line_order],
        "dirty": dirty[line_order],
    }

    # refunds
    can_refund = (status != CANCELLED) & (status != TEST) & ~is_dirty
    refunded = np.flatnonzero(can_refund & (rng.random(n) < REFUND_RATE))
    as_doc = rng.random(refunded.size) < 0.5
    # (a) negative line on the same order a few days later
    r1 = refunded[~as_doc]
    r1_ts = ts[r1] + rng.integers(1 * SECONDS_PER_DAY, 8 * SECONDS_PER_DAY, size=r1.size)
    r1_cents = -np.rint(total[r1] * rng.uniform(0.15, 0.85, size=r1.size)).astype(np.int64)
    r1_keep = r1_ts < span_seconds
    r1, r1_ts, r1_cents = r1[r1_keep], r1_ts[r1_keep], r1_cents[r1_keep]
    refund_lines = {
        "ts": r1_ts,
        "refdoc": np.zeros(r1.size, dtype=bool),
        "ord": ord_no[r1],
        "line": k[r1] + 1,
        "cust": cid[r1],
        "date_only": rng.random(r1.size) < 0.20,
        "cents": r1_cents,
        "margin": np.rint(r1_cents * rng.uniform(*MARGIN_RATE, size=r1.size)).astype(np.int64),
        "status": status[r1],
        "dirty": np.zeros(r1.size, dtype=np.int8),
    }
    # (b) separate refund document R... 1-30 days later
    r2 = refunded[as_doc]
    r2_ts = ts[r2] + rng.integers(1 * SECONDS_PER_DAY, 31 * SECONDS_PER_DAY, size=r2.size)
    full = rng.random(r2.size) < FULL_REFUND_SHARE
    frac = np.where(full, 1.0, rng.uniform(0.10, 0.90, size=r2.size))
    r2_cents = -np.rint(total[r2] * frac).astype(np.int64)
    r2_keep = r2_ts < span_seconds
    r2, r2_ts, r2_cents = r2[r2_keep], r2_ts[r2_keep], r2_cents[r2_keep]
    r2_no = refund_counter + 1 + np.arange(r2.size, dtype=np.int64)
    refund_docs = {
        "ts": r2_ts,
        "refdoc": np.ones(r2.size, dtype=bool),
        "ord": r2_no,
        "line": np.ones(r2.size, dtype=np.int64),
        "cust": cid[r2],
        "date_only": rng.random(r2.size) < 0.20,
        "cents": r2_cents,
        "margin": np.rint(r2_cents * rng.uniform(*MARGIN_RATE, size=r2.size)).astype(np.int64),
        "status": np.full(r2.size, COMPLETED, dtype=np.int8),
        "dirty": np.zeros(r2.size, dtype=np.int8),
    }

    rows = concat_rows([lines, refund_lines, refund_docs])
    n_dup = 0
    if not args.clean:
        dup = (rng.random(rows["ts"].size) < DUPLICATE_RATE) & (rows["dirty"] == D_NONE)
        n_dup = int(dup.sum())
        rows = take_rows(rows, np.repeat(np.arange(dup.size), 1 + dup.astype(np.int64)))
    return rows, int(r1.size), int(r2.size), n_dup, refund_counter + int(r2.size)


def sort_rows(rows):
    order = np.lexsort((rows["line"], rows["ord"], rows["refdoc"], rows["ts"]))
    return take_rows(rows, order)


def choose_dirty(args, n_orders: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in chronological order numbering) and kinds of dirty rows."""
    if args.clean:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int8)
    kinds = np.concatenate([np.full(c, kind, dtype=np.int8) for kind, c in DIRTY_COUNTS.items()])
    if n_orders < 4 * kinds.size:
        kinds = kinds[: max(0, n_orders // 4)]
    rng = rng_for(args.seed, 4, 0)
    pos = rng.choice(n_orders, size=kinds.size, replace=False).astype(np.int64)
    order = np.argsort(pos)
    return pos[order], kinds[order]


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------
def render_sql(start: dt.date, order_width: int, customer_width: int) -> str:
    def money(col: str) -> str:
        return f"(CAST({col} AS DECIMAL(18,0)) * 0.01)::VARCHAR"

    ts_expr = f"(TIMESTAMP '{start.isoformat()} 00:00:00' + to_seconds(ts))"
    status_list = "[" + ", ".join(f"'{s}'" for s in STATUS_NAMES) + "]"
    return f"""
    SELECT
      CASE WHEN dirty = {D_EMPTY_ORDER} THEN NULL
           WHEN refdoc THEN 'R' || lpad(ord::VARCHAR, {order_width}, '0')
           ELSE 'O' || lpad(ord::VARCHAR, {order_width}, '0') END AS order_id,
      CASE dirty WHEN {D_EMPTY_CUSTOMER} THEN NULL
                 WHEN {D_BLANK_CUSTOMER_1} THEN ' '
                 WHEN {D_BLANK_CUSTOMER_2} THEN '   '
                 ELSE 'C' || lpad(cust::VARCHAR, {customer_width}, '0') END AS customer_id,
      CASE WHEN dirty = {D_BAD_DATE_1} THEN 'not a date'
           WHEN dirty = {D_BAD_DATE_2} THEN '2024-13-45'
           WHEN date_only THEN strftime({ts_expr}, '%Y-%m-%d')
           ELSE strftime({ts_expr}, '%Y-%m-%d %H:%M:%S') END AS order_date,
      CASE dirty WHEN {D_BAD_AMOUNT_1} THEN 'n/a'
                 WHEN {D_BAD_AMOUNT_2} THEN '12,50,0'
                 WHEN {D_EMPTY_AMOUNT} THEN NULL
                 ELSE {money('cents')} END AS amount,
      {status_list}[status + 1] AS status,
      {money('margin')} AS margin,
      line::VARCHAR AS line_id
    FROM lines
    """


def copy_options(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "(FORMAT csv, HEADER true)"
    if suffix == ".parquet":
        return "(FORMAT parquet, COMPRESSION zstd)"
    raise SystemExit(f"unsupported output extension {suffix!r} (use .csv or .parquet)")


def sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=int, default=60_000,
                   help="target number of orders (default 60000)")
    p.add_argument("--start", type=parse_date, default=dt.date(2023, 1, 1))
    p.add_argument("--end", type=parse_date, default=dt.date(2025, 12, 31))
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", type=Path, default=Path("data/demo/orders.csv"),
                   help="output file, .csv or .parquet")
    p.add_argument("--customers-out", type=Path, default=None,
                   help="also write customers (customer_id, signup_date), .csv or .parquet")
    p.add_argument("--clean", action="store_true",
                   help="omit dirty rows and duplicate rows")
    b = p.add_argument_group(
        "known buy-till-you-die process",
        "--process btyd: customers from a BG/NBD process with known parameters "
        "(rates in orders per day), for checks against the truth")
    b.add_argument("--process", choices=["mixed", "btyd"], default="mixed",
                   help="mixed: the five demo behaviours (default); btyd: BG/NBD customers")
    b.add_argument("--btyd-r", type=float, default=BTYD_DEFAULTS["r"],
                   help="Gamma shape r of the purchase rate (default %(default)s)")
    b.add_argument("--btyd-alpha", type=float, default=BTYD_DEFAULTS["alpha"],
                   help="Gamma rate alpha of the purchase rate, in days (default %(default)s)")
    b.add_argument("--btyd-a", type=float, default=BTYD_DEFAULTS["a"],
                   help="Beta a of the drop-out probability (default %(default)s)")
    b.add_argument("--btyd-b", type=float, default=BTYD_DEFAULTS["b"],
                   help="Beta b of the drop-out probability (default %(default)s)")
    b.add_argument("--truth-out", type=Path, default=None,
                   help="with --process btyd: write the truth per customer (.csv)")
    b.add_argument("--truth-as-of", type=parse_date, default=None,
                   help="as-of date of the truth (default: --end minus the horizon)")
    b.add_argument("--truth-horizon-days", type=int, default=90,
                   help="horizon after the as-of date (default 90)")
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    if args.orders < 1:
        p.error("--orders must be positive")
    if args.end < args.start:
        p.error("--end is before --start")
    span_days = (args.end - args.start).days + 1
    if span_days * SECONDS_PER_DAY >= 2**31:
        p.error("date range too long")
    span_seconds = span_days * SECONDS_PER_DAY
    if args.process == "btyd":
        params = {"r": args.btyd_r, "alpha": args.btyd_alpha, "a": args.btyd_a, "b": args.btyd_b}
        if min(params.values()) <= 0:
            p.error("--btyd-r, --btyd-alpha, --btyd-a and --btyd-b must be positive")
        args.btyd_params = params
        if args.truth_horizon_days < 1:
            p.error("--truth-horizon-days must be positive")
        if args.truth_as_of is None:
            args.truth_as_of = args.end - dt.timedelta(days=args.truth_horizon_days)
        if not args.start <= args.truth_as_of <= args.end - dt.timedelta(days=args.truth_horizon_days):
            p.error("--truth-as-of must leave --truth-horizon-days of data before --end")
        # the history is every order dated on or before the as-of date
        args.truth_as_of_end = float((args.truth_as_of - args.start).days + 1)
    elif args.truth_out or args.truth_as_of:
        p.error("--truth-out and --truth-as-of need --process btyd")
    out_opts = copy_options(args.out)
    cust_opts = copy_options(args.customers_out) if args.customers_out else None

    # pass 1: when every customer orders
    keys, ctype, first_day, truth = build_order_keys(args, span_days)
    n_orders = keys.size
    n_customers = ctype.size
    cust_id, signup_by_id, n_prospects = customer_ids(args, first_day, span_days)
    customer_width = max(6, len(str(n_customers + n_prospects)))
    if args.truth_out:
        write_truth(args, truth, cust_id, first_day, customer_width)
    del first_day, truth
    dirty_pos, dirty_kinds = choose_dirty(args, n_orders)

    order_width = max(7, len(str(n_orders)))

    args.out.parent.mkdir(parents=True, exist_ok=True)
    n_rows = n_refund_lines = n_refund_docs = n_dups = 0
    with tempfile.TemporaryDirectory(prefix=".generate_orders_", dir=args.out.parent) as tmp:
        con = duckdb.connect(str(Path(tmp) / "work.duckdb"))
        con.execute(f"SET temp_directory = '{sql_path(Path(tmp) / 'spill')}'")
        con.execute("SET memory_limit = '2GB'")
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = true")
        con.execute(
            "CREATE TABLE lines (ts BIGINT, refdoc BOOLEAN, ord BIGINT, line SMALLINT, "
            "cust BIGINT, date_only BOOLEAN, cents BIGINT, margin BIGINT, "
            "status TINYINT, dirty TINYINT)"
        )

        # pass 2: order lines, in chunks of chronologically sorted orders
        chunk_orders = 2_000_000
        pending = empty_rows()  # rows dated after the current chunk
        refund_counter = 0
        n_chunks = max(1, math.ceil(n_orders / chunk_orders))
        for c in range(n_chunks):
            lo, hi = c * chunk_orders, min(n_orders, (c + 1) * chunk_orders)
            dirty = np.zeros(hi - lo, dtype=np.int8)
            in_chunk = (dirty_pos >= lo) & (dirty_pos < hi)
            dirty[dirty_pos[in_chunk] - lo] = dirty_kinds[in_chunk]
            rows, r1, r2, nd, refund_counter = build_chunk(
                args, rng_for(args.seed, 2, c), keys[lo:hi], lo + 1, ctype, cust_id,
                dirty, span_seconds, refund_counter,
            )
            n_refund_lines += r1
            n_refund_docs += r2
            n_dups += nd
            rows = concat_rows([pending, rows])
            if hi < n_orders:
                # everything of the next chunks is dated >= this timestamp
                boundary = int(keys[hi] >> TS_BITS)
                ready = rows["ts"] < boundary
                pending = take_rows(rows, ~ready)
                rows = take_rows(rows, ready)
            else:
                pending = empty_rows()
            chunk_rows = sort_rows(rows)
            del rows
            n_rows += chunk_rows["ts"].size
            con.execute("INSERT INTO lines SELECT * FROM chunk_rows")
            del chunk_rows
        del keys

        con.execute(
            f"COPY ({render_sql(args.start, order_width, customer_width)}) "
            f"TO '{sql_path(args.out)}' {out_opts}"
        )

        if args.customers_out:
            args.customers_out.parent.mkdir(parents=True, exist_ok=True)
            customers = {
                "id": np.arange(1, signup_by_id.size + 1, dtype=np.int64),
                "signup": signup_by_id.astype(np.int64),
            }
            con.execute(
                f"""COPY (
                  SELECT 'C' || lpad(id::VARCHAR, {customer_width}, '0')
                           AS customer_id,
                         strftime(DATE '{args.start.isoformat()}' + CAST(signup AS INTEGER),
                                  '%Y-%m-%d') AS signup_date
                  FROM customers
                ) TO '{sql_path(args.customers_out)}' {cust_opts}"""
            )
        con.close()

    n_empty_order = int((dirty_kinds == D_EMPTY_ORDER).sum())
    print(
        f"generate_orders: wrote {n_rows} rows to {args.out}: "
        f"{n_orders - n_empty_order} distinct orders (+{n_refund_docs} refund documents, "
        f"{n_refund_lines} refund lines), {n_customers} customers with orders"
        + (f" (+{n_prospects} prospects in {args.customers_out})" if args.customers_out else "")
        + f", {dirty_kinds.size} dirty rows, {n_dups} duplicate rows, "
        f"{time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
