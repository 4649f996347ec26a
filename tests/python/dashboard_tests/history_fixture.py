"""Stand-in lifecycle-over-time marts for dashboard tests, until the real ones are built.

The shapes are exactly those agreed in the history contract (column names and
DuckDB types). The values come from the demo build's orders with a deliberately
simple rule set: they only have to be plausible and internally consistent,
because the tests compare what the dashboard shows with SQL on the same tables.
A table that the build already made is never replaced, so once the real marts
exist the same tests run against them.
"""

from __future__ import annotations

import duckdb

HISTORY_DDL = {
    "segment_history": """
        create table segment_history (
            period_end_date date, customer_id varchar, lifecycle_segment varchar,
            previous_segment varchar, is_reactivated boolean,
            recency_days integer, frequency integer, monetary decimal(38,2),
            r_score integer, f_score integer, m_score integer,
            revenue_in_period decimal(38,2)
        )""",
    "segment_transitions": """
        create table segment_transitions (
            period_end_date date, from_segment varchar, to_segment varchar,
            customers integer, revenue_in_period decimal(38,2)
        )""",
    "segment_trends": """
        create table segment_trends (
            period_end_date date, lifecycle_segment varchar, customers integer,
            share_of_customers decimal(18,4), revenue_in_period decimal(38,2),
            customers_in integer, customers_out integer,
            reactivated_customers integer, reactivated_revenue decimal(38,2)
        )""",
    "repeat_purchase_curve": """
        create table repeat_purchase_curve (
            bucket_start_day integer, bucket_end_day integer, customers_at_risk integer,
            second_orders_in_bucket integer, cumulative_repeat_share decimal(18,4),
            conditional_repeat_rate decimal(18,4), is_knee boolean
        )""",
}

# Contract column order and DuckDB types, for the shape check in the tests.
CONTRACT_COLUMNS = {
    "segment_history": [
        ("period_end_date", "DATE"), ("customer_id", "VARCHAR"), ("lifecycle_segment", "VARCHAR"),
        ("previous_segment", "VARCHAR"), ("is_reactivated", "BOOLEAN"), ("recency_days", "INTEGER"),
        ("frequency", "INTEGER"), ("monetary", "DECIMAL(38,2)"), ("r_score", "INTEGER"),
        ("f_score", "INTEGER"), ("m_score", "INTEGER"), ("revenue_in_period", "DECIMAL(38,2)"),
    ],
    "segment_transitions": [
        ("period_end_date", "DATE"), ("from_segment", "VARCHAR"), ("to_segment", "VARCHAR"),
        ("customers", "INTEGER"), ("revenue_in_period", "DECIMAL(38,2)"),
    ],
    "segment_trends": [
        ("period_end_date", "DATE"), ("lifecycle_segment", "VARCHAR"), ("customers", "INTEGER"),
        ("share_of_customers", "DECIMAL(18,4)"), ("revenue_in_period", "DECIMAL(38,2)"),
        ("customers_in", "INTEGER"), ("customers_out", "INTEGER"),
        ("reactivated_customers", "INTEGER"), ("reactivated_revenue", "DECIMAL(38,2)"),
    ],
    "repeat_purchase_curve": [
        ("bucket_start_day", "INTEGER"), ("bucket_end_day", "INTEGER"), ("customers_at_risk", "INTEGER"),
        ("second_orders_in_bucket", "INTEGER"), ("cumulative_repeat_share", "DECIMAL(18,4)"),
        ("conditional_repeat_rate", "DECIMAL(18,4)"), ("is_knee", "BOOLEAN"),
    ],
}

PERIODS = 8
BUCKET_DAYS = 15
BUCKETS = 24

_HISTORY = f"""
insert into segment_history
with
as_of as (select max(as_of_date) as as_of_date from customer_segments),
periods as (
    select cast(last_day(as_of_date - to_months(step)) as date) as period_end_date
    from as_of, range({PERIODS}) as steps(step)
),
orders as (select * from int_orders_netted),
measured as (
    select
        periods.period_end_date,
        orders.customer_id,
        count(*) filter (where orders.is_order) as lifetime_orders,
        count(*) filter (where orders.is_order and orders.order_date > periods.period_end_date - 730) as frequency,
        max(orders.order_date) filter (where orders.is_order) as last_order_date,
        sum(orders.net_amount) filter (where orders.order_date > periods.period_end_date - 730) as monetary,
        sum(orders.net_amount) filter (
            where orders.order_date > cast(last_day(periods.period_end_date - interval 1 month) as date)
        ) as revenue_in_period
    from periods
    inner join orders on orders.order_date <= periods.period_end_date
    group by all
),
segmented as (
    select
        *,
        period_end_date - last_order_date as recency_days,
        case
            when last_order_date is null then 'prospect'
            when period_end_date - last_order_date > 365 then 'lost'
            when lifetime_orders = 1 and period_end_date - last_order_date <= 90 then 'new'
            when lifetime_orders = 1 then 'one_time'
            when period_end_date - last_order_date > (case when frequency >= 5 then 90 else 180 end)
                then 'inactive'
            when frequency >= 5 then 'loyal'
            else 'regular'
        end as lifecycle_segment
    from measured
),
with_previous as (
    select
        *,
        coalesce(
            lag(lifecycle_segment) over (partition by customer_id order by period_end_date), 'none'
        ) as previous_segment
    from segmented
)
select
    period_end_date,
    customer_id,
    lifecycle_segment,
    previous_segment,
    previous_segment in ('inactive', 'lost') and lifecycle_segment in ('new', 'regular', 'loyal'),
    recency_days,
    frequency,
    coalesce(monetary, 0),
    6 - ntile(5) over (partition by period_end_date order by recency_days, customer_id),
    ntile(5) over (partition by period_end_date order by frequency, customer_id),
    ntile(5) over (partition by period_end_date order by monetary, customer_id),
    coalesce(revenue_in_period, 0)
from with_previous
"""

