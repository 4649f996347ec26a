{%- set settings = rfm_lifecycle.rfm_threshold_settings() -%}
{%- set returns = rfm_lifecycle.rfm_return_settings() -%}
{%- set below = settings.inactive_below_return_probability -%}
{%- set cap = returns.return_curve_max_orders -%}
{#- The label of return_curves: the last group holds its count and more (5+), unless it is group 1. -#}
{%- set last_label = cap ~ '+' if cap > 1 else cap | string -%}

{#-
    The learned diagonal (inactivity_mode 'probability'): one row per
    order-count group of return_curves (1 to return_curve_max_orders, the last
    holding that many orders and more), with the day threshold the group's
    return curve gives.

    The crossing day is the first day since the last order (the smallest
    days_since_last_order) whose return_probability within
    return_horizon_days is below inactive_below_return_probability. The
    customer is inactive (one-time, for group 1) on that day, so the threshold
    in force is the day before it: the last day of the run-up on which every
    day's probability was at or above the var. Never below 1 day, like every
    auto threshold.

    A group whose probability never drops below the var within the curve's
    reach (its curve ends with every gap returned, or the group has no curve)
    falls back to lost_days: nothing in the data says its customers are
    unlikely to come back, so they stay in their active segment until they
    are lost (set_by probability_fallback).

    The curves rest on order counts and days since the last order alone
    (never on a segment or threshold), so the thresholds they define cannot
    feed back into them. Built in every mode; read by the rules only in
    'probability' mode.
-#}

with

curves as (

    select * from {{ ref('return_curves') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

groups as (

    -- A whole number on every engine (a cast to text must read 1, not 1.0).
    select cast(generated_number as {{ dbt.type_int() }}) as order_count_group
    from ({{ dbt.generate_series(cap) }}) as series

),

group_samples as (

    -- The gaps each curve rests on: every one is at risk on day 0.
    select
        order_count_group,
        customers_at_risk as curve_gaps,
        reach_days

    from curves
    where days_since_last_order = 0

),

days_below as (

    select
        order_count_group,
        days_since_last_order,
        return_probability,
        row_number() over first_below as below_rank

    from curves
    where return_probability < {{ below }}
    window first_below as (
        partition by order_count_group
        order by days_since_last_order asc
    )

),

final as (

    select
        cast(groups.order_count_group as {{ dbt.type_int() }}) as order_count_group,
        cast(
            case
                when groups.order_count_group = {{ returns.return_curve_max_orders }}
                    then {{ rfm_lifecycle.rfm_sql_string(last_label) }}
                else cast(groups.order_count_group as {{ dbt.type_string() }})
            end as {{ dbt.type_string() }}
        ) as order_count_label,
        cast(days_below.days_since_last_order as {{ dbt.type_int() }}) as crossing_day,
        cast(days_below.return_probability as decimal(18, 6)) as crossing_return_probability,
        cast(
            case
                when days_below.days_since_last_order is null then thresholds.lost_days
                else greatest(days_below.days_since_last_order - 1, 1)
            end as {{ dbt.type_int() }}
        ) as threshold_days,
        cast(
            case when days_below.days_since_last_order is null then 'probability_fallback' else 'probability' end
            as {{ dbt.type_string() }}
        ) as set_by,
        cast({{ below }} as decimal(18, 6)) as inactive_below_return_probability,
        cast({{ returns.return_horizon_days }} as {{ dbt.type_int() }}) as return_horizon_days,
        cast(coalesce(group_samples.curve_gaps, 0) as {{ dbt.type_int() }}) as curve_gaps,
        cast(group_samples.reach_days as {{ dbt.type_int() }}) as reach_days,
        thresholds.as_of_date

    from groups
    left join group_samples
        on groups.order_count_group = group_samples.order_count_group
    left join days_below
        on
            groups.order_count_group = days_below.order_count_group
            and days_below.below_rank = 1
    cross join thresholds

)

select * from final
