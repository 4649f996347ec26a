{%- set buckets = rfm_lifecycle.rfm_scoring_settings().score_buckets -%}
-- Per scheme, segment_summary and rf_matrix add up to customer_segments: the
-- lifecycle holds every customer, each RFM scheme every scored customer once,
-- and every scheme's grid has all N x N cells with every scored customer.
with

customers as (

    select
        count(*) as customer_count,
        coalesce(sum(monetary), 0) as revenue,
        sum(case when r_score is not null then 1 else 0 end) as scored_count,
        coalesce(sum(case when r_score is not null then monetary end), 0) as scored_revenue
    from {{ ref('customer_segments') }}

),

schemes as (

    select distinct segment_scheme
    from {{ ref('int_scheme_segments_defined') }}

),

expected as (

    select
        schemes.segment_scheme,
        customers.scored_count,
        customers.scored_revenue,
        case
            when schemes.segment_scheme = 'lifecycle' then customers.customer_count
            else customers.scored_count
        end as customer_count,
        case
            when schemes.segment_scheme = 'lifecycle' then customers.revenue
            else customers.scored_revenue
        end as revenue
    from schemes
    cross join customers

),

rfm_segmented as (

    select
        rfm_scheme as segment_scheme,
        count(*) as customer_count,
        count(distinct customer_id) as distinct_customers
    from {{ ref('int_customers_rfm_segmented') }}
    group by rfm_scheme

),

summary as (

    select
        segment_scheme,
        sum(customers) as customer_count,
        sum(revenue) as revenue
    from {{ ref('segment_summary') }}
    group by segment_scheme

),

matrix as (

    select
        segment_scheme,
        count(*) as cell_count,
        sum(customers) as customer_count,
        sum(revenue) as revenue
    from {{ ref('rf_matrix') }}
    group by segment_scheme

)

select
    expected.segment_scheme,
    expected.customer_count,
    rfm_segmented.customer_count as rfm_segmented_customers,
    rfm_segmented.distinct_customers as rfm_segmented_distinct_customers,
    summary.customer_count as summary_customers,
    summary.revenue as summary_revenue,
    matrix.cell_count as matrix_cells,
    matrix.customer_count as matrix_customers,
    matrix.revenue as matrix_revenue
from expected
left join rfm_segmented
    on expected.segment_scheme = rfm_segmented.segment_scheme
left join summary
    on expected.segment_scheme = summary.segment_scheme
left join matrix
    on expected.segment_scheme = matrix.segment_scheme
where
    (
        expected.segment_scheme <> 'lifecycle'
        and (
            coalesce(rfm_segmented.customer_count, 0) <> expected.scored_count
            or coalesce(rfm_segmented.distinct_customers, 0) <> expected.scored_count
        )
    )
    or coalesce(summary.customer_count, 0) <> expected.customer_count
    or coalesce(summary.revenue, 0) <> expected.revenue
    or coalesce(matrix.cell_count, 0) <> {{ buckets ** 2 }}
    or coalesce(matrix.customer_count, 0) <> expected.scored_count
    or coalesce(matrix.revenue, 0) <> expected.scored_revenue
