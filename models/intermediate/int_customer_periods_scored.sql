{{ config(materialized='view') }}
{%- set buckets = rfm_lifecycle.rfm_scoring_settings().score_buckets -%}

{#-
    One row per customer and reported history period end: the state in force
    (from int_customer_states_accumulated), its recency on that day and the
    R, F and M scores among the customers with an order at that period end,
    ranked as customer_segments ranks them on the as-of date. A view:
    segment_history reads it once.
-#}

with

customer_states as (

    select * from {{ ref('int_customer_states_accumulated') }}

),

periods_to_build as (

    select * from {{ ref('int_history_periods') }}
    where is_reported

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

final as (

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

)

select * from final
