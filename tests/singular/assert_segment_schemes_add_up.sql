{%- set buckets = rfm_lifecycle.rfm_settings().score_buckets -%}
-- Per scheme, the RFM segments hold every scored customer once, and the per-scheme marts add up to them.
with

scored as (

    select
        count(*) as customer_count,
        coalesce(sum(monetary), 0) as revenue
    from {{ ref('customer_segments') }}
    where r_score is not null

),

schemes as (

    select distinct rfm_scheme
    from {{ ref('int_rfm_segments_defined') }}

),

segmented as (

    select
        rfm_scheme,
        count(*) as customer_count,
        count(distinct customer_id) as distinct_customers
    from {{ ref('int_customers_rfm_segmented') }}
    group by rfm_scheme

),

summary as (

    select
        rfm_scheme,
        sum(customers) as customer_count,
        sum(revenue) as revenue
    from {{ ref('segment_summary_by_scheme') }}
    group by rfm_scheme

),

matrix as (

    select
        rfm_scheme,
        count(*) as cell_count,
        sum(customers) as customer_count,
        sum(revenue) as revenue
    from {{ ref('rf_matrix_by_scheme') }}
    group by rfm_scheme

)

select
    schemes.rfm_scheme,
    scored.customer_count,
    segmented.customer_count as segmented_customers,
    segmented.distinct_customers as segmented_distinct_customers,
    summary.customer_count as summary_customers,
    summary.revenue as summary_revenue,
    matrix.cell_count as matrix_cells,
    matrix.customer_count as matrix_customers,
    matrix.revenue as matrix_revenue
from schemes
cross join scored
left join segmented
    on schemes.rfm_scheme = segmented.rfm_scheme
left join summary
    on schemes.rfm_scheme = summary.rfm_scheme
left join matrix
    on schemes.rfm_scheme = matrix.rfm_scheme
where
    coalesce(segmented.customer_count, 0) <> scored.customer_count
    or coalesce(segmented.distinct_customers, 0) <> scored.customer_count
    or coalesce(summary.customer_count, 0) <> scored.customer_count
    or coalesce(summary.revenue, 0) <> scored.revenue
    or coalesce(matrix.cell_count, 0) <> {{ buckets ** 2 }}
    or coalesce(matrix.customer_count, 0) <> scored.customer_count
    or coalesce(matrix.revenue, 0) <> scored.revenue
