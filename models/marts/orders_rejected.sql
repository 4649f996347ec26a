{#- The quarantine: every source row that could not be used, exactly as it arrived, with the reason. -#}

with

rejected_rows as (

    select * from {{ ref('int_order_rows_rejected') }}

),

final as (

    select
        cast(rejection_reason as {{ dbt.type_string() }}) as rejection_reason,
        {%- for column in rfm_lifecycle.rfm_source_order_columns() %}
        cast({{ column }} as {{ dbt.type_string() }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from rejected_rows

)

select * from final
