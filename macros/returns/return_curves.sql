{#-
    The Kaplan-Meier return curves (docs/return_probability.md), written once
    for any set of as-of dates. The run's curves (int_return_gaps_counted ->
    int_return_days_estimated -> return_curves) are the special case of one
    date, the as-of date, with per_date false: no date key in any partition,
    group or join, so the daily path runs the same SQL as before. The
    back-test (int_backtest_return_*) passes its dates with per_date true:
    every partition, group and join then also carries as_of_date, and each
    date's curves see only the orders up to it.

    `dates` is a relation (or an aliased subquery) with a column as_of_date.
-#}

{% macro rfm_return_gaps_counted(order_gaps, dates, per_date=false) -%}
{%- set returns = rfm_lifecycle.rfm_return_settings() -%}
{%- set cap = returns.return_curve_max_orders -%}
{%- set horizon = returns.return_horizon_days -%}
{%- set day_zero = rfm_lifecycle.rfm_date_literal('0001-01-01') -%}
{%- set day_number = rfm_lifecycle.rfm_days_between(day_zero, 'order_gaps.order_date') -%}
{%- set date_key = 'dates.as_of_date,' if per_date else '' -%}
{%- set days_observed = rfm_lifecycle.rfm_days_between('orders_numbered.order_date', 'dates.as_of_date') -%}
{%- set as_of_day_number = rfm_lifecycle.rfm_days_between(day_zero, 'dates.as_of_date') -%}
{%- set lag_days = rfm_lifecycle.rfm_days_between('orders_numbered.order_date', 'order_days.order_date') %}

{#-
    The gaps between orders, counted per order-count group and length in days
    (and as-of date with per_date): the raw material of the curves. A gap
    starts at a customer's k-th order (group k, the last group holding
    return_curve_max_orders orders and more) and, seen from an as-of date on
    or after that order, either
      returned  ends with the next order on or before the as-of date, gap_days later (0 = the same day), or
      censored  is still open on the as-of date (the next order, if any, came later), observed that many days.
    And the counts behind the expected orders, as changes per day t (running
    sums in rfm_return_days_estimated): a customer whose gap is t days old has
    had no order through day t; of the group's gaps in that situation, those
    whose next order came in days t + 1 .. t + h (h = return_horizon_days),
    all of them on or before the as-of date, are returns observed from t, and
    their orders in those days (the return, later orders of its day, orders
    within h - 1 days after it) are the orders after them. A gap returning on
    day g >= 1 counts for t from g - h (at least 0) to g - 1, or to the last t
    with t + h on or before the as-of date; an order L days after the gap's
    start from L - h. No order after the as-of date is ever read: the first
    day counts only if its horizon ends by the as-of date.
-#}

with

order_gaps as (

    select * from {{ order_gaps }}

),

dates as (

    select * from {{ dates }}

),

orders_numbered as (

    select
        order_gaps.customer_id,
        order_gaps.order_number,
        order_gaps.order_date,
        order_gaps.gap_days,
        {{ day_number }} as order_day_number,
        -- Order numbers run by day: the orders of the day from this one on are the difference plus one.
        max(order_gaps.order_number) over order_day as last_order_number_on_day,
        lead(order_gaps.order_date) over order_sequence as next_order_date

    from order_gaps
    window
        order_day as (
            partition by order_gaps.customer_id, order_gaps.order_date
        ),
        order_sequence as (
            partition by order_gaps.customer_id
            order by order_gaps.order_number asc
        )

),

order_days as (

    select
        customer_id,
        order_date,
        count(*) as orders_on_day

    from order_gaps
    group by customer_id, order_date

),

returns_followed as (

    -- Each return ending a gap of at least a day (a gap returning on day 0 is never at risk without having
    -- returned) beside the orders it brings at lag_days from the gap's start: the return and the later
    -- orders of its day, then each later day's orders within return_horizon_days - 1 days after it.
    select
        least(order_number - 1, {{ cap }}) as order_count_group,
        order_day_number - gap_days as start_day_number,
        gap_days,
        gap_days as lag_days,
        1 as returns_started,
        last_order_number_on_day - order_number + 1 as orders_started

    from orders_numbered
    where order_number >= 2 and gap_days >= 1

    union all

    select
        least(orders_numbered.order_number - 1, {{ cap }}) as order_count_group,
        orders_numbered.order_day_number - orders_numbered.gap_days as start_day_number,
        orders_numbered.gap_days,
        orders_numbered.gap_days + {{ lag_days }} as lag_days,
        0 as returns_started,
        order_days.orders_on_day as orders_started

    from orders_numbered
    inner join order_days
        on
            orders_numbered.customer_id = order_days.customer_id
            and order_days.order_date > orders_numbered.order_date
            and {{ lag_days }} <= {{ horizon - 1 }}
    where orders_numbered.order_number >= 2 and orders_numbered.gap_days >= 1

),

