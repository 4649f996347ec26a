{#-
    The order-rhythm factor (docs/return_probability.md, "Expected orders"),
    written once for the two places that need it: the customers on the as-of
    date (int_customers_order_rhythm) and the customers at each back-test date
    (int_backtest_customers_followed), so the back-test judges the expected
    orders customer_segments gives, not the bare curve.

    `relation` has one row per customer (and per `group_by` key, e.g. the
    back-test date) with an order: return_curve_group, repeat_orders (x),
    tenure_days (T) and curve_expected_millionths (E, null without a curve
    row). Returns those rows with rhythm_billionths and factor_millionths:
        order_rhythm        = X (x + k) / (X T + k D)   repeat orders per day, with X
                              and D the group's sums of x and T, k = order_rhythm_prior_orders
        order_rhythm_factor = order_rhythm x sum(E) / sum(E x order_rhythm)  per group,
    so the group's expected orders keep their total. Factor 1 (1,000,000
    millionths) where the rhythm says nothing: a group under
    order_rhythm_min_customers, no repeat orders in the group, or no days to
    measure. Whole numbers, each ratio rounded half up once (integer_math.sql).
-#}
{% macro rfm_order_rhythm_factors(relation, group_by=[]) -%}
    {%- set returns = rfm_lifecycle.rfm_return_settings() -%}
    {%- set prior = returns.order_rhythm_prior_hundredths -%}
    {%- set min_customers = returns.order_rhythm_min_customers -%}
    {%- set wide = rfm_lifecycle.rfm_wide_integer -%}
    {%- set keys = group_by + ['return_curve_group'] -%}
    {#- Both joins read a customer row as `customers` and a group row as `groups`. -#}
    {%- set same_group -%}
        {%- for key in keys %}{{ ' and ' if not loop.first }}customers.{{ key }} = groups.{{ key }}{% endfor -%}
    {%- endset -%}
    with

    rhythm_groups_summed as (

        select
            {{ keys | join(', ') }},
            count(*) as group_customers,
            sum(repeat_orders) as group_repeat_orders,
            sum(tenure_days) as group_tenure_days

        from {{ relation }}
        group by {{ keys | join(', ') }}

    ),

    rhythm_customers_rated as (

        select
            customers.*,
            case
                when
                    groups.group_customers >= {{ min_customers }}
                    and groups.group_repeat_orders > 0
                    and 100 * groups.group_repeat_orders * customers.tenure_days
                    + {{ prior }} * groups.group_tenure_days > 0
                    then {{ rfm_lifecycle.rfm_rounded_ratio(
                        wide('groups.group_repeat_orders') ~ ' * '
                        ~ wide('100 * customers.repeat_orders + ' ~ prior) ~ ' * 1000000000',
                        wide('100 * groups.group_repeat_orders') ~ ' * ' ~ wide('customers.tenure_days')
                        ~ ' + ' ~ wide(prior ~ ' * groups.group_tenure_days'), 0) }}
            end as rhythm_billionths

        from {{ relation }} as customers
        inner join rhythm_groups_summed as groups
            on {{ same_group }}

    ),

    rhythm_groups_weighted as (

        select
            {{ keys | join(', ') }},
            sum({{ wide('curve_expected_millionths') }}) as expected_millionths_sum,
            sum({{ wide('curve_expected_millionths') }} * {{ wide('rhythm_billionths') }}) as weighted_rhythm_sum

        from rhythm_customers_rated
        where rhythm_billionths is not null and curve_expected_millionths is not null
        group by {{ keys | join(', ') }}

    )

    select
        customers.*,
        case
            when customers.rhythm_billionths is not null and groups.weighted_rhythm_sum > 0
                then {{ rfm_lifecycle.rfm_rounded_ratio(
                    wide('customers.rhythm_billionths') ~ ' * groups.expected_millionths_sum'
                    ~ ' * 1000000', 'groups.weighted_rhythm_sum', 0) }}
            else 1000000
        end as factor_millionths

    from rhythm_customers_rated as customers
    left join rhythm_groups_weighted as groups
        on {{ same_group }}
{%- endmacro %}


{% macro rfm_factored_expected_millionths(curve_expected_millionths, factor_millionths) -%}
    {#- The curve's expected orders times the factor, in millionths, rounded half up once. -#}
    {{ rfm_lifecycle.rfm_rounded_ratio(
        rfm_lifecycle.rfm_wide_integer(curve_expected_millionths) ~ ' * '
        ~ rfm_lifecycle.rfm_wide_integer(factor_millionths), '1000000', 0) }}
{%- endmacro %}
