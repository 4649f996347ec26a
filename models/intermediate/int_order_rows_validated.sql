{{ config(materialized='view') }}
{%- set settings = rfm_lifecycle.rfm_input_settings() -%}
{%- set excluded_statuses = rfm_lifecycle.rfm_sql_string_list(settings.excluded_statuses) -%}

{#-
    The checks one row can fail on its own, in the order they apply; the first
    one that applies is the row's rejection reason. A view: its two readers
    (int_orders_classified and int_order_rows_rejected) each pass over the
    input once, and no copy of every row is ever written.
-#}

with

order_rows as (

    select * from {{ ref('stg_orders') }}

),

validated as (

    select
        *,
        case
            when order_id is null then 'missing order_id'
            when customer_id is null then 'missing customer_id'
            when order_date_text is null then 'missing order_date'
            when order_date is null then 'unparseable order_date'
            when
                order_date < {{ rfm_lifecycle.rfm_date_literal(settings.min_order_date) }}
                or order_date > {{ rfm_lifecycle.rfm_date_literal(settings.max_order_date) }}
                then 'order_date out of range'
            when not has_amount_text then 'missing amount'
            when amount is null then 'unparseable amount'
            when has_margin_text and margin is null then 'unparseable margin'
        end as validation_reason,
        coalesce(status in ({{ excluded_statuses }}), false) as is_excluded_status

    from order_rows

)

select * from validated
