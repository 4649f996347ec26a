{{ config(materialized='view') }}

{#-
    One row per customer and scheme: every customer in the lifecycle scheme,
    every scored customer in each RFM scheme (prospects and refund-only
    customers have no scores, so no RFM segment), with the measures the
    summary marts add up. A view: two marts read it once each, and a table
    would write every customer once per scheme on each build.
-#}

with

customers as (

    select * from {{ ref('customer_segments') }}

),

rfm_customers as (

    select * from {{ ref('int_customers_rfm_segmented') }}

),

lifecycle_rows as (

    select
        'lifecycle' as segment_scheme,
        customer_id,
        lifecycle_segment as segment_code,
        lifecycle_segment,
        r_score,
        f_score,
        recency_days,
        monetary,
        trailing_revenue

    from customers

),

scheme_rows as (

    select
        rfm_customers.rfm_scheme as segment_scheme,
        customers.customer_id,
        rfm_customers.rfm_segment_code as segment_code,
        customers.lifecycle_segment,
        customers.r_score,
        customers.f_score,
        customers.recency_days,
        customers.monetary,
        customers.trailing_revenue

    from rfm_customers
    inner join customers
        on rfm_customers.customer_id = customers.customer_id

),

final as (

    select * from lifecycle_rows
    union all
    select * from scheme_rows

)

select * from final