returns_followed_summed as (

    -- A return at lag L (gap_days = g) of a gap at risk on day t counts for t from L - h (or 0) to g - 1.
    select
        order_count_group,
        start_day_number,
        gap_days,
        greatest(lag_days - {{ horizon }}, 0) as first_day,
        sum(returns_started) as returns_started,
        sum(orders_started) as orders_started

    from returns_followed
    group by order_count_group, start_day_number, gap_days, greatest(lag_days - {{ horizon }}, 0)

),

windows_dated as (

    -- Seen from each as-of date, the days t with a whole horizon (t + 1 .. t + h) observed by it.
    select
        {{ date_key }}
        returns_followed_summed.order_count_group,
        returns_followed_summed.first_day,
        least(
            returns_followed_summed.gap_days - 1,
            {{ as_of_day_number }} - returns_followed_summed.start_day_number - {{ horizon }}
        ) + 1 as end_day,
        returns_followed_summed.returns_started,
        returns_followed_summed.orders_started

    from returns_followed_summed
    inner join dates
        on {{ as_of_day_number }} - returns_followed_summed.start_day_number
            >= returns_followed_summed.first_day + {{ horizon }}

),

windows_counted as (

    -- The windows as changes of the running counts per day: up from the first day, down after the last.
    select
        {{ 'as_of_date,' if per_date else '' }}
        order_count_group,
        first_day as gap_days,
        0 as customers_returning,
        0 as customers_censored,
        returns_started as returns_observed_change,
        orders_started as orders_observed_change

    from windows_dated

    union all

    select
        {{ 'as_of_date,' if per_date else '' }}
        order_count_group,
        end_day as gap_days,
        0 as customers_returning,
        0 as customers_censored,
        -returns_started as returns_observed_change,
        -orders_started as orders_observed_change

    from windows_dated

),

returns_counted as (

    select
        {{ date_key }}
        least(orders_numbered.order_number - 1, {{ cap }}) as order_count_group,
        orders_numbered.gap_days,
        count(*) as customers_returning,
        0 as customers_censored,
        0 as returns_observed_change,
        0 as orders_observed_change

    from orders_numbered
    inner join dates
        on orders_numbered.order_date <= dates.as_of_date
    where orders_numbered.order_number >= 2
    group by {{ date_key }} least(orders_numbered.order_number - 1, {{ cap }}), orders_numbered.gap_days

),

censored_counted as (

    select
        {{ date_key }}
        least(orders_numbered.order_number, {{ cap }}) as order_count_group,
        {{ days_observed }} as gap_days,
        0 as customers_returning,
        count(*) as customers_censored,
        0 as returns_observed_change,
        0 as orders_observed_change

    from orders_numbered
    inner join dates
        on
            orders_numbered.order_date <= dates.as_of_date
            and (orders_numbered.next_order_date is null or orders_numbered.next_order_date > dates.as_of_date)
    group by {{ date_key }} least(orders_numbered.order_number, {{ cap }}), {{ days_observed }}

),

gaps_unioned as (

    select * from returns_counted
    union all
    select * from censored_counted
    union all
    select * from windows_counted

),

final as (

    select
        {% if per_date -%}
        cast(as_of_date as date) as as_of_date,
        {% endif -%}
        cast(order_count_group as {{ dbt.type_int() }}) as order_count_group,
        cast(gap_days as {{ dbt.type_int() }}) as gap_days,
        cast(sum(customers_returning) as {{ dbt.type_bigint() }}) as customers_returning,
        cast(sum(customers_censored) as {{ dbt.type_bigint() }}) as customers_censored,
        cast(sum(returns_observed_change) as {{ dbt.type_bigint() }}) as returns_observed_change,
        cast(sum(orders_observed_change) as {{ dbt.type_bigint() }}) as orders_observed_change

    from gaps_unioned
    group by {{ 'as_of_date,' if per_date else '' }} order_count_group, gap_days

)

select * from final
{%- endmacro %}


{% macro rfm_return_days_estimated(gaps_counted, per_date=false) -%}
{%- set returns = rfm_lifecycle.rfm_return_settings() -%}
{%- set horizon = returns.return_horizon_days -%}
{%- set double = rfm_lifecycle.rfm_type_double() -%}
{%- set key = 'as_of_date, ' if per_date else '' %}

