{#-
    One row per lifecycle segment, also the empty ones, so a report always
    shows all seven. Revenue at risk is the trailing-period revenue of the
    inactive customers; upgrade potential is customers x conversion rate x the
    gap in mean trailing revenue to the target segment.
-#}

with

customers as (

    select * from {{ ref('customer_segments') }}

),

action_paths as (

    select * from {{ ref('segment_action_paths') }}

),

upgrade_assumptions as (

    select * from {{ ref('segment_upgrade_assumptions') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

segment_totals as (

    select
        lifecycle_segment,
        count(*) as customers,
        sum(monetary) as revenue,
        sum(trailing_revenue) as trailing_revenue,
        avg(monetary) as avg_monetary,
        avg(recency_days) as avg_recency_days,
        sum(case when lifecycle_segment = 'inactive' then trailing_revenue else 0 end) as revenue_at_risk

    from customers
    group by lifecycle_segment

),

all_customers as (

    select count(*) as total_customers
    from customers

),

segments as (

    select
        action_paths.segment as lifecycle_segment,
        action_paths.segment_order,
        action_paths.phase,
        action_paths.goal,
        action_paths.action,
        action_paths.channel,
        action_paths.trigger,
        segment_totals.avg_monetary,
        segment_totals.avg_recency_days,
        coalesce(segment_totals.customers, 0) as customers,
        coalesce(segment_totals.revenue, 0) as revenue,
        coalesce(segment_totals.trailing_revenue, 0) as trailing_revenue,
        coalesce(segment_totals.revenue_at_risk, 0) as revenue_at_risk

    from action_paths
    left join segment_totals
        on action_paths.segment = segment_totals.lifecycle_segment

),

upgrades as (

    select
        segments.lifecycle_segment,
        nullif(upgrade_assumptions.target_segment, '') as upgrade_target_segment,
        coalesce(upgrade_assumptions.conversion_rate, 0) as upgrade_conversion_rate,
        case
            when target_segments.customers > 0 and segments.customers > 0
                then greatest(
                    0,
                    target_segments.trailing_revenue / target_segments.customers
                    - segments.trailing_revenue / segments.customers
                )
            else 0
        end as revenue_gap_per_customer

    from segments
    left join upgrade_assumptions
        on segments.lifecycle_segment = upgrade_assumptions.segment
    left join segments as target_segments
        on upgrade_assumptions.target_segment = target_segments.lifecycle_segment

),

final as (

    select
        cast(segments.lifecycle_segment as {{ dbt.type_string() }}) as lifecycle_segment,
        cast(segments.segment_order as {{ dbt.type_int() }}) as segment_order,
        cast(segments.customers as {{ dbt.type_int() }}) as customers,
        cast(
            case
                when all_customers.total_customers > 0
                    then {{ rfm_lifecycle.rfm_rounded_ratio('segments.customers', 'all_customers.total_customers', 4) }}
                else 0
            end as decimal(18, 4)
        ) as share_of_customers,
        cast(segments.revenue as decimal(38, 2)) as revenue,
        cast(segments.trailing_revenue as decimal(38, 2)) as trailing_revenue,
        cast(round(segments.avg_monetary, 2) as decimal(38, 2)) as avg_monetary,
        cast(round(segments.avg_recency_days, 1) as decimal(18, 1)) as avg_recency_days,
        cast(segments.revenue_at_risk as decimal(38, 2)) as revenue_at_risk,
        cast(upgrades.upgrade_target_segment as {{ dbt.type_string() }}) as upgrade_target_segment,
        cast(upgrades.upgrade_conversion_rate as decimal(18, 4)) as upgrade_conversion_rate,
        cast(
            round(segments.customers * upgrades.upgrade_conversion_rate * upgrades.revenue_gap_per_customer, 2)
            as decimal(38, 2)
        ) as upgrade_potential,
        cast(segments.phase as {{ dbt.type_string() }}) as action_phase,
        cast(segments.goal as {{ dbt.type_string() }}) as action_goal,
        cast(segments.action as {{ dbt.type_string() }}) as action_description,
        cast(segments.channel as {{ dbt.type_string() }}) as action_channel,
        cast(segments.trigger as {{ dbt.type_string() }}) as action_trigger,
        thresholds.as_of_date

    from segments
    inner join upgrades
        on segments.lifecycle_segment = upgrades.lifecycle_segment
    cross join all_customers
    cross join thresholds

)

select * from final
