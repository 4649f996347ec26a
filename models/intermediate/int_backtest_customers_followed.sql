{#-
    One row per back-test date and customer known on it (segment_history, so
    the segment uses only the data up to that date): the lifecycle segment
    then, and what the customer did in the return_horizon_days days after it
    (the date itself excluded, the horizon's last day included): orders
    (refund records are no orders) and net revenue (refunds in those days
    included); and what the return curves built from the data up to that
    date predicted for the customer (int_backtest_return_curves, the row of
    the customer's order-count group and days since the last order, as
    customer_segments reads return_curves; the expected orders scaled by the
    customer's order rhythm at that date, as customer_segments scales them).
    Prospects get no prediction.
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

followed as (

    select
        dates.backtest_date,
        dates.horizon_end_date,
        dates.return_horizon_days,
        history.customer_id,
        history.lifecycle_segment,
        history.lifetime_orders,
        history.recency_days,
        history.first_order_date,
        orders_in_horizon.orders_in_horizon,
        orders_in_horizon.revenue_in_horizon,
        curves.return_probability,
        curves.expected_orders_in_horizon as curve_expected_orders

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

),

customers_timed as (

    -- What int_customers_order_rhythm reads on the as-of date, here at each back-test date.
    select
        backtest_date,
        customer_id,
        least(lifetime_orders, {{ cap }}) as return_curve_group,
        lifetime_orders - 1 as repeat_orders,
        {{ rfm_lifecycle.rfm_days_between('first_order_date', 'backtest_date') }} as tenure_days,
        cast(curve_expected_orders * 1000000 as {{ dbt.type_bigint() }}) as curve_expected_millionths

    from followed
    where lifetime_orders > 0

),

customers_factored as (

    {{ rfm_lifecycle.rfm_order_rhythm_factors('customers_timed', group_by=['backtest_date']) }}

),

final as (

    select
        cast(followed.backtest_date as date) as backtest_date,
        cast(followed.horizon_end_date as date) as horizon_end_date,
        cast(followed.return_horizon_days as {{ dbt.type_int() }}) as return_horizon_days,
        cast(followed.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(followed.lifecycle_segment as {{ dbt.type_string() }}) as lifecycle_segment,
        cast(followed.lifetime_orders as {{ dbt.type_int() }}) as lifetime_orders,
        cast(followed.recency_days as {{ dbt.type_int() }}) as recency_days,
        cast(coalesce(followed.orders_in_horizon, 0) as {{ dbt.type_int() }}) as orders_in_horizon,
        cast(coalesce(followed.revenue_in_horizon, 0) as decimal(38, 2)) as revenue_in_horizon,
        coalesce(followed.orders_in_horizon, 0) > 0 as has_ordered_in_horizon,
        cast(followed.return_probability as decimal(18, 6)) as return_probability,
        cast(
            {{ rfm_lifecycle.rfm_factored_expected_millionths(
                'customers_factored.curve_expected_millionths', 'customers_factored.factor_millionths') }}
            * 0.000001 as decimal(18, 6)
        ) as expected_orders_in_horizon

    from followed
    left join customers_factored
        on
            followed.backtest_date = customers_factored.backtest_date
            and followed.customer_id = customers_factored.customer_id

)

select * from final
