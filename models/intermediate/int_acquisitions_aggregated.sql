{#- A view: lifecycle_phases is its only reader, a table would write a copy nobody reads twice. -#}
{{ config(materialized='view') }}
{#-
    Per reported period of segment_history: the customers whose first,
    second and third order fell in it (int_customers_acquired), the revenue
    of those first order days, and the cohorts whose new-customer window
    closed in it with their repeat figures (new_customer_repeat_shares).
    lifecycle_phases reads it.
-#}

with

periods as (

    select * from {{ ref('int_history_periods') }}
    where is_reported

),

acquired as (

    select * from {{ ref('int_customers_acquired') }}

),

repeat_shares as (

    select * from {{ ref('new_customer_repeat_shares') }}
    where not is_overall

),

order_events as (

    select
        first_order_date as event_date,
        1 as new_customers,
        first_order_revenue,
        0 as second_orders,
        0 as third_orders

    from acquired

    union all

    select
        second_order_date as event_date,
        0 as new_customers,
        0 as first_order_revenue,
        1 as second_orders,
        0 as third_orders

    from acquired
    where second_order_date is not null

    union all

    select
        third_order_date as event_date,
        0 as new_customers,
        0 as first_order_revenue,
        0 as second_orders,
        1 as third_orders

    from acquired
    where third_order_date is not null

),

orders_per_period as (

    select
        periods.period_end_date,
        sum(order_events.new_customers) as new_customers,
        sum(order_events.first_order_revenue) as first_order_revenue,
        sum(order_events.second_orders) as second_orders,
        sum(order_events.third_orders) as third_orders

    from order_events
    inner join periods
        on
            order_events.event_date > periods.previous_period_end_date
            and order_events.event_date <= periods.period_end_date
    group by periods.period_end_date

),

window_closes as (

    select
        periods.period_end_date,
        count(*) as window_closed_cohorts,
        sum(repeat_shares.cohort_customers) as window_closed_customers,
        sum(repeat_shares.repeat_within_window_customers) as window_repeat_customers

    from repeat_shares
    inner join periods
        on
            repeat_shares.window_closed_date > periods.previous_period_end_date
            and repeat_shares.window_closed_date <= periods.period_end_date
    group by periods.period_end_date

),

final as (

    select
        periods.period_end_date,
        cast(coalesce(orders_per_period.new_customers, 0) as {{ dbt.type_int() }}) as new_customers,
        cast(coalesce(orders_per_period.first_order_revenue, 0) as decimal(38, 2)) as first_order_revenue,
        cast(coalesce(orders_per_period.second_orders, 0) as {{ dbt.type_int() }}) as second_orders,
        cast(coalesce(orders_per_period.third_orders, 0) as {{ dbt.type_int() }}) as third_orders,
        cast(coalesce(window_closes.window_closed_cohorts, 0) as {{ dbt.type_int() }}) as window_closed_cohorts,
        cast(coalesce(window_closes.window_closed_customers, 0) as {{ dbt.type_int() }}) as window_closed_customers,
        cast(coalesce(window_closes.window_repeat_customers, 0) as {{ dbt.type_int() }}) as window_repeat_customers

    from periods
    left join orders_per_period
        on periods.period_end_date = orders_per_period.period_end_date
    left join window_closes
        on periods.period_end_date = window_closes.period_end_date

)

select * from final
