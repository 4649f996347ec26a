{#- The orders are read through rfm_input_relation (a file or the source table); naming the source
    here keeps it upstream in the lineage either way, so freshness and orchestration see the link. -#}
{%- do source('rfm_lifecycle', 'orders') -%}
{%- do rfm_lifecycle.rfm_input_settings() -%}
{%- set orders_relation = rfm_lifecycle.rfm_input_relation('orders') -%}
{%- set columns = rfm_lifecycle.rfm_input_columns(
    'orders', orders_relation,
    required=['order_id', 'customer_id', 'order_date', 'amount'],
    optional=['status', 'margin', 'line_id'],
) -%}
{%- set source_columns = [] -%}
{%- for key in ['order_id', 'customer_id', 'order_date', 'amount', 'status', 'margin', 'line_id'] -%}
    {%- do source_columns.append(
        'cast(' ~ (columns[key] or 'null') ~ ' as ' ~ dbt.type_string() ~ ') as source_' ~ key) -%}
{%- endfor %}

with

source as (

    select * from {{ orders_relation }}

),

renamed as (

    -- Original values as text, so a rejected row can be shown exactly as it arrived.
    select
        {{ source_columns | join(',\n        ') }}

    from source

),

trimmed as (

    -- Each value trimmed once: the checks and casts below all read the trimmed text.
    select
        source_order_id,
        source_customer_id,
        source_order_date,
        source_amount,
        source_status,
        source_margin,
        source_line_id,
        nullif({{ rfm_lifecycle.rfm_trim('source_order_id') }}, '') as order_id,
        nullif({{ rfm_lifecycle.rfm_trim('source_customer_id') }}, '') as customer_id_text,
        nullif({{ rfm_lifecycle.rfm_trim('source_order_date') }}, '') as order_date_text,
        nullif({{ rfm_lifecycle.rfm_trim('source_amount') }}, '') as amount_text,
        nullif({{ rfm_lifecycle.rfm_trim('source_status') }}, '') as status_text,
        nullif({{ rfm_lifecycle.rfm_trim('source_margin') }}, '') as margin_text,
        nullif({{ rfm_lifecycle.rfm_trim('source_line_id') }}, '') as line_id

    from renamed

),

cleaned as (

    select
        source_order_id,
        source_customer_id,
        source_order_date,
        source_amount,
        source_status,
        source_margin,
        source_line_id,
        order_id,
        {{ rfm_lifecycle.rfm_folded_customer_id('customer_id_text') }} as customer_id,
        order_date_text,
        {{ rfm_lifecycle.rfm_try_cast_date('order_date_text') }} as order_date,
        amount_text is not null as has_amount_text,
        {{ rfm_lifecycle.rfm_try_cast_amount('amount_text') }} as amount,
        lower(status_text) as status,
        margin_text is not null as has_margin_text,
        {{ rfm_lifecycle.rfm_try_cast_amount('margin_text') }} as margin,
        line_id

    from trimmed

)

select * from cleaned
