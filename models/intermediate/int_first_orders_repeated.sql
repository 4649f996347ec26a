{#-
    One row per customer with an order up to the as-of date: how long they
    have been observed since their first order, and the days to their second
    order (0 when two orders fall on the first day, empty without one). The
    basis of the repeat-purchase curve.

    Two hash aggregations and a join, no sort: the first order day per
    customer, then the orders on it and the next order day after it. The
    core build needs it (lifecycle_thresholds shows the curve's knee), so it
    reads orders directly rather than the per-day history table.
-#}

with

orders as (

    select * from {{ ref('int_orders_netted') }}
    where is_order

),

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

orders_to_date as (

    select
        orders.customer_id,
        orders.order_date

    from orders
    inner join as_of
        on orders.order_date <= as_of.as_of_date

),

first_order_dates as (

    select
        customer_id,
        min(order_date) as first_order_date

    from orders_to_date
    group by customer_id

),

first_orders as (

    select
        first_order_dates.customer_id,
        first_order_dates.first_order_date,
        count(*) filter (where orders_to_date.order_date = first_order_dates.first_order_date) as first_day_orders,
        min(orders_to_date.order_date) filter (
            where orders_to_date.order_date > first_order_dates.first_order_date
        ) as second_order_day

    from first_order_dates
    inner join orders_to_date
        on first_order_dates.customer_id = orders_to_date.customer_id
    group by first_order_dates.customer_id, first_order_dates.first_order_date

),

final as (

    select
        first_orders.customer_id,
        first_orders.first_order_date,
        {{ rfm_lifecycle.rfm_days_between('first_orders.first_order_date', 'as_of.as_of_date') }} as days_observed,
        case
            when first_orders.first_day_orders >= 2 then 0
            else {{ rfm_lifecycle.rfm_days_between('first_orders.first_order_date', 'first_orders.second_order_day') }}
        end as days_to_second_order

    from first_orders
    cross join as_of

)

select * from final
