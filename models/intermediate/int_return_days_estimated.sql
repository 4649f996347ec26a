{%- set returns = rfm_lifecycle.rfm_return_settings() -%}
{%- set horizon = returns.return_horizon_days -%}
{%- set double = rfm_lifecycle.rfm_type_double() -%}

{#-
    The Kaplan-Meier curve of every order-count group, one row per day since
    the last order, from day 0 to the group's reach (its longest gap, returned
    or still open) plus return_horizon_days. Per day t:
      customers_at_risk   gaps not ended before t (returned or censored on t or later)
      survival            S(t) = product over days u <= t of (1 - returning(u) / at_risk(u))
    The product is a sum of logarithms: each day's ln(1 - returning / at_risk),
    a double, is cut to whole units of 1e-12 before it is summed, so every
    engine sums the same whole numbers (a sum of doubles depends on the order
    an engine adds them in); S(t) is exp of that sum, rounded half up to six
    decimals in whole millionths. A day on which every gap at risk returns
    ends the curve at 0. Past the reach no gap is at risk: nobody was ever
    seen returning that late, so S(t) stays at its last value.
-#}

with

gaps_counted as (

    select * from {{ ref('int_return_gaps_counted') }}

),

group_totals as (

    select
        order_count_group,
        max(gap_days) as reach_days,
        sum(returns_observed) as returns_observed,
        sum(orders_after_returns_observed) as orders_after_returns_observed

    from gaps_counted
    group by order_count_group

),

day_numbers as (

    select generated_number - 1 as day_number
    from ({{ dbt.generate_series(returns.max_curve_days + 1) }}) as series

),

group_days as (

    select
        group_totals.order_count_group,
        day_numbers.day_number,
        group_totals.reach_days,
        group_totals.returns_observed,
        group_totals.orders_after_returns_observed

    from group_totals
    inner join day_numbers
        on day_numbers.day_number <= group_totals.reach_days + {{ horizon }}

),

days_counted as (

    select
        group_days.*,
        coalesce(gaps_counted.customers_returning, 0) as customers_returning,
        coalesce(gaps_counted.customers_censored, 0) as customers_censored

    from group_days
    left join gaps_counted
        on
            group_days.order_count_group = gaps_counted.order_count_group
            and group_days.day_number = gaps_counted.gap_days

),

days_at_risk as (

    select
        *,
        sum(customers_returning + customers_censored) over days_from_last as customers_at_risk

    from days_counted
    window days_from_last as (
        partition by order_count_group order by day_number desc rows between unbounded preceding and current row
    )

),

days_logged as (

    select
        *,
        case
            when customers_returning = 0 or customers_returning = customers_at_risk then 0
            else cast(floor(
                ln(
                    cast(customers_at_risk - customers_returning as {{ double }})
                    / cast(customers_at_risk as {{ double }})
                ) * 1000000000000 + 0.5
            ) as {{ dbt.type_bigint() }})
        end as log_survival_step,
        case when customers_returning > 0 and customers_returning = customers_at_risk then 1 else 0 end
            as is_curve_end

    from days_at_risk

),

days_survived as (

    select
        *,
        sum(log_survival_step) over days_so_far as log_survival,
        max(is_curve_end) over days_so_far as is_past_curve_end

    from days_logged
    window days_so_far as (
        partition by order_count_group order by day_number asc rows between unbounded preceding and current row
    )

),

final as (

    select
        cast(order_count_group as {{ dbt.type_int() }}) as order_count_group,
        cast(day_number as {{ dbt.type_int() }}) as days_since_last_order,
        cast(customers_at_risk as {{ dbt.type_bigint() }}) as customers_at_risk,
        cast(customers_returning as {{ dbt.type_bigint() }}) as customers_returning,
        cast(customers_censored as {{ dbt.type_bigint() }}) as customers_censored,
        cast(log_survival as {{ dbt.type_bigint() }}) as log_survival,
        cast(
            case
                when is_past_curve_end = 1 then 0
                else floor(exp(cast(log_survival as {{ double }}) / 1000000000000) * 1000000 + 0.5)
            end as {{ dbt.type_bigint() }}
        ) as survival_millionths,
        day_number > reach_days as is_past_reach,
        cast(reach_days as {{ dbt.type_int() }}) as reach_days,
        cast(returns_observed as {{ dbt.type_bigint() }}) as returns_observed,
        cast(orders_after_returns_observed as {{ dbt.type_bigint() }}) as orders_after_returns_observed

    from days_survived

)

select * from final
