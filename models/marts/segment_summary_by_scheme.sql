{#-
    segment_summary for the RFM segment schemes: one row per segment of every
    scheme in seeds/rfm_segment_rules.csv, also the empty ones. Customers are
    the scored ones (at least one order), so each scheme's rows add up to the
    same total; prospects and refund-only customers have no RFM segment.
-#}

with

customers as (

    select * from {{ ref('customer_segments') }}
    where r_score is not null

),

rfm_customers as (

    select * from {{ ref('int_customers_rfm_segmented') }}

),

segments as (

    select * from {{ ref('int_rfm_segments_defined') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

segment_totals as (

    select
        rfm_customers.rfm_scheme,
        rfm_customers.rfm_segment_code,
        count(*) as customers,
        sum(customers.monetary) as revenue,
        sum(customers.trailing_revenue) as trailing_revenue,
        avg(customers.monetary) as avg_monetary,
        avg(customers.recency_days) as avg_recency_days

    from rfm_customers
    inner join customers
        on rfm_customers.customer_id = customers.customer_id
    group by rfm_customers.rfm_scheme, rfm_customers.rfm_segment_code

),

scored_customers as (

    select count(*) as total_customers
    from customers

),

final as (

    select
        cast(segments.rfm_scheme as {{ dbt.type_string() }}) as rfm_scheme,
        cast(segments.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
        cast(segments.rfm_segment_code as {{ dbt.type_string() }}) as rfm_segment_code,
        cast(segments.segment_order as {{ dbt.type_int() }}) as segment_order,
        segments.is_selected_scheme,
        cast(coalesce(segment_totals.customers, 0) as {{ dbt.type_int() }}) as customers,
        cast(
            case
                when scored_customers.total_customers > 0
                    then {{ rfm_lifecycle.rfm_rounded_ratio(
                        'coalesce(segment_totals.customers, 0)', 'scored_customers.total_customers', 4) }}
                else 0
            end as decimal(18, 4)
        ) as share_of_customers,
        cast(coalesce(segment_totals.revenue, 0) as decimal(38, 2)) as revenue,
        cast(coalesce(segment_totals.trailing_revenue, 0) as decimal(38, 2)) as trailing_revenue,
        cast(round(segment_totals.avg_monetary, 2) as decimal(38, 2)) as avg_monetary,
        cast(round(segment_totals.avg_recency_days, 1) as decimal(18, 1)) as avg_recency_days,
        cast(segments.rule_count as {{ dbt.type_int() }}) as rule_count,
        cast(segments.action_phase as {{ dbt.type_string() }}) as action_phase,
        cast(segments.action_goal as {{ dbt.type_string() }}) as action_goal,
        cast(segments.action_description as {{ dbt.type_string() }}) as action_description,
        cast(segments.action_channel as {{ dbt.type_string() }}) as action_channel,
        cast(segments.action_trigger as {{ dbt.type_string() }}) as action_trigger,
        thresholds.as_of_date

    from segments
    left join segment_totals
        on
            segments.rfm_scheme = segment_totals.rfm_scheme
            and segments.rfm_segment_code = segment_totals.rfm_segment_code
    cross join scored_customers
    cross join thresholds

)

select * from final
