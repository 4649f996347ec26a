{%- set buckets = rfm_lifecycle.rfm_scoring_settings().score_buckets -%}

{#-
    One row per customer per period end: the RFM values, scores and lifecycle
    segment the customer had on that day, with the same rules and thresholds
    as customer_segments (the last period is customer_segments itself).

    A customer's state changes only in periods with a row in
    int_customer_periods_aggregated. Running totals over those rows give the
    state from each changing period up to the next, and a join spreads it over
    the period ends in between, so the work grows with orders and periods, not
    with orders times orders. Recency is counted per period end.

    A plain table, rebuilt on every run: the as-of date moves every day and
    with it every customer's recency, and a correction of any past order
    changes every period after it (DECISIONLOG.md).
-#}

with

customer_periods as (

    select * from {{ ref('int_customer_periods_aggregated') }}

),

periods as (

    select * from {{ ref('int_history_periods') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

run_settings as (

    select max(settings_fingerprint) as settings_fingerprint
    from periods

),

periods_to_build as (

    select * from periods
    where is_reported

),

customer_states as (

    -- The customer's state at the end of a period in which something changed, and just before it.
    select
        customer_id,
        period_end_date as state_start_date,
        orders as orders_in_period,
        window_orders_change,
        refund_records as refund_records_in_period,
        net_amount as revenue_in_period,
        lead(period_end_date) over states_in_order as next_state_start_date,
        row_number() over states_in_order = 1 as is_first_state,
        sum(orders) over up_to_this_state as lifetime_orders,
        sum(window_orders_change) over up_to_this_state as frequency,
        sum(window_monetary_change) over up_to_this_state as monetary,
        sum(net_amount) over up_to_this_state as lifetime_revenue,
        sum(refund_records) over up_to_this_state as refund_records,
        min(first_order_date) over up_to_this_state as first_order_date,
        max(last_order_date) over up_to_this_state as last_order_date,
        coalesce(max(orders_before_tier_window) over up_to_this_state, 0) as orders_before_tier_window,
        min(first_order_date) over before_this_state as previous_first_order_date,
        max(last_order_date) over before_this_state as previous_last_order_date,
        coalesce(max(orders_before_tier_window) over before_this_state, 0) as previous_orders_before_tier_window

    from customer_periods
    window
        states_in_order as (partition by customer_id order by period_end_date asc),
        up_to_this_state as (
            partition by customer_id order by period_end_date asc rows between unbounded preceding and current row
        ),
        before_this_state as (
            partition by customer_id order by period_end_date asc rows between unbounded preceding and 1 preceding
        )

),

state_periods as (

    -- A state holds from its own period end up to the next state's. Only what the scores need, so the sorts stay light.
    select
        customer_states.customer_id,
        customer_states.state_start_date,
        periods_to_build.period_end_date,
        customer_states.lifetime_orders >= 1 as has_orders,
        {{ rfm_lifecycle.rfm_days_between('customer_states.last_order_date', 'periods_to_build.period_end_date') }}
            as recency_days,
        customer_states.frequency,
        customer_states.monetary

    from customer_states
    inner join periods_to_build
        on
            customer_states.state_start_date <= periods_to_build.period_end_date
            and periods_to_build.period_end_date < coalesce(
                customer_states.next_state_start_date, {{ rfm_lifecycle.rfm_date_literal('9999-12-31') }}
            )

),

scored as (

    -- Scores rank the customers with an order at each period end, as customer_segments does on the as-of date.
    select
        customer_id,
        state_start_date,
        period_end_date,
        recency_days,
        case
            when has_orders then
                {{ rfm_lifecycle.rfm_tie_safe_ntile('recency_days desc', buckets, 'period_end_date, has_orders') }}
        end as r_score,
        case
            when has_orders then
                {{ rfm_lifecycle.rfm_tie_safe_ntile('frequency asc', buckets, 'period_end_date, has_orders') }}
        end as f_score,
        case
            when has_orders then
                {{ rfm_lifecycle.rfm_tie_safe_ntile('monetary asc', buckets, 'period_end_date, has_orders') }}
        end as m_score

    from state_periods

),

measured as (

    select
        scored.customer_id,
        scored.period_end_date,
        periods_to_build.previous_period_end_date,
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
        customer_states.is_first_state and scored.period_end_date = customer_states.state_start_date
            as is_first_period,
        customer_states.lifetime_orders - customer_states.orders_before_tier_window as tier_frequency,
        customer_states.refund_records > 0 as has_refunds,
        {{ rfm_lifecycle.rfm_days_between('customer_states.first_order_date', 'customer_states.last_order_date') }}
            as order_span_days,
        -- In the period where the state starts, its changes happened; later periods hold it unchanged.
        case
            when scored.period_end_date = customer_states.state_start_date then customer_states.revenue_in_period
            else 0
        end as revenue_in_period,
        case
            when scored.period_end_date = customer_states.state_start_date
                then customer_states.previous_first_order_date
            else customer_states.first_order_date
        end as previous_first_order_date,
        case
            when scored.period_end_date = customer_states.state_start_date
                then customer_states.previous_last_order_date
            else customer_states.last_order_date
        end as previous_last_order_date,
        customer_states.lifetime_orders
        - case
            when scored.period_end_date = customer_states.state_start_date then customer_states.orders_in_period
            else 0
        end as previous_lifetime_orders,
        customer_states.frequency
        - case
            when scored.period_end_date = customer_states.state_start_date then customer_states.window_orders_change
            else 0
        end as previous_frequency,
        case
            when scored.period_end_date = customer_states.state_start_date
                then customer_states.previous_orders_before_tier_window
            else customer_states.orders_before_tier_window
        end as previous_orders_before_tier_window,
        customer_states.refund_records
        - case
            when scored.period_end_date = customer_states.state_start_date
                then customer_states.refund_records_in_period
            else 0
        end > 0 as previous_has_refunds

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
            'measured.recency_days', 'measured.order_span_days', 'measured.has_refunds', 'thresholds') }}
            as lifecycle_segment,
        case
            when measured.is_first_period then 'none'
            -- The state at the previous period end: before this period's changes, or the same state.
            else {{ rfm_lifecycle.rfm_lifecycle_segment(
                'measured.previous_lifetime_orders',
                'measured.previous_frequency',
                'measured.previous_lifetime_orders - measured.previous_orders_before_tier_window',
                rfm_lifecycle.rfm_days_between('measured.previous_last_order_date', 'measured.previous_period_end_date'),
                rfm_lifecycle.rfm_days_between('measured.previous_first_order_date', 'measured.previous_last_order_date'),
                'measured.previous_has_refunds',
                'thresholds') }}
        end as previous_segment

    from measured
    cross join thresholds

),

final as (

    select
        cast(segmented.period_end_date as date) as period_end_date,
        cast(
            {{ rfm_lifecycle.rfm_add_days('segmented.previous_period_end_date', 1) }} as date
        ) as period_start_date,
        cast(segmented.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(segmented.lifecycle_segment as {{ dbt.type_string() }}) as lifecycle_segment,
        cast(segmented.previous_segment as {{ dbt.type_string() }}) as previous_segment,
        coalesce(
            segmented.previous_segment in ('inactive', 'lost')
            and segmented.lifecycle_segment in ('new', 'regular', 'loyal'),
            false
        ) as is_reactivated,
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
        cast(run_settings.settings_fingerprint as {{ dbt.type_string() }}) as settings_fingerprint

    from segmented
    cross join run_settings

)

select * from final
