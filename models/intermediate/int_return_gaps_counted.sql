{%- set returns = rfm_lifecycle.rfm_return_settings() -%}
{%- set cap = returns.return_curve_max_orders -%}
{%- set horizon = returns.return_horizon_days -%}
{%- set day_zero = rfm_lifecycle.rfm_date_literal('0001-01-01') -%}
{%- set day_number = rfm_lifecycle.rfm_days_between(day_zero, 'order_gaps.order_date') -%}

{#-
    The gaps between orders, counted per order-count group and length in days:
    the raw material of the Kaplan-Meier curves in return_curves. A gap starts
    at a customer's k-th order (group k, the last group holding
    return_curve_max_orders orders and more) and either
      returned  ends with the next order, gap_days later (0 = the same day), or
      censored  is still open on the as-of date, observed for recency_days days.
    For each return whose return_horizon_days days (the return day included)
    are all observed up to the as-of date: the orders in those days, the
    return included. return_curves turns their mean into the expected orders
    of a customer who comes back.
-#}

with

order_gaps as (

    select * from {{ ref('int_order_gaps') }}

),

customers as (

    select * from {{ ref('int_customers_aggregated') }}
    where lifetime_orders > 0

),

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

orders_numbered as (

    select
        order_gaps.order_number,
        order_gaps.gap_days,
        {{ rfm_lifecycle.rfm_days_between('order_gaps.order_date', 'as_of.as_of_date') }} as days_observed,
        -- The last order within the horizon; order numbers run by day, so the orders from this one
        -- through it are the difference plus one (Spark takes no arithmetic on a named window).
        max(order_gaps.order_number) over horizon_days as last_order_number_in_horizon

    from order_gaps
    cross join as_of
    window horizon_days as (
        partition by order_gaps.customer_id
        order by {{ day_number }} asc
        range between current row and {{ horizon - 1 }} following
    )

),

returns_counted as (

    select
        least(order_number - 1, {{ cap }}) as order_count_group,
        gap_days,
        count(*) as customers_returning,
        0 as customers_censored,
        sum(case when days_observed >= {{ horizon - 1 }} then 1 else 0 end) as returns_observed,
        sum(
            case when days_observed >= {{ horizon - 1 }} then last_order_number_in_horizon - order_number + 1 else 0 end
        ) as orders_after_returns_observed

    from orders_numbered
    where order_number >= 2
    group by least(order_number - 1, {{ cap }}), gap_days

),

censored_counted as (

    select
        least(lifetime_orders, {{ cap }}) as order_count_group,
        recency_days as gap_days,
        0 as customers_returning,
        count(*) as customers_censored,
        0 as returns_observed,
        0 as orders_after_returns_observed

    from customers
    group by least(lifetime_orders, {{ cap }}), recency_days

),

gaps_unioned as (

    select * from returns_counted
    union all
    select * from censored_counted

),

final as (

    select
        cast(order_count_group as {{ dbt.type_int() }}) as order_count_group,
        cast(gap_days as {{ dbt.type_int() }}) as gap_days,
        cast(sum(customers_returning) as {{ dbt.type_bigint() }}) as customers_returning,
        cast(sum(customers_censored) as {{ dbt.type_bigint() }}) as customers_censored,
        cast(sum(returns_observed) as {{ dbt.type_bigint() }}) as returns_observed,
        cast(sum(orders_after_returns_observed) as {{ dbt.type_bigint() }}) as orders_after_returns_observed

    from gaps_unioned
    group by order_count_group, gap_days

)

select * from final
