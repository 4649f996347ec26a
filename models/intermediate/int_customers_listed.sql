{{ config(materialized='view') }}
{%- set is_canonical = rfm_lifecycle.rfm_canonical_customer_ids_needed() -%}
{%- set canonical_ids_relation = ref('int_customer_ids_canonicalized') -%}
{%- set customer_id_expression = 'coalesce(canonical_ids.customer_id, valid_customers.customer_id)'
    if is_canonical else 'valid_customers.customer_id' -%}

{#-
    The known customers of the customers input, one row each, under the id the
    marts show: verbatim, or, with case-insensitive matching, the customer's
    canonical spelling. Placeholders and ids in scientific notation are no
    customers and are left out.
-#}

with

customers as (

    select * from {{ ref('stg_customers') }}

),
{%- if is_canonical %}

canonical_ids as (

    select * from {{ canonical_ids_relation }}

),
{%- endif %}

valid_customers as (

    select customer_id
    from customers
    where
        customer_id is not null
        and {{ rfm_lifecycle.rfm_id_rejection_reason('customer_id', 'customer_id') }} is null

),

final as (

    select distinct {{ customer_id_expression }} as customer_id
    from valid_customers
    {%- if is_canonical %}
    left join canonical_ids
        on {{ rfm_lifecycle.rfm_lower('valid_customers.customer_id') }} = canonical_ids.customer_key
    {%- endif %}

)

select * from final
