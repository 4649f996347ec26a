{#- Where every source row went: kept, merged into an order, duplicate, excluded by status, or rejected. -#}

with

order_rows as (

    select * from {{ ref('int_order_rows_classified') }}

),

fates as (

    select
        row_status,
        coalesce(rejection_reason, '') as rejection_reason,
        count(*) as source_rows,
        sum(amount) as amount

    from order_rows
    group by row_status, coalesce(rejection_reason, '')

),

final as (

    select
        cast(row_status as {{ dbt.type_string() }}) as row_status,
        cast(nullif(rejection_reason, '') as {{ dbt.type_string() }}) as rejection_reason,
        cast(source_rows as {{ dbt.type_bigint() }}) as source_rows,
        cast(coalesce(amount, 0) as decimal(38, 2)) as amount

    from fates

)

select * from final
