{{ config(materialized='view') }}
{%- set settings = rfm_lifecycle.rfm_input_settings() -%}
{%- set excluded_statuses = rfm_lifecycle.rfm_sql_string_list(settings.excluded_statuses) -%}
{%- set refund_statuses = rfm_lifecycle.rfm_sql_string_list(settings.refund_statuses) -%}
{%- set is_canonical = rfm_lifecycle.rfm_canonical_customer_ids_needed() -%}
{%- set is_order_grain = settings.amount_grain == 'order' -%}
{%- set status = 'coalesce(order_rows.status, order_statuses.status)' if is_order_grain else 'order_rows.status' -%}
{#- Always a parent, so the DAG does not change with the var; joined only when ids match case-insensitively. -#}
{%- set canonical_ids_relation = ref('int_customer_ids_canonicalized') -%}

{#-
    The checks one row can fail on its own, in the order they apply; the first
    one that applies is the row's rejection reason. A view: its two readers
    (int_orders_classified and int_order_rows_rejected) each pass over the
    input once, and no copy of every row is ever written. With
    customer_id_case_sensitive false, each customer id is replaced by its
    customer's one canonical spelling (int_customer_ids_canonicalized). A row
    whose status is in refund_statuses counts with a negative amount and
    margin. With amount_grain order, the amount is the order's and may be
    left blank on some of its rows (int_orders_classified checks the order
    has one), and so may the status: such a row takes the status its order's
    other rows agree on.
-#}

with

order_rows as (

    select * from {{ ref('stg_orders') }}

),
{%- if is_canonical %}

canonical_ids as (

    select * from {{ canonical_ids_relation }}

),
{%- endif %}
{%- if is_order_grain %}

order_statuses as (

    -- Only an order whose rows write one status passes it on; two statuses leave a blank one blank.
    select
        order_id,
        min(status) as status

    from order_rows
    where order_id is not null and status is not null
    group by order_id
    having min(status) = max(status)

),
{%- endif %}

matched as (

    select
        {%- for column in rfm_lifecycle.rfm_source_order_columns() %}
        order_rows.{{ column }},
        {%- endfor %}
        order_rows.order_id,
        {%- if is_canonical %}
        coalesce(canonical_ids.customer_id, order_rows.customer_id) as customer_id,
        {%- else %}
        order_rows.customer_id,
        {%- endif %}
        order_rows.order_date_text,
        order_rows.order_date,
        order_rows.has_amount_text,
        -- A refund status makes the row a refund, whatever sign the export wrote.
        case
            when {{ status }} in ({{ refund_statuses }}) then -abs(order_rows.amount)
            else order_rows.amount
        end as amount,
        {{ status }} as status,
        order_rows.has_margin_text,
        case
            when {{ status }} in ({{ refund_statuses }}) then -abs(order_rows.margin)
            else order_rows.margin
        end as margin,
        order_rows.line_id,
        {{ rfm_lifecycle.rfm_id_rejection_reason('order_rows.order_id', 'order_id') }} as order_id_problem,
        {{ rfm_lifecycle.rfm_id_rejection_reason('order_rows.customer_id', 'customer_id') }} as customer_id_problem

    from order_rows
    {%- if is_canonical %}
    left join canonical_ids
        on {{ rfm_lifecycle.rfm_lower('order_rows.customer_id') }} = canonical_ids.customer_key
    {%- endif %}
    {%- if is_order_grain %}
    left join order_statuses
        on order_rows.order_id = order_statuses.order_id
    {%- endif %}

),

validated as (

    select
        *,
        case
            when order_id is null then 'missing order_id'
            when order_id_problem is not null then order_id_problem
            when customer_id is null then 'missing customer_id'
            when customer_id_problem is not null then customer_id_problem
            when order_date_text is null then 'missing order_date'
            when order_date is null then 'unparseable order_date'
            when
                order_date < {{ rfm_lifecycle.rfm_date_literal(settings.min_order_date) }}
                or order_date > {{ rfm_lifecycle.rfm_date_literal(settings.max_order_date) }}
                then 'order_date out of range'
            {%- if not is_order_grain %}
            when not has_amount_text then 'missing amount'
            {%- endif %}
            when has_amount_text and amount is null then 'unparseable amount'
            when has_margin_text and margin is null then 'unparseable margin'
        end as validation_reason,
        coalesce(status in ({{ excluded_statuses }}), false) as is_excluded_status

    from matched

)

select * from validated