{#-
    The Kaplan-Meier curve of every order-count group (and as-of date with
    per_date), one row per day since the last order, from day 0 to the
    group's reach (its longest gap, returned or still open) plus
    return_horizon_days. Per day t:
      customers_at_risk   gaps not ended before t (returned or censored on t or later)
      survival            S(t) = product over days u <= t of (1 - returning(u) / at_risk(u))
      returns_observed    running sums of rfm_return_gaps_counted's changes: the
      orders_after_...    returns in days t + 1 .. t + h seen whole, and their orders
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

    select * from {{ gaps_counted }}

),

group_totals as (

    select
        {{ key }}order_count_group,
        max(gap_days) as reach_days

    from gaps_counted
    group by {{ key }}order_count_group

),

day_numbers as (

    select generated_number - 1 as day_number
    from ({{ dbt.generate_series(returns.max_curve_days + 1) }}) as series

),

group_days as (

    select
        {{ 'group_totals.as_of_date,' if per_date else '' }}
        group_totals.order_count_group,
        day_numbers.day_number,
        group_totals.reach_days

    from group_totals
    inner join day_numbers
        on day_numbers.day_number <= group_totals.reach_days + {{ horizon }}

),

days_counted as (

    select
        group_days.*,
        coalesce(gaps_counted.customers_returning, 0) as customers_returning,
        coalesce(gaps_counted.customers_censored, 0) as customers_censored,
        coalesce(gaps_counted.returns_observed_change, 0) as returns_observed_change,
        coalesce(gaps_counted.orders_observed_change, 0) as orders_observed_change

    from group_days
    left join gaps_counted
        on
            group_days.order_count_group = gaps_counted.order_count_group
            and group_days.day_number = gaps_counted.gap_days
            {% if per_date -%}
            and group_days.as_of_date = gaps_counted.as_of_date
            {%- endif %}

),

days_at_risk as (

    select
        *,
        sum(customers_returning + customers_censored) over days_from_last as customers_at_risk

    from days_counted
    window days_from_last as (
        partition by {{ key }}order_count_group
        order by day_number desc
        rows between unbounded preceding and current row
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
        sum(returns_observed_change) over days_so_far as returns_observed,
        sum(orders_observed_change) over days_so_far as orders_after_returns_observed,
        max(is_curve_end) over days_so_far as is_past_curve_end

    from days_logged
    window days_so_far as (
        partition by {{ key }}order_count_group
        order by day_number asc
        rows between unbounded preceding and current row
    )

),

final as (

    select
        {% if per_date -%}
        cast(as_of_date as date) as as_of_date,
        {% endif -%}
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
{%- endmacro %}


{% macro rfm_return_curves(curve_days, as_of=none, per_date=false) -%}
{%- set returns = rfm_lifecycle.rfm_return_settings() -%}
{%- set horizon = returns.return_horizon_days -%}
{%- set cap = returns.return_curve_max_orders -%}
{%- set last_label = cap ~ '+' if cap > 1 else cap | string -%}
{%- set key = 'as_of_date, ' if per_date else '' %}

{#-
    One row per order-count group (and as-of date with per_date) and day t
    since the last order: the curve of rfm_return_days_estimated and what a
    customer t days away can expect (h = return_horizon_days), in
    whole-number arithmetic on the rounded survival:
      return_probability          1 - S(t + h) / S(t)
      expected_orders_in_horizon  return_probability x mean_orders_per_return, the mean
                                  orders of the day's observed returns in their horizon
      days_to_even_odds           first k with S(t + k) <= S(t) / 2; empty if none
    Without per_date, as_of is the one-row as-of relation the date comes from.
-#}

with

curve_days as (

    select * from {{ curve_days }}

),

{% if not per_date -%}
as_of as (

    select * from {{ as_of }}

),

{% endif -%}
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
            {% if per_date -%}
            and curve_days.as_of_date = later.as_of_date
            {%- endif %}

),

halving_points as (

    -- Each day as a question (its survival) and as an answer (twice its survival), sorted together.
    select
        {{ key }}order_count_group,
        days_since_last_order,
        survival_millionths as sort_value,
        0 as is_answer

    from curve_days
    where survival_millionths > 0

    union all

    select
        {{ key }}order_count_group,
        days_since_last_order,
        2 * survival_millionths as sort_value,
        1 as is_answer

    from curve_days

),

halving_days as (

    -- The answers after a question are the days whose survival is at most half of it; the first such day.
    select
        {{ key }}order_count_group,
        days_since_last_order,
        is_answer,
        min(case when is_answer = 1 then days_since_last_order end) over answers_after as halving_day

    from halving_points
    window answers_after as (
        partition by {{ key }}order_count_group
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
            {% if per_date -%}
            and days_paired.as_of_date = halving_days.as_of_date
            {%- endif %}

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
        {{ 'days_predicted' if per_date else 'as_of' }}.as_of_date

    from days_predicted
    {% if not per_date -%}
    cross join as_of
    {%- endif %}

)

select * from final
{%- endmacro %}
