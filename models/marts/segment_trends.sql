{#-
    Per period end and lifecycle segment (all seven, also when empty): size,
    share of all known customers, revenue in the period, the movement in and
    out since the previous period end, and the win-backs (customers who were
    inactive or lost and are active again) with the revenue they brought back.
-#}

with

transitions as (

    select * from {{ ref('segment_transitions') }}

),

periods as (

    select * from {{ ref('int_history_periods') }}
    where is_reported

),

segments as (

    select * from {{ ref('segment_action_paths') }}

),

built_periods as (

    -- Only period ends that hold customers; an empty history gives an empty table.
    select distinct period_end_date from transitions

),

arrivals as (

    select
        period_end_date,
        to_segment as lifecycle_segment,
        sum(customers) as customers,
        sum(revenue_in_period) as revenue_in_period,
        sum(case when not is_unchanged then customers else 0 end) as customers_in,
        sum(case when is_reactivation then customers else 0 end) as reactivated_customers,
        sum(case when is_reactivation then revenue_in_period else 0 end) as reactivated_revenue

    from transitions
    group by period_end_date, to_segment

),

departures as (

    select
        period_end_date,
        from_segment as lifecycle_segment,
        sum(customers) as customers_out

    from transitions
    where not is_unchanged
    group by period_end_date, from_segment

),

period_totals as (

    select
        period_end_date,
        sum(customers) as total_customers

    from transitions
    group by period_end_date

),

grid as (

    select
        built_periods.period_end_date,
        periods.period_number,
        segments.segment as lifecycle_segment,
        segments.segment_order

    from built_periods
    inner join periods
        on built_periods.period_end_date = periods.period_end_date
    cross join segments

),

final as (

    select
        grid.period_end_date,
        cast(grid.lifecycle_segment as {{ dbt.type_string() }}) as lifecycle_segment,
        cast(coalesce(arrivals.customers, 0) as {{ dbt.type_int() }}) as customers,
        cast(
            case
                when period_totals.total_customers > 0
                    then {{ rfm_lifecycle.rfm_rounded_ratio(
                        'coalesce(arrivals.customers, 0)', 'period_totals.total_customers', 4) }}
                else 0
            end as decimal(18, 4)
        ) as share_of_customers,
        cast(coalesce(arrivals.revenue_in_period, 0) as decimal(38, 2)) as revenue_in_period,
        cast(coalesce(arrivals.customers_in, 0) as {{ dbt.type_int() }}) as customers_in,
        cast(coalesce(departures.customers_out, 0) as {{ dbt.type_int() }}) as customers_out,
        cast(coalesce(arrivals.reactivated_customers, 0) as {{ dbt.type_int() }}) as reactivated_customers,
        cast(coalesce(arrivals.reactivated_revenue, 0) as decimal(38, 2)) as reactivated_revenue,
        cast(grid.segment_order as {{ dbt.type_int() }}) as segment_order,
        cast(grid.period_number as {{ dbt.type_int() }}) as period_number

    from grid
    left join arrivals
        on
            grid.period_end_date = arrivals.period_end_date
            and grid.lifecycle_segment = arrivals.lifecycle_segment
    left join departures
        on
            grid.period_end_date = departures.period_end_date
            and grid.lifecycle_segment = departures.lifecycle_segment
    inner join period_totals
        on grid.period_end_date = period_totals.period_end_date

)

select * from final
