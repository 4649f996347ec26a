{#-
    One row per segment of every scheme, also the empty ones, so a report
    always shows every segment: the lifecycle (segment_scheme 'lifecycle',
    every customer) and each RFM scheme of seeds/rfm_segment_rules.csv (the
    scored customers). The sizes, sums and means per segment, revenue at risk
    included, come from int_scheme_segments_aggregated; this model adds the
    upgrade potential, customers x conversion rate x the gap in mean trailing
    revenue to the target segment, for the lifecycle segments the upgrade
    assumptions seed names, and the action path.

    Money follows the one rule of integer_math.sql: sums first, every ratio
    in whole cents (rfm_money_ratio), rounded once, half away from zero, to
    cents. Upgrade potential, customers x rate x (T / t - S / s) with T and t
    the trailing revenue and customers of the target segment, S and s of this
    one, is, with s cancelled out,
        rate x (T x s - S x t) / t
    in ten-thousandths of the rate and whole cents, so it is exact up to the
    rounding at the end (a decimal division rounded each engine its own way
    and gave 1,983,274.91 on DuckDB, .92 on Spark, of an exact .9110).
-#}

with

segments as (

    select * from {{ ref('int_scheme_segments_defined') }}

),

segment_figures as (

    select * from {{ ref('int_scheme_segments_aggregated') }}

),

upgrade_assumptions as (

    select * from {{ ref('segment_upgrade_assumptions') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

upgrades as (

    select
        segment_figures.segment_scheme,
        segment_figures.segment_code,
        nullif(upgrade_assumptions.target_segment, '') as upgrade_target_segment,
        coalesce(upgrade_assumptions.conversion_rate, 0) as upgrade_conversion_rate,
        case
            when target_segments.customers > 0 and segment_figures.customers > 0
                then
                    {{ rfm_lifecycle.rfm_wide_integer('coalesce(upgrade_assumptions.conversion_rate, 0) * 10000') }}
                    * (
                        {{ rfm_lifecycle.rfm_money_cents('target_segments.trailing_revenue') }}
                        * {{ rfm_lifecycle.rfm_wide_integer('segment_figures.customers') }}
                        - {{ rfm_lifecycle.rfm_money_cents('segment_figures.trailing_revenue') }}
                        * {{ rfm_lifecycle.rfm_wide_integer('target_segments.customers') }}
                    )
        end as upgrade_potential_numerator,
        -- Over the target's customers; x 10000, as the numerator holds ten-thousandths of the rate.
        {{ rfm_lifecycle.rfm_wide_integer('coalesce(target_segments.customers, 0) * 10000') }}
            as upgrade_potential_denominator

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
        -- Money and means come typed from int_scheme_segments_aggregated.
        segment_figures.revenue,
        segment_figures.trailing_revenue,
        segment_figures.avg_monetary,
        segment_figures.avg_recency_days,
        segment_figures.revenue_at_risk,
        cast(upgrades.upgrade_target_segment as {{ dbt.type_string() }}) as upgrade_target_segment,
        cast(upgrades.upgrade_conversion_rate as decimal(18, 4)) as upgrade_conversion_rate,
        cast(
            case
                -- At least 0: a segment worth more than its target has no upgrade potential.
                when upgrades.upgrade_potential_numerator > 0
                    then {{ rfm_lifecycle.rfm_money_ratio(
                        'upgrades.upgrade_potential_numerator', 'upgrades.upgrade_potential_denominator') }}
                else 0
            end as decimal(38, 2)
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
