{{ config(materialized='view') }}

{#-
    One row per segment of every scheme, the empty ones included: its
    customers and their sums and means, and the scheme's customers beside
    them. segment_summary adds the upgrade potential and the action path.
    Means follow the money rule of integer_math.sql: sums first, one rounding.
    A view: one reader, one row per segment.
-#}

with

customers as (

    select * from {{ ref('int_customer_scheme_segments') }}

),

segments as (

    select * from {{ ref('int_scheme_segments_defined') }}

),

segment_totals as (

    select
        segment_scheme,
        segment_code,
        count(*) as customers,
        sum(monetary) as revenue,
        sum(trailing_revenue) as trailing_revenue,
        case
            when count(monetary) > 0
                then {{ rfm_lifecycle.rfm_rounded_money_per('sum(monetary)', 'count(monetary)') }}
        end as avg_monetary,
        case
            when count(recency_days) > 0
                then {{ rfm_lifecycle.rfm_rounded_ratio('sum(recency_days)', 'count(recency_days)', 1) }}
        end as avg_recency_days,
        sum(case when lifecycle_segment = 'inactive' then trailing_revenue else 0 end) as revenue_at_risk

    from customers
    group by segment_scheme, segment_code

),

scheme_totals as (

    select
        segment_scheme,
        count(*) as total_customers

    from customers
    group by segment_scheme

),

final as (

    select
        segments.segment_scheme,
        segments.segment_code,
        -- One scale for every value: PostgreSQL's numeric keeps the scale of whatever was summed (0 for a 0).
        cast(segment_totals.avg_monetary as decimal(38, 2)) as avg_monetary,
        cast(segment_totals.avg_recency_days as decimal(18, 1)) as avg_recency_days,
        cast(coalesce(segment_totals.revenue, 0) as decimal(38, 2)) as revenue,
        cast(coalesce(segment_totals.trailing_revenue, 0) as decimal(38, 2)) as trailing_revenue,
        cast(coalesce(segment_totals.revenue_at_risk, 0) as decimal(38, 2)) as revenue_at_risk,
        coalesce(segment_totals.customers, 0) as customers,
        coalesce(scheme_totals.total_customers, 0) as total_customers

    from segments
    left join segment_totals
        on
            segments.segment_scheme = segment_totals.segment_scheme
            and segments.segment_code = segment_totals.segment_code
    left join scheme_totals
        on segments.segment_scheme = scheme_totals.segment_scheme

)

select * from final
