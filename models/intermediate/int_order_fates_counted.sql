{{ config(post_hook="{{ rfm_lifecycle.rfm_check_order_intake(this) }}") }}

{#-
    Where every source row went: kept, merged into an order, duplicate,
    excluded by status, or rejected. Its post-hook is the intake guard
    (macros/sources/order_intake.sql): a build that accepted too few rows
    stops here, and everything that reads orders, every mart and export file
    included, stays as the previous build left it.
-#}

with

orders as (

    select * from {{ ref('int_orders_classified') }}

),

rejected_rows as (

    select * from {{ ref('int_order_rows_rejected') }}

),

order_totals as (

    select
        sum(case when order_lines > 0 then 1 else 0 end) as kept_rows,
        sum(case when order_lines > 0 then first_line_amount end) as kept_amount,
        sum(case when order_lines > 0 then order_lines - 1 else 0 end) as merged_rows,
        sum(case when order_lines > 0 then lines_amount - first_line_amount end) as merged_amount,
        sum(duplicate_rows) as duplicate_rows,
        sum(duplicate_amount) as duplicate_amount,
        sum(excluded_status_rows) as excluded_status_rows,
        sum(excluded_status_amount) as excluded_status_amount

    from orders

),

order_fates as (

    select
        'kept' as row_status,
        kept_rows as source_rows,
        kept_amount as amount
    from order_totals
    union all
    select
        'merged' as row_status,
        merged_rows as source_rows,
        merged_amount as amount
    from order_totals
    union all
    select
        'duplicate' as row_status,
        duplicate_rows as source_rows,
        duplicate_amount as amount
    from order_totals
    union all
    select
        'excluded_status' as row_status,
        excluded_status_rows as source_rows,
        excluded_status_amount as amount
    from order_totals

),

rejected_fates as (

    select
        rejection_reason,
        count(*) as source_rows,
        sum(amount) as amount

    from rejected_rows
    group by rejection_reason

),

fates as (

    select
        row_status,
        cast(null as {{ dbt.type_string() }}) as rejection_reason,
        source_rows,
        amount
    from order_fates
    where source_rows > 0

    union all

    select
        'rejected' as row_status,
        rejection_reason,
        source_rows,
        amount
    from rejected_fates

),

final as (

    select
        cast(row_status as {{ dbt.type_string() }}) as row_status,
        cast(rejection_reason as {{ dbt.type_string() }}) as rejection_reason,
        cast(source_rows as {{ dbt.type_bigint() }}) as source_rows,
        cast(coalesce(amount, 0) as decimal(38, 2)) as amount

    from fates

)

select * from final
