{#-
    The three phases of the lifecycle per period of segment_history, in plain
    counts that are read from one place each:
      acquisition  first orders and the window repeat share of the cohorts
                   whose new-customer window closed in the period
                   (int_acquisitions_aggregated), prospects converted
                   (segment_transitions)
      development  upgrades between segments (segment_transitions), second and
                   third orders (int_acquisitions_aggregated), the revenue of
                   the moves the upgrade assumptions name (upgrade potential
                   realised)
      retention    repeat customers kept, turned inactive, reactivated, lost
                   (segment_transitions), revenue at risk at the start and the
                   part that came back (int_revenue_at_risk_aggregated)
    and the customers on the period end per phase of their segment's action
    path (segment_trends; welcome counts as acquisition, renewal as retention).
-#}

with

periods as (

    select * from {{ ref('int_history_periods') }}
    where is_reported

),

transitions as (

    select * from {{ ref('segment_transitions') }}

),

trends as (

    select * from {{ ref('segment_trends') }}

),

action_paths as (

    select * from {{ ref('segment_action_paths') }}

),

upgrade_assumptions as (

    select * from {{ ref('segment_upgrade_assumptions') }}

),

acquisitions as (

    select * from {{ ref('int_acquisitions_aggregated') }}

),

revenue_at_risk as (

    select * from {{ ref('int_revenue_at_risk_aggregated') }}

),

moves as (

    select
        transitions.period_end_date,
        {%- for name, condition in [
            ('prospects_converted',
                "transitions.from_segment = 'prospect' and transitions.to_segment not in ('prospect', 'lost')"),
            ('new_to_regular', "transitions.from_segment = 'new' and transitions.to_segment = 'regular'"),
            ('new_to_one_time', "transitions.from_segment = 'new' and transitions.to_segment = 'one_time'"),
            ('one_time_to_regular', "transitions.from_segment = 'one_time' and transitions.to_segment = 'regular'"),
            ('regular_to_loyal', "transitions.from_segment = 'regular' and transitions.to_segment = 'loyal'"),
            ('upgraded_customers', "upgrade_assumptions.segment is not null"),
            ('repeat_customers_kept',
                "transitions.from_segment in ('regular', 'loyal') and transitions.to_segment in ('regular', 'loyal')"),
            ('turned_inactive', "transitions.to_segment = 'inactive' and transitions.from_segment <> 'inactive'"),
            ('reactivated_customers', "transitions.is_reactivation"),
            ('turned_lost', "transitions.to_segment = 'lost' and transitions.from_segment <> 'lost'"),
        ] %}
        sum(case when {{ condition }} then transitions.customers else 0 end) as {{ name }},
        {%- endfor %}
        sum(
            case when upgrade_assumptions.segment is not null then transitions.revenue_in_period else 0 end
        ) as upgrade_revenue_realised,
        sum(case when transitions.is_reactivation then transitions.revenue_in_period else 0 end) as reactivated_revenue

    from transitions
    left join upgrade_assumptions
        on
            transitions.from_segment = upgrade_assumptions.segment
            and transitions.to_segment = upgrade_assumptions.target_segment
    group by transitions.period_end_date

),

phase_sizes as (

    select
        trends.period_end_date,
        sum(
            case when action_paths.phase in ('acquisition', 'welcome') then trends.customers else 0 end
        ) as acquisition_customers,
        sum(case when action_paths.phase = 'development' then trends.customers else 0 end) as development_customers,
        sum(
            case when action_paths.phase in ('retention', 'renewal') then trends.customers else 0 end
        ) as retention_customers

    from trends
    inner join action_paths
        on trends.lifecycle_segment = action_paths.segment
    group by trends.period_end_date

),

final as (

    select
        periods.period_end_date,
        cast({{ rfm_lifecycle.rfm_add_days('periods.previous_period_end_date', 1) }} as date)
            as period_start_date,
        periods.period_number,
        cast(acquisitions.new_customers as {{ dbt.type_int() }}) as new_customers,
        cast(moves.prospects_converted as {{ dbt.type_int() }}) as prospects_converted,
        cast(acquisitions.first_order_revenue as decimal(38, 2)) as first_order_revenue,
        cast(acquisitions.window_closed_cohorts as {{ dbt.type_int() }}) as window_closed_cohorts,
        cast(acquisitions.window_closed_customers as {{ dbt.type_int() }}) as window_closed_customers,
        cast(acquisitions.window_repeat_customers as {{ dbt.type_int() }}) as window_repeat_customers,
        case
            when acquisitions.window_closed_customers > 0
                then {{ rfm_lifecycle.rfm_rounded_ratio(
                    'acquisitions.window_repeat_customers', 'acquisitions.window_closed_customers', 4) }}
        end as window_repeat_share,
        cast(moves.new_to_regular as {{ dbt.type_int() }}) as new_to_regular,
        cast(moves.new_to_one_time as {{ dbt.type_int() }}) as new_to_one_time,
        cast(moves.one_time_to_regular as {{ dbt.type_int() }}) as one_time_to_regular,
        cast(moves.regular_to_loyal as {{ dbt.type_int() }}) as regular_to_loyal,
        cast(acquisitions.second_orders as {{ dbt.type_int() }}) as second_orders,
        cast(acquisitions.third_orders as {{ dbt.type_int() }}) as third_orders,
        cast(moves.upgraded_customers as {{ dbt.type_int() }}) as upgraded_customers,
        cast(moves.upgrade_revenue_realised as decimal(38, 2)) as upgrade_revenue_realised,
        cast(moves.repeat_customers_kept as {{ dbt.type_int() }}) as repeat_customers_kept,
        cast(moves.turned_inactive as {{ dbt.type_int() }}) as turned_inactive,
        cast(moves.reactivated_customers as {{ dbt.type_int() }}) as reactivated_customers,
        cast(moves.reactivated_revenue as decimal(38, 2)) as reactivated_revenue,
        cast(moves.turned_lost as {{ dbt.type_int() }}) as turned_lost,
        cast(coalesce(revenue_at_risk.revenue_at_risk_at_start, 0) as decimal(38, 2)) as revenue_at_risk_at_start,
        cast(coalesce(revenue_at_risk.revenue_at_risk_recovered, 0) as decimal(38, 2)) as revenue_at_risk_recovered,
        cast(coalesce(revenue_at_risk.revenue_at_risk_at_end, 0) as decimal(38, 2)) as revenue_at_risk_at_end,
        cast(phase_sizes.acquisition_customers as {{ dbt.type_int() }}) as acquisition_customers,
        cast(phase_sizes.development_customers as {{ dbt.type_int() }}) as development_customers,
        cast(phase_sizes.retention_customers as {{ dbt.type_int() }}) as retention_customers

    from periods
    inner join moves
        on periods.period_end_date = moves.period_end_date
    -- Only period ends that hold customers, as in segment_trends.
    inner join phase_sizes
        on periods.period_end_date = phase_sizes.period_end_date
    inner join acquisitions
        on periods.period_end_date = acquisitions.period_end_date
    left join revenue_at_risk
        on periods.period_end_date = revenue_at_risk.period_end_date

)

select * from final
