{%- if rfm_lifecycle.rfm_customers_source_enabled() -%}
    {%- set customers_relation = rfm_lifecycle.rfm_input_relation('customers') -%}
    {%- set columns = rfm_lifecycle.rfm_input_columns(
        'customers', customers_relation, required=['customer_id'], optional=[]
    ) -%}
{%- endif -%}
{%- set settings = rfm_lifecycle.rfm_settings() -%}

with

{% if rfm_lifecycle.rfm_customers_source_enabled() -%}
source as (

    select * from {{ customers_relation }}

),

renamed as (

    select cast({{ columns.customer_id }} as {{ dbt.type_string() }}) as source_customer_id
    from source

),
{%- else -%}
renamed as (

    -- No customers source configured: no prospects, an empty model keeps the DAG the same.
    select cast(null as {{ dbt.type_string() }}) as source_customer_id
    where 1 = 0

),
{%- endif %}

cleaned as (

    select
        source_customer_id,
        {% if settings.customer_id_case_sensitive -%}
        nullif(trim(source_customer_id), '') as customer_id
        {%- else -%}
        nullif(lower(trim(source_customer_id)), '') as customer_id
        {%- endif %}

    from renamed

)

select * from cleaned
