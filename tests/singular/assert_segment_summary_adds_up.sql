-- segment_summary and rf_matrix add up to customer_segments.
with

customers as (

    select
        count(*) as customer_count,
        coalesce(sum(monetary), 0) as revenue,
        sum(case when r_score is not null then 1 else 0 end) as scored_count
    from {{ ref('customer_segments') }}

),

summary as (

    select
        coalesce(sum(customers), 0) as customer_count,
        coalesce(sum(revenue), 0) as revenue
    from {{ ref('segment_summary') }}

),

matrix as (

    select coalesce(sum(customers), 0) as scored_count
    from {{ ref('rf_matrix') }}

)

select
    customers.customer_count,
    customers.revenue,
    customers.scored_count,
    summary.customer_count as summary_customer_count,
    summary.revenue as summary_revenue,
    matrix.scored_count as matrix_scored_count
from customers
cross join summary
cross join matrix
where
    customers.customer_count <> summary.customer_count
    or customers.revenue <> summary.revenue
    or customers.scored_count <> matrix.scored_count
