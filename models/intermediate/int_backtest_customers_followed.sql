{#-
    One row per back-test date and customer known on it (segment_history, so
    the segment uses only the data up to that date): the lifecycle segment
    then, and what the customer did in the return_horizon_days days after it
    (the date itself excluded, the horizon's last day included): orders
    (refund records are no orders) and net revenue (refunds in those days
    included); and what the return curves built from the data up to that
    date predicted for the customer (int_backtest_return_curves, the row of
    the customer's order-count group and days since the last order, as
    customer_segments reads return_curves). Prospects get no prediction.
-#}

{%- set cap = rfm_lifecycle.rfm_return_settings().return_curve_max_orders %}

with

dates as (

    select * from {{ ref('int_backtest_dates') }}

),

history as (

    select * from {{ ref('segment_history') }}

),

orders as (

    select * from {{ ref('int_orders_netted') }}

),

curves as (

    select * from {{ ref('int_backtest_return_curves') }}

),

orders_in_horizon as (

    select
        dates.backtest_date,
        orders.customer_id,
        sum(case when orders.is_order then 1 else 0 end) as orders_in_horizon,
        sum(orders.net_amount) as revenue_in_horizon

    from orders
    inner join dates
        on
            orders.order_date > dates.backtest_date
            and orders.order_date <= dates.horizon_end_date
    group by dates.backtest_date, orders.customer_id

),

final as (

    select
        cast(dates.backtest_date as date) as backtest_date,
        cast(dates.horizon_end_date as date) as horizon_end_date,
        cast(dates.return_horizon_days as {{ dbt.type_int() }}) as return_horizon_days,
        cast(history.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(history.lifecycle_segment as {{ dbt.type_string() }}) as lifecycle_segment,
        cast(history.lifetime_orders as {{ dbt.type_int() }}) as lifetime_orders,
        cast(history.recency_days as {{ dbt.type_int() }}) as recency_days,
        cast(coalesce(orders_in_horizon.orders_in_horizon, 0) as {{ dbt.type_int() }}) as orders_in_horizon,
        cast(coalesce(orders_in_horizon.revenue_in_horizon, 0) as decimal(38, 2)) as revenue_in_horizon,
        coalesce(orders_in_horizon.orders_in_horizon, 0) > 0 as has_ordered_in_horizon,
        cast(curves.return_probability as decimal(18, 6)) as return_probability,
        cast(curves.expected_orders_in_horizon as decimal(18, 6)) as expected_orders_in_horizon

    from history
    inner join dates
        on history.period_end_date = dates.backtest_date
    left join orders_in_horizon
        on
            dates.backtest_date = orders_in_horizon.backtest_date
            and history.customer_id = orders_in_horizon.customer_id
    left join curves
        on
            dates.backtest_date = curves.as_of_date
            and least(history.lifetime_orders, {{ cap }}) = curves.order_count_group
            and history.recency_days = curves.days_since_last_order

)

select * from final
