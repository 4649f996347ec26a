{%- set is_needed = rfm_lifecycle.rfm_canonical_customer_ids_needed() -%}

{#-
    With customer_id_case_sensitive false, ids that differ only in case are
    one customer, shown under one spelling the inputs use, never a folded one:
    the spelling that sorts first by code point ('C001' before 'c001') among
    every spelling of that customer in the orders and customers inputs
    (placeholders and ids in scientific notation are no spellings). The rule
    reads values, not row order, so every run and engine picks the same one.
    Ids are matched case-sensitively by default; then nothing needs mapping
    and this table stays empty.
-#}

with

order_ids as (

    select customer_id from {{ ref('stg_orders') }}

),

known_ids as (

    select customer_id from {{ ref('stg_customers') }}

),

spellings as (

    select customer_id from order_ids
    union
    select customer_id from known_ids

),

valid_spellings as (

    select customer_id
    from spellings
    where
        customer_id is not null
        and {{ rfm_lifecycle.rfm_id_rejection_reason('customer_id', 'customer_id') }} is null
        {%- if not is_needed %}
        and 1 = 0
        {%- endif %}

),

final as (

    select
        {{ rfm_lifecycle.rfm_lower('customer_id') }} as customer_key,
        {{ rfm_lifecycle.rfm_code_point_min('customer_id') }} as customer_id

    from valid_spellings
    group by {{ rfm_lifecycle.rfm_lower('customer_id') }}

)

select * from final
