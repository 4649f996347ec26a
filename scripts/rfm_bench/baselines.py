"""The two baselines the dbt build is measured beside: the floor (one DuckDB statement) and pandas."""
from __future__ import annotations

import time

from .settings import sql_string


# ---------------------------------------------------------------------------
# Step 2: the floor, one statement
# ---------------------------------------------------------------------------
def floor_statement(orders_path: str, rules: dict) -> str:
    """The hand-written floor. What it leaves out of the project's rules: the strict
    date and amount text patterns (DuckDB's own casts decide instead) and the
    rejection of orders with two different rows for one line id."""
    statuses = ", ".join(sql_string(s) for s in rules["excluded_statuses"])
    buckets = rules["score_buckets"]

    def score(position: str) -> str:
        # NTILE's bucket of the first row of the tie group: the first `remainder` buckets hold one row more.
        return (
            f"case when {position} < remainder * (per_bucket + 1) "
            f"then {position} // (per_bucket + 1) + 1 "
            f"else remainder + ({position} - remainder * (per_bucket + 1)) // per_bucket + 1 end"
        )

    return f"""
create table floor_scores as
with
source_rows as (
    select
        nullif(trim(order_id), '') as order_id,
        nullif(trim(customer_id), '') as customer_id,
        trim(order_date) as order_date_text,
        try_cast(trim(order_date) as date) as order_date,
        try_cast(trim(amount) as decimal(18, 2)) as amount,
        nullif(lower(trim(status)), '') as status,
        try_cast(trim(margin) as decimal(18, 2)) as margin,
        nullif(trim(margin), '') is not null as has_margin_text,
        nullif(trim(line_id), '') as line_id
    from read_parquet({sql_string(orders_path)})
),
valid_rows as (
    -- Exact duplicates after cleaning count once; excluded statuses still take part in the
    -- check that an order id belongs to one customer.
    select distinct
        order_id, customer_id, order_date_text, order_date, amount, status, margin, line_id,
        coalesce(status in ({statuses}), false) as is_excluded
    from source_rows
    where order_id is not null
        and customer_id is not null
        and order_date between date {sql_string(rules["min_order_date"])}
            and date {sql_string(rules["max_order_date"])}
        and amount is not null
        and (margin is not null or not has_margin_text)
),
orders as (
    -- Refund lines are netted into their order; the order keeps its earliest line date.
    select
        order_id,
        min(customer_id) as customer_id,
        min(order_date) filter (where not is_excluded) as order_date,
        sum(amount) filter (where not is_excluded) as net_amount
    from valid_rows
    group by order_id
    having min(customer_id) = max(customer_id) and count(*) filter (where not is_excluded) > 0
),
as_of as (
    select max(order_date) filter (where net_amount > 0) as as_of_date from orders
),
customers as (
    -- An order id with a net amount of zero or less is a refund record: money, not an order.
    select
        orders.customer_id,
        as_of.as_of_date,
        as_of.as_of_date - max(orders.order_date) filter (where orders.net_amount > 0) as recency_days,
        count(*) filter (
            where orders.net_amount > 0 and orders.order_date > as_of.as_of_date - {rules["lookback_days"]}
        ) as frequency,
        coalesce(sum(orders.net_amount) filter (
            where orders.order_date > as_of.as_of_date - {rules["lookback_days"]}
        ), 0) as monetary
    from orders
    cross join as_of
    where orders.order_date <= as_of.as_of_date
    group by orders.customer_id, as_of.as_of_date
    having count(*) filter (where orders.net_amount > 0) > 0
),
ranked as (
    -- rank() is the position of the first customer of a tie group: equal values, equal scores.
    select
        *,
        rank() over (order by recency_days desc) - 1 as r_position,
        rank() over (order by frequency asc) - 1 as f_position,
        rank() over (order by monetary asc) - 1 as m_position,
        count(*) over () // {buckets} as per_bucket,
        count(*) over () % {buckets} as remainder
    from customers
)
select
    customer_id,
    as_of_date,
    recency_days,
    frequency,
    cast(monetary as decimal(38, 2)) as monetary,
    {score("r_position")} as r_score,
    {score("f_position")} as f_score,
    {score("m_position")} as m_score
from ranked
"""


def connect_duckdb(path: str, settings: dict):
    import duckdb

    con = duckdb.connect(path)
    con.execute(f"set threads = {int(settings['threads'])}")
    con.execute(f"set memory_limit = {sql_string(settings['memory_limit'])}")
    if settings.get("temp_directory"):
        con.execute(f"set temp_directory = {sql_string(settings['temp_directory'])}")
    con.execute(f"set preserve_insertion_order = {str(bool(settings['preserve_insertion_order'])).lower()}")
    con.execute("set enable_progress_bar = false")
    return con


def step_floor(spec: dict) -> dict:
    started = time.perf_counter()
    con = connect_duckdb(spec["database"], spec["settings"])
    con.execute(floor_statement(spec["orders_path"], spec["rules"]))
    customers, as_of = con.execute("select count(*), max(as_of_date) from floor_scores").fetchone()
    con.close()  # the checkpoint that makes the table durable counts too
    return {"work_s": time.perf_counter() - started, "customers": customers, "as_of_date": str(as_of)}


