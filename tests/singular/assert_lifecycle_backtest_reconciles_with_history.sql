-- The back-test counts every customer of segment_history once per back-test date, in the segment
-- segment_history gives; its orders and revenue in the horizon are those of the orders in those days.
with

dates as (

    select * from {{ ref('int_backtest_dates') }}

),

history_counted as (

    select
        history.period_end_date as backtest_date,
        history.lifecycle_segment,
        count(*) as customers

    from {{ ref('segment_history') }} as history
    inner join dates
        on history.period_end_date = dates.backtest_date
    group by history.period_end_date, history.lifecycle_segment

),

backtest as (

    select * from {{ ref('lifecycle_backtest') }}

),

orders_counted as (

    select
        dates.backtest_date,
        sum(case when orders.is_order then 1 else 0 end) as orders_in_horizon,
        sum(orders.net_amount) as revenue_in_horizon

    from {{ ref('int_orders_netted') }} as orders
    inner join dates
        on
            orders.order_date > dates.backtest_date
            and orders.order_date <= dates.horizon_end_date
    group by dates.backtest_date

),

backtest_totals as (

    select
        backtest_date,
        sum(orders_in_horizon) as orders_in_horizon,
        sum(revenue_in_horizon) as revenue_in_horizon

    from backtest
    group by backtest_date

),

segments_differing as (

    select history_counted.backtest_date
    from history_counted
    full outer join backtest
        on
            history_counted.backtest_date = backtest.backtest_date
            and history_counted.lifecycle_segment = backtest.lifecycle_segment
    where coalesce(history_counted.customers, -1) <> coalesce(backtest.customers, -1)

),

totals_differing as (

    -- Orders of customers unknown on the back-test date (first seen later) are in neither side's customers,
    -- so the totals may only fall short of the orders, never exceed them.
    select orders_counted.backtest_date
    from orders_counted
    left join backtest_totals
        on orders_counted.backtest_date = backtest_totals.backtest_date
    where coalesce(backtest_totals.orders_in_horizon, 0) > orders_counted.orders_in_horizon

)

select * from segments_differing
union all
select * from totals_differing
