"""Pass 2 of scripts/generate_orders.py: order lines, statuses, refunds, duplicates and dirty rows.

Rows are column arrays (ROW_FIELDS); build_chunk turns a chunk of chronologically
sorted order keys into lines, sort_rows puts them in file order."""

from __future__ import annotations

import numpy as np

from .customers import SECONDS_PER_DAY, TS_BITS, rng_for

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
