{{ config(materialized='view') }}
{#-
    The usable orders: one row per order id, its lines summed, refund lines
    netted in. An order id whose net amount is not above zero (a refund
    document, or an order refunded in full) is a refund record: it moves
    monetary value but is never counted as an order.
-#}

with

orders as (

    select * from {{ ref('int_orders_classified') }}
    where order_lines > 0

),

final as (

    select
        order_id,
        customer_id,
        -- A later refund line keeps the order on the day it was placed.
        order_date,
        -- One scale for every value: PostgreSQL's numeric keeps the scale of whatever was summed.
        cast(net_amount as decimal(38, 2)) as net_amount,
        order_lines as source_rows,
        refund_lines,
        cast(coalesce(net_margin, 0) as decimal(38, 2)) as net_margin,
        net_amount > 0 as is_order

    from orders

)

select * from final

-- depends_on: {{ ref('int_order_fates_counted') }} (the intake guard: nothing reads orders from a stopped build)
