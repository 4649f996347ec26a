{#- Where every source row went: kept, merged into an order, duplicate, excluded by status, or rejected. -#}

with

fates as (

    select * from {{ ref('int_order_fates_counted') }}

),

final as (

    select
        row_status,
        rejection_reason,
        source_rows,
        amount

    from fates

)

select * from final
