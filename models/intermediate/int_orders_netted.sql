{#-
    One row per order id: its lines summed, refund lines netted in. An order id
    whose net amount is not above zero (a refund document, or an order refunded
    in full) is a refund record: it moves monetary value but is never counted
    as an order.
-#}

with

order_rows as (

    select * from {{ ref('int_order_rows_classified') }}
    where row_status in ('kept', 'merged')

),

netted as (

    select
        order_id,
        customer_id,
        -- A later refund line keeps the order on the day it was placed.
        min(order_date) as order_date,
        sum(amount) as net_amount,
        sum(margin) as net_margin,
        count(*) as source_rows,
        sum(case when amount < 0 then 1 else 0 end) as refund_lines

    from order_rows
    group by order_id, customer_id

),

final as (

    select
        order_id,
        customer_id,
        order_date,
        -- One scale for every value: PostgreSQL's numeric keeps the scale of whatever was summed.
        cast(net_amount as decimal(38, 2)) as net_amount,
        source_rows,
        refund_lines,
        cast(coalesce(net_margin, 0) as decimal(38, 2)) as net_margin,
        net_amount > 0 as is_order

    from netted

)

select * from final