# ---------------------------------------------------------------------------
# Step 3: pandas, the analyst's approach
# ---------------------------------------------------------------------------
def tie_safe_scores(position, count: int, buckets: int):
    """NTILE's bucket for each 0-based tie-group position (numpy arrays)."""
    import numpy as np

    per_bucket, remainder = divmod(count, buckets)
    big = remainder * (per_bucket + 1)
    first = position // (per_bucket + 1) + 1
    if per_bucket == 0:
        return first.astype(np.int64)
    rest = remainder + (position - big) // per_bucket + 1
    return np.where(position < big, first, rest).astype(np.int64)


def step_pandas(spec: dict) -> dict:
    import numpy as np
    import pandas as pd

    rules = spec["rules"]
    started = time.perf_counter()
    raw = pd.read_parquet(spec["orders_path"])

    def cleaned(column: str) -> pd.Series:
        text = raw[column].str.strip()
        return text.mask(text == "")

    order_id = cleaned("order_id")
    customer_id = cleaned("customer_id")
    date_text = raw["order_date"].str.strip()
    order_date = pd.to_datetime(date_text, format="ISO8601", errors="coerce").dt.normalize()
    amount = pd.to_numeric(raw["amount"].str.strip(), errors="coerce")
    margin_text = cleaned("margin")
    margin = pd.to_numeric(margin_text, errors="coerce")
    status = cleaned("status").str.lower()
    rows = pd.DataFrame({
        "order_id": order_id,
        "customer_id": customer_id,
        "date_text": date_text,
        "order_date": order_date,
        # Cents as integers: exact sums, and exact keys for the duplicate check.
        "cents": (amount * 100).round().astype("Int64"),
        "status": status,
        "margin_cents": (margin * 100).round().astype("Int64"),
        "line_id": cleaned("line_id"),
        "is_excluded": status.isin(rules["excluded_statuses"]).to_numpy(),
    })
    del raw
    valid = (
        rows["order_id"].notna()
        & rows["customer_id"].notna()
        & rows["order_date"].between(pd.Timestamp(rules["min_order_date"]), pd.Timestamp(rules["max_order_date"]))
        & rows["cents"].notna()
        & (rows["margin_cents"].notna() | margin_text.isna())
    )
    rows = rows[valid].drop_duplicates(
        subset=["order_id", "customer_id", "date_text", "cents", "status", "margin_cents", "line_id"]
    )
    kept = ~rows["is_excluded"]
    rows = rows.assign(
        order_date=rows["order_date"].where(kept),
        cents=rows["cents"].where(kept, 0),
        kept_rows=kept.astype("int64"),
    )
    orders = rows.groupby(["order_id", "customer_id"], sort=False).agg(
        order_date=("order_date", "min"), net_cents=("cents", "sum"), kept_rows=("kept_rows", "sum"),
    ).reset_index()
    # An order id used by several customers cannot be attributed; an order of excluded rows only is no order.
    orders = orders[~orders["order_id"].duplicated(keep=False) & (orders["kept_rows"] > 0)]

    is_order = orders["net_cents"] > 0
    as_of = orders.loc[is_order, "order_date"].max()
    orders = orders[orders["order_date"] <= as_of]
    is_order = orders["net_cents"] > 0
    in_window = orders["order_date"] > as_of - pd.Timedelta(days=rules["lookback_days"])
    customers = orders.assign(
        last_order_date=orders["order_date"].where(is_order),
        lifetime_orders=is_order.astype("int64"),
        frequency=(is_order & in_window).astype("int64"),
        monetary_cents=orders["net_cents"].where(in_window, 0),
    ).groupby("customer_id", sort=False).agg(
        last_order_date=("last_order_date", "max"),
        lifetime_orders=("lifetime_orders", "sum"),
        frequency=("frequency", "sum"),
        monetary_cents=("monetary_cents", "sum"),
    )
    customers = customers[customers["lifetime_orders"] >= 1]
    customers["recency_days"] = (as_of - customers["last_order_date"]).dt.days.astype("int64")
    count, buckets = len(customers), rules["score_buckets"]
    for score, measure, ascending in [
        ("r_score", "recency_days", False),
        ("f_score", "frequency", True),
        ("m_score", "monetary_cents", True),
    ]:
        position = customers[measure].rank(method="min", ascending=ascending).to_numpy(dtype=np.int64) - 1
        customers[score] = tie_safe_scores(position, count, buckets)
    result = customers.reset_index()[
        ["customer_id", "recency_days", "frequency", "monetary_cents", "r_score", "f_score", "m_score"]
    ]
    result["monetary_cents"] = result["monetary_cents"].astype("int64")
    result.to_parquet(spec["result_path"], index=False)
    return {"work_s": time.perf_counter() - started, "customers": count, "as_of_date": as_of.date().isoformat()}


STEPS = {"floor": step_floor, "pandas": step_pandas}
