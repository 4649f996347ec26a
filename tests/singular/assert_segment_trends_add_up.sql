-- segment_trends adds up to segment_history: sizes, revenue, movement and win-backs per period end.
with

history_totals as (

    select
        period_end_date,
        lifecycle_segment,
        count(*) as customers,
        sum(revenue_in_period) as revenue_in_period,
        sum(case when previous_segment <> lifecycle_segment then 1 else 0 end) as customers_in,
        sum(case when is_reactivated then 1 else 0 end) as reactivated_customers,
        sum(case when is_reactivated then revenue_in_period else 0 end) as reactivated_revenue
    from {{ ref('segment_history') }}
    group by period_end_date, lifecycle_segment

),

history_departures as (

    select
        period_end_date,
        previous_segment as lifecycle_segment,
        count(*) as customers_out
    from {{ ref('segment_history') }}
    where previous_segment <> lifecycle_segment
    group by period_end_date, previous_segment

),

trends as (

    select * from {{ ref('segment_trends') }}

),

share_totals as (

    select
        period_end_date,
        sum(share_of_customers) as total_share,
        count(*) as segments
    from trends
    group by period_end_date

)

select
    trends.period_end_date,
    trends.lifecycle_segment,
    'mismatch' as problem
from trends
left join history_totals
    on
        trends.period_end_date = history_totals.period_end_date
        and trends.lifecycle_segment = history_totals.lifecycle_segment
left join history_departures
    on
        trends.period_end_date = history_departures.period_end_date
        and trends.lifecycle_segment = history_departures.lifecycle_segment
where
    trends.customers <> coalesce(history_totals.customers, 0)
    or trends.revenue_in_period <> coalesce(history_totals.revenue_in_period, 0)
    or trends.customers_in <> coalesce(history_totals.customers_in, 0)
    or trends.customers_out <> coalesce(history_departures.customers_out, 0)
    or trends.reactivated_customers <> coalesce(history_totals.reactivated_customers, 0)
    or trends.reactivated_revenue <> coalesce(history_totals.reactivated_revenue, 0)

union all

-- All seven segments on every period end, shares adding up to 1 (each rounded to 4 decimals).
select
    period_end_date,
    cast(null as {{ dbt.type_string() }}) as lifecycle_segment,
    'segments or shares' as problem
from share_totals
where
    segments <> 7
    or total_share < 0.9990
    or total_share > 1.0010
