{#- The quarantine: every source row that could not be used, exactly as it arrived, with the reason. -#}

with

order_rows as (

    select * from {{ ref('int_order_rows_classified') }}
    where row_status = 'rejected'

),

final as (

    select
        cast(rejection_reason as {{ dbt.type_string() }}) as rejection_reason,
        cast(source_order_id as {{ dbt.type_string() }}) as source_order_id,
        cast(source_customer_id as {{ dbt.type_string() }}) as source_customer_id,
        cast(source_order_date as {{ dbt.type_string() }}) as source_order_date,
        cast(source_amount as {{ dbt.type_string() }}) as source_amount,
        cast(source_status as {{ dbt.type_string() }}) as source_status,
        cast(source_margin as {{ dbt.type_string() }}) as source_margin,
        cast(source_line_id as {{ dbt.type_string() }}) as source_line_id

    from order_rows

)

select * from final
