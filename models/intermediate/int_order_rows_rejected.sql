{#-
    Every source row that cannot be used, as it arrived, with the reason: the
    rows that fail a row check, and the rows of the orders that
    int_orders_classified rejects as a whole. Rejections are rare, so this is
    the only table with a row per source row.
-#}

with

order_rows as (

    select * from {{ ref('int_order_rows_validated') }}

),

rejected_orders as (

    select
        order_id,
        rejection_reason,
        has_customer_conflict

    from {{ ref('int_orders_classified') }}
    where rejection_reason is not null

),

final as (

    select
        {%- for column in rfm_lifecycle.rfm_source_order_columns() %}
        order_rows.{{ column }},
        {%- endfor %}
        coalesce(order_rows.validation_reason, rejected_orders.rejection_reason) as rejection_reason,
        order_rows.amount

    from order_rows
    left join rejected_orders
        on order_rows.order_id = rejected_orders.order_id
    where
        order_rows.validation_reason is not null
        -- Two customers on one order reject its excluded rows too; a conflicting line leaves them excluded.
        or rejected_orders.has_customer_conflict
        or (rejected_orders.order_id is not null and not order_rows.is_excluded_status)

)

select * from final
