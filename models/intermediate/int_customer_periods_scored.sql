{#-
    A table on Spark: a view's text goes into the Hive metastore, whose Derby
    column holds 32,700 characters, and the cut points make this one longer.
-#}
{{ config(materialized='table' if target.type == 'spark' else 'view') }}
{%- set buckets = rfm_lifecycle.rfm_scoring_settings().score_buckets -%}

{#-
    One row per customer and scored history period end (the reported ones and
    the day before the as-of date): the state in force
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
    where is_reported or is_day_before_as_of

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

ordered_periods as (

    -- Cut points per period end by aggregation, joined back: no window over the customers of a period (issue 18).
    select * from state_periods
    where has_orders

),

recency_cut_points as (

    {{ rfm_lifecycle.rfm_cut_points(
        'ordered_periods', 'recency_days', buckets, group_by=['period_end_date'], descending=true, levels=2) }}

),

frequency_cut_points as (

    {{ rfm_lifecycle.rfm_cut_points('ordered_periods', 'frequency', buckets, group_by=['period_end_date'], levels=2) }}

),

monetary_cut_points as (

    {{ rfm_lifecycle.rfm_cut_points(
        'ordered_periods', rfm_lifecycle.rfm_money_cents('monetary'), buckets, group_by=['period_end_date'], levels=4) }}

),

final as (

    -- Scores rank the customers with an order at each period end, as customer_segments does on the as-of date.
    select
        state_periods.customer_id,
        state_periods.state_start_date,
        state_periods.period_end_date,
        state_periods.recency_days,
        case
            when state_periods.has_orders then
                {{ rfm_lifecycle.rfm_score_from_cut_points(
                    'state_periods.recency_days', 'recency_cut_points', buckets, descending=true) }}
        end as r_score,
        case
            when state_periods.has_orders then
                {{ rfm_lifecycle.rfm_score_from_cut_points(
                    'state_periods.frequency', 'frequency_cut_points', buckets) }}
        end as f_score,
        case
            when state_periods.has_orders then
                {{ rfm_lifecycle.rfm_score_from_cut_points(
                    rfm_lifecycle.rfm_money_cents('state_periods.monetary'), 'monetary_cut_points', buckets) }}
        end as m_score

    from state_periods
    -- A few rows per period end: each a small broadcast side.
    left join recency_cut_points
        on state_periods.period_end_date = recency_cut_points.period_end_date
    left join frequency_cut_points
        on state_periods.period_end_date = frequency_cut_points.period_end_date
    left join monetary_cut_points
        on state_periods.period_end_date = monetary_cut_points.period_end_date

)

select * from final
