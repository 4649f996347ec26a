-- Every input row has exactly one fate, and the orders hold exactly the kept and merged rows.
with

source_rows as (

    select count(*) as row_count
    from {{ rfm_lifecycle.rfm_input_relation('orders', check_input=false) }}

),

accounted_rows as (

    select
        sum(source_rows) as row_count,
        sum(case when row_status in ('kept', 'merged') then source_rows else 0 end) as order_row_count,
        sum(case when row_status = 'kept' then source_rows else 0 end) as kept_row_count
    from {{ ref('orders_accounting') }}

),

netted_orders as (

    select
        coalesce(sum(source_rows), 0) as row_count,
        count(*) as order_count
    from {{ ref('int_orders_netted') }}

)

select
    source_rows.row_count as source_row_count,
    accounted_rows.row_count as accounted_row_count,
    netted_orders.row_count as order_row_count,
    netted_orders.order_count
from source_rows
cross join accounted_rows
cross join netted_orders
where
    source_rows.row_count <> coalesce(accounted_rows.row_count, 0)
    or coalesce(accounted_rows.order_row_count, 0) <> netted_orders.row_count
    or coalesce(accounted_rows.kept_row_count, 0) <> netted_orders.order_count
