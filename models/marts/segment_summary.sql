{#-
    One row per segment of every scheme, also the empty ones, so a report
    always shows every segment: the lifecycle (segment_scheme 'lifecycle',
    every customer) and each RFM scheme of seeds/rfm_segment_rules.csv (the
    scored customers). Revenue at risk is the trailing-period revenue of the
    lifecycle-inactive customers; upgrade potential is customers x conversion
    rate x the gap in mean trailing revenue to the target segment, for the
    lifecycle segments the upgrade assumptions seed names.
-#}

with

customers as (

    select * from {{ ref('int_customer_scheme_segments') }}

),

segments as (

    select * from {{ ref('int_scheme_segments_defined') }}

),

upgrade_assumptions as (

    select * from {{ ref('segment_upgrade_assumptions') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

segment_totals as (

    select
        segment_scheme,
        segment_code,
        count(*) as customers,
        sum(monetary) as revenue,
        sum(trailing_revenue) as trailing_revenue,
        avg(monetary) as avg_monetary,
        avg(recency_days) as avg_recency_days,
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

segment_figures as (

    select
        segments.segment_scheme,
        segments.segment_code,
        segment_totals.avg_monetary,
        segment_totals.avg_recency_days,
        coalesce(segment_totals.customers, 0) as customers,
        coalesce(segment_totals.revenue, 0) as revenue,
        coalesce(segment_totals.trailing_revenue, 0) as trailing_revenue,
        coalesce(segment_totals.revenue_at_risk, 0) as revenue_at_risk,
        coalesce(scheme_totals.total_customers, 0) as total_customers

    from segments
    left join segment_totals
        on
            segments.segment_scheme = segment_totals.segment_scheme
            and segments.segment_code = segment_totals.segment_code
    left join scheme_totals
        on segments.segment_scheme = scheme_totals.segment_scheme

),

upgrades as (

    select
        segment_figures.segment_scheme,
        segment_figures.segment_code,
        nullif(upgrade_assumptions.target_segment, '') as upgrade_target_segment,
        coalesce(upgrade_assumptions.conversion_rate, 0) as upgrade_conversion_rate,
        case
            when target_segments.customers > 0 and segment_figures.customers > 0
                then greatest(
                    0,
                    target_segments.trailing_revenue / target_segments.customers
                    - segment_figures.trailing_revenue / segment_figures.customers
                )
            else 0
        end as revenue_gap_per_customer

    from segment_figures
    -- The assumptions are about lifecycle moves; the RFM schemes have none.
    left join upgrade_assumptions
        on
            segment_figures.segment_scheme = 'lifecycle'
            and segment_figures.segment_code = upgrade_assumptions.segment
    left join segment_figures as target_segments
        on
            segment_figures.segment_scheme = target_segments.segment_scheme
            and upgrade_assumptions.target_segment = target_segments.segment_code

),

final as (

    select
        cast(segments.segment_scheme as {{ dbt.type_string() }}) as segment_scheme,
        cast(segments.segment_code as {{ dbt.type_string() }}) as segment_code,
        cast(segments.segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(segments.segment_order as {{ dbt.type_int() }}) as segment_order,
        segments.is_selected_scheme,
        cast(segment_figures.customers as {{ dbt.type_int() }}) as customers,
        cast(
            case
                when segment_figures.total_customers > 0
                    then {{ rfm_lifecycle.rfm_rounded_ratio(
                        'segment_figures.customers', 'segment_figures.total_customers', 4) }}
                else 0
            end as decimal(18, 4)
        ) as share_of_customers,
        cast(segment_figures.revenue as decimal(38, 2)) as revenue,
        cast(segment_figures.trailing_revenue as decimal(38, 2)) as trailing_revenue,
        cast(round(segment_figures.avg_monetary, 2) as decimal(38, 2)) as avg_monetary,
        cast(round(segment_figures.avg_recency_days, 1) as decimal(18, 1)) as avg_recency_days,
        cast(segment_figures.revenue_at_risk as decimal(38, 2)) as revenue_at_risk,
        cast(upgrades.upgrade_target_segment as {{ dbt.type_string() }}) as upgrade_target_segment,
        cast(upgrades.upgrade_conversion_rate as decimal(18, 4)) as upgrade_conversion_rate,
        cast(
            round(segment_figures.customers * upgrades.upgrade_conversion_rate * upgrades.revenue_gap_per_customer, 2)
            as decimal(38, 2)
        ) as upgrade_potential,
        cast(segments.rule_count as {{ dbt.type_int() }}) as rule_count,
        cast(segments.action_phase as {{ dbt.type_string() }}) as action_phase,
        cast(segments.action_goal as {{ dbt.type_string() }}) as action_goal,
        cast(segments.action_description as {{ dbt.type_string() }}) as action_description,
        cast(segments.action_channel as {{ dbt.type_string() }}) as action_channel,
        cast(segments.action_trigger as {{ dbt.type_string() }}) as action_trigger,
        thresholds.as_of_date

    from segments
    inner join segment_figures
        on
            segments.segment_scheme = segment_figures.segment_scheme
            and segments.segment_code = segment_figures.segment_code
    inner join upgrades
        on
            segments.segment_scheme = upgrades.segment_scheme
            and segments.segment_code = upgrades.segment_code
    cross join thresholds

)

select * from final
