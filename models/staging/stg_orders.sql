{#- The orders are read through rfm_input_relation (a file or the source table); naming the source
    here keeps it upstream in the lineage either way, so freshness and orchestration see the link. -#}
{%- do source('rfm_lifecycle', 'orders') -%}
{%- do rfm_lifecycle.rfm_input_settings() -%}
{%- set orders_relation = rfm_lifecycle.rfm_input_relation('orders') -%}
{%- set columns = rfm_lifecycle.rfm_input_columns(
    'orders', orders_relation,
    required=rfm_lifecycle.rfm_order_columns('required'),
    optional=rfm_lifecycle.rfm_order_columns('optional'),
) -%}
{%- set source_columns = rfm_lifecycle.rfm_source_order_columns() -%}
{#- Decimal and thousands separators and the date format: configured or detected (input_formats). -#}
{%- set formats = rfm_lifecycle.rfm_value_formats('orders', orders_relation, columns) -%}
{#- A timestamp typed with a zone is written as text in orders_time_zone, never in the machine's zone. -#}
{%- set zoned_columns = rfm_lifecycle.rfm_zoned_timestamp_columns(orders_relation) -%}
{%- set time_zone = rfm_lifecycle.rfm_input_settings().time_zone -%}
{%- set source_casts = [] -%}
{%- for column in rfm_lifecycle.rfm_order_columns() -%}
    {%- do source_casts.append(
        (rfm_lifecycle.rfm_zoned_timestamp_text(columns[column], time_zone)
            if columns[column] is not none and columns[column].strip('"`') | lower in zoned_columns
            else 'cast(' ~ (columns[column] or 'null') ~ ' as ' ~ dbt.type_string() ~ ')')
        ~ ' as source_' ~ column) -%}
{%- endfor %}

with

source as (

    select * from {{ orders_relation }}

),

renamed as (

    -- Original values as text, so a rejected row can be shown exactly as it arrived.
    select
        {{ source_casts | join(',\n        ') }}

    from source

),

trimmed as (

    -- Each value trimmed once: the checks and casts below all read the trimmed text.
    select
        {%- for column in source_columns %}
        {{ column }},
        {%- endfor %}
        nullif({{ rfm_lifecycle.rfm_trim('source_order_id') }}, '') as order_id_text,
        nullif({{ rfm_lifecycle.rfm_trim('source_customer_id') }}, '') as customer_id_text,
        nullif({{ rfm_lifecycle.rfm_trim('source_order_date') }}, '') as order_date_text,
        nullif({{ rfm_lifecycle.rfm_trim('source_amount') }}, '') as amount_text,
        nullif({{ rfm_lifecycle.rfm_trim('source_status') }}, '') as status_text,
        nullif({{ rfm_lifecycle.rfm_trim('source_margin') }}, '') as margin_text,
        nullif({{ rfm_lifecycle.rfm_trim('source_line_id') }}, '') as line_id

    from renamed

),

signed as (

    -- The minus first and the currency mark off (12,50- and € (12,50) read as -12,50); unchanged when the
    -- input writes neither. A step of its own: the separators below read the result three times.
    select
        *,
        {{ rfm_lifecycle.rfm_negative_amount('amount_text', formats) }} as amount_signed_text,
        {{ rfm_lifecycle.rfm_negative_amount('margin_text', formats) }} as margin_signed_text

    from trimmed

),

localized as (

    -- Amounts and dates in the plain contract's form (1234.50, 2024-03-05); unchanged when the input uses it.
    select
        *,
        {{ rfm_lifecycle.rfm_localized_date_text('order_date_text', formats) }} as order_date_iso_text,
        {{ rfm_lifecycle.rfm_localized_amount('amount_signed_text', formats) }} as amount_plain_text,
        {{ rfm_lifecycle.rfm_localized_amount('margin_signed_text', formats) }} as margin_plain_text

    from signed

),

cleaned as (

    select
        {%- for column in source_columns %}
        {{ column }},
        {%- endfor %}
        -- Ids verbatim: trimmed, a whole number written as a float without its zero decimals.
        {{ rfm_lifecycle.rfm_cleaned_id('order_id_text') }} as order_id,
        {{ rfm_lifecycle.rfm_cleaned_id('customer_id_text') }} as customer_id,
        order_date_text,
        {{ rfm_lifecycle.rfm_try_cast_date('order_date_iso_text') }} as order_date,
        amount_text is not null as has_amount_text,
        {{ rfm_lifecycle.rfm_try_cast_amount('amount_plain_text') }} as amount,
        {{ rfm_lifecycle.rfm_lower('status_text') }} as status,
        margin_text is not null as has_margin_text,
        {{ rfm_lifecycle.rfm_try_cast_amount('margin_plain_text') }} as margin,
        line_id

    from localized

)

select * from cleaned