_TRANSITIONS = """
insert into segment_transitions
select period_end_date, previous_segment, lifecycle_segment, count(*), sum(revenue_in_period)
from segment_history
group by all
"""

_TRENDS = """
insert into segment_trends
with
segments as (
    select unnest(['prospect', 'new', 'one_time', 'regular', 'loyal', 'inactive', 'lost']) as lifecycle_segment
),
periods as (select distinct period_end_date from segment_history),
grid as (select * from periods cross join segments),
totals as (select period_end_date, count(*) as all_customers from segment_history group by all),
per_segment as (
    select
        period_end_date,
        lifecycle_segment,
        count(*) as customers,
        sum(revenue_in_period) as revenue_in_period,
        count(*) filter (where previous_segment <> lifecycle_segment) as customers_in,
        count(*) filter (where is_reactivated) as reactivated_customers,
        coalesce(sum(revenue_in_period) filter (where is_reactivated), 0) as reactivated_revenue
    from segment_history
    group by all
),
leaving as (
    select period_end_date, previous_segment as lifecycle_segment, count(*) as customers_out
    from segment_history
    where previous_segment <> lifecycle_segment
    group by all
)
select
    grid.period_end_date,
    grid.lifecycle_segment,
    coalesce(per_segment.customers, 0),
    round(coalesce(per_segment.customers, 0) / totals.all_customers, 4),
    coalesce(per_segment.revenue_in_period, 0),
    coalesce(per_segment.customers_in, 0),
    coalesce(leaving.customers_out, 0),
    coalesce(per_segment.reactivated_customers, 0),
    coalesce(per_segment.reactivated_revenue, 0)
from grid
inner join totals using (period_end_date)
left join per_segment using (period_end_date, lifecycle_segment)
left join leaving using (period_end_date, lifecycle_segment)
"""

_CURVE = f"""
insert into repeat_purchase_curve
with
as_of as (select max(as_of_date) as as_of_date from customer_segments),
numbered as (
    select
        customer_id,
        order_date,
        row_number() over (partition by customer_id order by order_date, order_id) as order_number
    from int_orders_netted
    where is_order
),
firsts as (
    select
        customer_id,
        min(order_date) filter (where order_number = 1) as first_order_date,
        min(order_date) filter (where order_number = 2) - min(order_date) filter (where order_number = 1)
            as days_to_second
    from numbered
    group by all
),
buckets as (
    select cast(step * {BUCKET_DAYS} as integer) as bucket_start_day,
        cast(step * {BUCKET_DAYS} + {BUCKET_DAYS - 1} as integer) as bucket_end_day
    from range({BUCKETS}) as steps(step)
),
counted as (
    select
        buckets.bucket_start_day,
        buckets.bucket_end_day,
        count(*) filter (
            where (firsts.days_to_second is null or firsts.days_to_second >= buckets.bucket_start_day)
            and firsts.first_order_date + buckets.bucket_start_day <= as_of.as_of_date
        ) as customers_at_risk,
        count(*) filter (
            where firsts.days_to_second between buckets.bucket_start_day and buckets.bucket_end_day
        ) as second_orders_in_bucket,
        count(*) filter (where firsts.days_to_second <= buckets.bucket_end_day) / count(*) as repeat_share
    from buckets
    cross join firsts
    cross join as_of
    group by all
),
knee as (
    -- Stand-in rule: the first bucket reaching three quarters of the final repeat share.
    select min(bucket_start_day) as bucket_start_day
    from counted
    where repeat_share >= 0.75 * (select max(repeat_share) from counted)
)
select
    counted.bucket_start_day,
    counted.bucket_end_day,
    counted.customers_at_risk,
    counted.second_orders_in_bucket,
    round(counted.repeat_share, 4),
    round(counted.second_orders_in_bucket / nullif(counted.customers_at_risk, 0), 4),
    counted.bucket_start_day = knee.bucket_start_day
from counted
cross join knee
"""

_KNEE_THRESHOLD = """
insert into lifecycle_thresholds
select
    'repeat_curve_knee_days', bucket_end_day, 'days', 'auto', null, 'auto',
    'Stand-in knee of the repeat-purchase curve (test fixture).',
    (select max(as_of_date) from lifecycle_thresholds)
from repeat_purchase_curve
where is_knee
"""

_FILL = {
    "segment_history": _HISTORY,
    "segment_transitions": _TRANSITIONS,
    "segment_trends": _TRENDS,
    "repeat_purchase_curve": _CURVE,
}


def add_missing_history_tables(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Create the history marts the build did not make; returns the names created."""
    existing = {row[0] for row in connection.execute(
        "select table_name from information_schema.tables where table_schema = 'main'"
    ).fetchall()}
    created = []
    # segment_history first: transitions and trends are counted from it.
    for table in ("segment_history", "segment_transitions", "segment_trends", "repeat_purchase_curve"):
        if table in existing:
            continue
        connection.execute(HISTORY_DDL[table])
        connection.execute(_FILL[table])
        created.append(table)
    has_knee_row = connection.execute(
        "select count(*) from lifecycle_thresholds where threshold_name = 'repeat_curve_knee_days'"
    ).fetchone()[0]
    if "repeat_purchase_curve" in created and not has_knee_row:
        connection.execute(_KNEE_THRESHOLD)
    return created
