{%- set returns = rfm_lifecycle.rfm_return_settings() -%}
{%- set horizon = returns.return_horizon_days -%}
{%- set cap = returns.return_curve_max_orders -%}
{%- set last_label = cap ~ '+' if cap > 1 else cap | string -%}

{#-
    Will they come back? One row per order-count group and day t since the
    last order (docs/return_probability.md): the Kaplan-Meier curve of
    int_return_days_estimated and what a customer t days away can expect (h =
    return_horizon_days), in whole-number arithmetic on the rounded survival:
      return_probability          1 - S(t + h) / S(t)
      expected_orders_in_horizon  return_probability x mean_orders_per_return
      days_to_even_odds           first k with S(t + k) <= S(t) / 2; empty if none
-#}

with

curve_days as (

    select * from {{ ref('int_return_days_estimated') }}

),

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

days_paired as (

    -- Each day beside the day a horizon later (always present: the curve runs to its reach plus the horizon).
    select
        curve_days.*,
        later.survival_millionths as horizon_survival_millionths

    from curve_days
    left join curve_days as later
        on
            curve_days.order_count_group = later.order_count_group
            and curve_days.days_since_last_order + {{ horizon }} = later.days_since_last_order

),

halving_points as (

    -- Each day as a question (its survival) and as an answer (twice its survival), sorted together.
    select
        order_count_group,
        days_since_last_order,
        survival_millionths as sort_value,
        0 as is_answer

    from curve_days
    where survival_millionths > 0

    union all

    select
        order_count_group,
        days_since_last_order,
        2 * survival_millionths as sort_value,
        1 as is_answer

    from curve_days

),

halving_days as (

    -- The answers after a question are the days whose survival is at most half of it; the first such day.
    select
        order_count_group,
        days_since_last_order,
        is_answer,
        min(case when is_answer = 1 then days_since_last_order end) over answers_after as halving_day

    from halving_points
    window answers_after as (
        partition by order_count_group
        order by sort_value desc, is_answer asc, days_since_last_order asc
        rows between current row and unbounded following
    )

),

days_predicted as (

    select
        days_paired.*,
        halving_days.halving_day,
        case
            when days_paired.returns_observed > 0
                then {{ rfm_lifecycle.rfm_rounded_ratio(
                    'days_paired.orders_after_returns_observed', 'days_paired.returns_observed', 6) }}
            else 1
        end as mean_orders_per_return,
        case
            when days_paired.survival_millionths > 0
                then {{ rfm_lifecycle.rfm_rounded_ratio(
                    'days_paired.survival_millionths - days_paired.horizon_survival_millionths',
                    'days_paired.survival_millionths', 6) }}
        end as return_probability

    from days_paired
    left join halving_days
        on
            days_paired.order_count_group = halving_days.order_count_group
            and days_paired.days_since_last_order = halving_days.days_since_last_order
            and halving_days.is_answer = 0

),

final as (

    select
        cast(days_predicted.order_count_group as {{ dbt.type_int() }}) as order_count_group,
        cast(case
            when days_predicted.order_count_group = {{ cap }} then {{ rfm_lifecycle.rfm_sql_string(last_label) }}
            else cast(days_predicted.order_count_group as {{ dbt.type_string() }})
        end as {{ dbt.type_string() }}) as order_count_label,
        cast(days_predicted.days_since_last_order as {{ dbt.type_int() }}) as days_since_last_order,
        cast(days_predicted.customers_at_risk as {{ dbt.type_int() }}) as customers_at_risk,
        cast(days_predicted.customers_returning as {{ dbt.type_int() }}) as customers_returning,
        cast(days_predicted.customers_censored as {{ dbt.type_int() }}) as customers_censored,
        cast(
            case
                when days_predicted.customers_at_risk > 0
                    then {{ rfm_lifecycle.rfm_rounded_ratio(
                        'days_predicted.customers_returning', 'days_predicted.customers_at_risk', 6) }}
            end as decimal(18, 6)
        ) as conditional_return_probability,
        cast(days_predicted.survival_millionths * 0.000001 as decimal(18, 6)) as survival,
        cast(days_predicted.return_probability as decimal(18, 6)) as return_probability,
        cast(days_predicted.mean_orders_per_return as decimal(18, 6)) as mean_orders_per_return,
        cast(
            {{ rfm_lifecycle.rfm_rounded_ratio(
                'cast(days_predicted.return_probability * 1000000 as ' ~ dbt.type_bigint() ~ ')'
                ~ ' * cast(days_predicted.mean_orders_per_return * 1000000 as ' ~ dbt.type_bigint() ~ ')',
                '1000000', 0) }} * 0.000001 as decimal(18, 6)
        ) as expected_orders_in_horizon,
        cast(days_predicted.halving_day - days_predicted.days_since_last_order as {{ dbt.type_int() }})
            as days_to_even_odds,
        days_predicted.is_past_reach,
        cast(days_predicted.reach_days as {{ dbt.type_int() }}) as reach_days,
        cast(days_predicted.returns_observed as {{ dbt.type_int() }}) as returns_observed,
        cast(days_predicted.orders_after_returns_observed as {{ dbt.type_int() }}) as orders_after_returns_observed,
        cast({{ horizon }} as {{ dbt.type_int() }}) as return_horizon_days,
        as_of.as_of_date

    from days_predicted
    cross join as_of

)

select * from final
