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

from rfm_generate.btyd import BTYD_DEFAULTS, write_truth
from rfm_generate.customers import SECONDS_PER_DAY, TS_BITS, build_order_keys, customer_ids, rng_for
from rfm_generate.files import copy_options, render_sql, sql_path
from rfm_generate.lines import D_EMPTY_ORDER, build_chunk, choose_dirty, concat_rows, empty_rows, sort_rows, take_rows


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


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
