{{ config(materialized='view') }}

{#-
    One row per order up to the as-of date (refund records are no orders):
    its place in the customer's order sequence and the days since the
    customer's previous order. The 'auto' thresholds learn from these gaps and
    analyses/gap_distribution_by_tier.sql shows them. A view: only an 'auto'
    threshold or the analysis reads it, and with fixed thresholds no build
    should sort every order.
-#}

with

orders as (

    select * from {{ ref('int_orders_netted') }}
    where is_order

),

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

orders_sequenced as (

    select
        orders.customer_id,
        orders.order_id,
        orders.order_date,
        orders.order_date >= as_of.window_start_date as is_in_window,
        row_number() over customer_orders as order_number,
        lag(orders.order_date) over customer_orders as previous_order_date

    from orders
    inner join as_of
        on orders.order_date <= as_of.as_of_date
    window customer_orders as (
        partition by orders.customer_id
        order by orders.order_date asc, {{ rfm_lifecycle.rfm_code_point_order('orders.order_id') }} asc
    )

),

final as (

    select
        customer_id,
        order_id,
        order_date,
        is_in_window,
        order_number,
        previous_order_date,
        {{ rfm_lifecycle.rfm_days_between('previous_order_date', 'order_date') }} as gap_days

    from orders_sequenced

)

select * from final
