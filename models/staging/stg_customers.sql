{#- Without a customers source there are no prospects; an empty relation keeps the DAG the same. -#}
{%- set is_enabled = rfm_lifecycle.rfm_customers_source_enabled() -%}
{%- set empty_relation = "(select cast(null as " ~ dbt.type_string() ~ ") as customer_id where 1 = 0) as none_known"
-%}
{%- set customers_relation = rfm_lifecycle.rfm_input_relation('customers') if is_enabled else empty_relation -%}
{%- set columns = rfm_lifecycle.rfm_input_columns(
    'customers', customers_relation, required=['customer_id'], optional=[]
) if is_enabled else {'customer_id': 'customer_id'} -%}

with

source as (

    select * from {{ customers_relation }}

),

renamed as (

    select cast({{ columns.customer_id }} as {{ dbt.type_string() }}) as source_customer_id
    from source

),

cleaned as (

    select
        source_customer_id,
        -- Verbatim as in stg_orders: trimmed, a whole number written as a float without its zero decimals.
        {{ rfm_lifecycle.rfm_cleaned_id("nullif(" ~ rfm_lifecycle.rfm_trim('source_customer_id') ~ ", '')") }}
            as customer_id

    from renamed

)

select * from cleaned
