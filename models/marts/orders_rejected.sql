-- depends_on: {{ ref('int_order_fates_counted') }} (the intake guard: a stopped build keeps the previous quarantine)
{#- The quarantine: every source row that could not be used, exactly as it arrived, with the reason. -#}
{%- set source_casts = [] -%}
{%- for column in rfm_lifecycle.rfm_source_order_columns() -%}
{%- do source_casts.append('cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ') as ' ~ column) -%}
{%- endfor %}

with

rejected_rows as (

    select * from {{ ref('int_order_rows_rejected') }}

),

final as (

    select
        cast(rejection_reason as {{ dbt.type_string() }}) as rejection_reason,
        {{ source_casts | join(',\n        ') }}

    from rejected_rows

)

select * from final
