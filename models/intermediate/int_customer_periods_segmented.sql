{%- set cap = rfm_lifecycle.rfm_return_settings().return_curve_max_orders -%}
{%- set previous_values = [] -%}
{%- for measure in ['first_order_date', 'last_order_date', 'lifetime_orders', 'frequency',
                    'orders_before_tier_window', 'has_refunds'] -%}
    {%- do previous_values.append(
        'case when scored.period_end_date = customer_states.state_start_date then customer_states.previous_' ~ measure
        ~ ' else customer_states.' ~ measure ~ ' end as previous_' ~ measure) -%}
{%- endfor %}

{#-
    One row per customer per scored period end (segment_history's, and the day
    before the as-of date when it is not one of them): the RFM values, scores
    and lifecycle segment the customer had on that day, with the same rules and
    thresholds as customer_segments (the last period is customer_segments
    itself), and the segment at the scored period end before. segment_history
    folds the day before the as-of date into the last period; segment_changes
    keeps it, so the as-of date's changes are that day's.

    A customer's state changes only in periods with a row in
    int_customer_periods_aggregated; int_customer_states_accumulated holds
    the state from each changing period up to the next, and a join here
    spreads it over the period ends in between, so the work grows with orders
    and periods, not with orders times orders. Recency is counted per period
    end. Every period end uses the run's thresholds, learned on the as-of date
    where learned; in probability mode the learned threshold of the order
    count the customer had at that period end.

    A plain table, rebuilt on every run: the as-of date moves every day and
    with it every customer's recency, and a correction of any past order
    changes every period after it (DECISIONLOG.md). Read by segment_history
    and segment_changes.
-#}

with

customer_states as (

    select * from {{ ref('int_customer_states_accumulated') }}

),

periods as (

    select * from {{ ref('int_history_periods') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

learned as (

    select * from {{ ref('int_lifecycle_thresholds_learned') }}

),

run_settings as (

    select max(settings_fingerprint) as settings_fingerprint
    from periods

),

periods_to_build as (

    select * from periods
    where is_reported or is_day_before_as_of

),

scored as (

    select * from {{ ref('int_customer_periods_scored') }}

),

measured as (

    -- In the period where a state starts, its changes happened: the previous period end saw the state before them.
    select
        scored.customer_id,
        scored.period_end_date,
        periods_to_build.previous_state_end_date,
        periods_to_build.is_day_before_as_of,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        customer_states.first_order_date,
        customer_states.last_order_date,
        scored.recency_days,
        customer_states.frequency,
        customer_states.monetary,
        customer_states.lifetime_orders,
        customer_states.lifetime_revenue,
        customer_states.has_refunds,
        customer_states.lifetime_orders - customer_states.orders_before_tier_window as tier_frequency,
        {{ rfm_lifecycle.rfm_days_between('customer_states.first_order_date', 'customer_states.last_order_date') }}
            as order_span_days,
        customer_states.is_first_state and scored.period_end_date = customer_states.state_start_date
            as is_first_period,
        case
            when scored.period_end_date = customer_states.state_start_date then customer_states.revenue_in_period
            else 0
        end as revenue_in_period,
        {{ previous_values | join(',\n        ') }}

    from scored
    inner join customer_states
        on
            scored.customer_id = customer_states.customer_id
            and scored.state_start_date = customer_states.state_start_date
    inner join periods_to_build
        on scored.period_end_date = periods_to_build.period_end_date

),

segmented as (

    select
        measured.*,
        {{ rfm_lifecycle.rfm_lifecycle_segment(
            'measured.lifetime_orders', 'measured.frequency', 'measured.tier_frequency',
            'measured.recency_days', 'measured.order_span_days', 'measured.has_refunds', 'thresholds',
            'learned.threshold_days') }} as lifecycle_segment,
        case
            when measured.is_first_period then 'none'
            -- The state at the previous period end: before this period's changes, or the same state.
            else {{ rfm_lifecycle.rfm_lifecycle_segment(
                'measured.previous_lifetime_orders',
                'measured.previous_frequency',
                'measured.previous_lifetime_orders - measured.previous_orders_before_tier_window',
                rfm_lifecycle.rfm_days_between('measured.previous_last_order_date', 'measured.previous_state_end_date'),
                rfm_lifecycle.rfm_days_between('measured.previous_first_order_date', 'measured.previous_last_order_date'),
                'measured.previous_has_refunds',
                'thresholds',
                'previous_learned.threshold_days') }}
        end as previous_segment

    from measured
    cross join thresholds
    left join learned
        on least(measured.lifetime_orders, {{ cap }}) = learned.order_count_group
    left join learned as previous_learned
        on least(measured.previous_lifetime_orders, {{ cap }}) = previous_learned.order_count_group

),

final as (

    select
        cast(segmented.period_end_date as date) as period_end_date,
        cast(
            {{ rfm_lifecycle.rfm_add_days('segmented.previous_state_end_date', 1) }} as date
        ) as period_start_date,
        cast(segmented.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(segmented.lifecycle_segment as {{ dbt.type_string() }}) as lifecycle_segment,
        cast(segmented.previous_segment as {{ dbt.type_string() }}) as previous_segment,
        {{ rfm_lifecycle.rfm_is_reactivation('segmented.previous_segment', 'segmented.lifecycle_segment') }}
            as is_reactivated,
        cast(segmented.recency_days as {{ dbt.type_int() }}) as recency_days,
        cast(segmented.frequency as {{ dbt.type_int() }}) as frequency,
        cast(segmented.monetary as decimal(38, 2)) as monetary,
        cast(segmented.r_score as {{ dbt.type_int() }}) as r_score,
        cast(segmented.f_score as {{ dbt.type_int() }}) as f_score,
        cast(segmented.m_score as {{ dbt.type_int() }}) as m_score,
        cast(segmented.revenue_in_period as decimal(38, 2)) as revenue_in_period,
        segmented.first_order_date,
        segmented.last_order_date,
        cast(segmented.tier_frequency as {{ dbt.type_int() }}) as tier_frequency,
        cast(segmented.lifetime_orders as {{ dbt.type_int() }}) as lifetime_orders,
        cast(segmented.lifetime_revenue as decimal(38, 2)) as lifetime_revenue,
        segmented.has_refunds,
        cast(run_settings.settings_fingerprint as {{ dbt.type_string() }}) as settings_fingerprint,
        segmented.is_day_before_as_of

    from segmented
    cross join run_settings

)

select * from final
