{%- set returns = rfm_lifecycle.rfm_return_settings() -%}

{#-
    One row per customer with an order: the expected orders of the customer's
    return_curves row, scaled by the customer's own rhythm
    (docs/return_probability.md, "Expected orders").

    The curve gives everyone in an order-count group and day since the last
    order the same expected orders, but two customers with 3 orders, one in a
    month and one in three years, do not order alike if they come back. With
    x = lifetime_orders - 1 repeat orders over T = days from the first order
    to the as-of date, the rhythm is shrunk toward the group's (X repeat
    orders over D days, summed over the group's customers), the group's
    counting as k = order_rhythm_prior_orders extra repeat orders:
        order_rhythm = (x + k) / (T + k x D / X) = X (x + k) / (X T + k D)  repeat orders per day.
    The factor keeps the group's total: a customer's rhythm over the group's
    rhythm weighted by the curve's expected orders E, so the curves still say
    how many orders the group brings and the rhythm only says who brings them:
        order_rhythm_factor = order_rhythm x sum(E) / sum(E x order_rhythm).
    Factor 1 (the curve's value) where the rhythm says nothing: group 1, where
    x = 0 and T = the days since the only order, already the curve's row; a
    group with fewer than order_rhythm_min_customers customers, whose rhythm
    is too thin a prior; and a rhythm with no days to measure (T = 0 with k = 0).

    Whole numbers throughout (integer_math.sql): k in hundredths, the rhythm in
    billionths, the factor and the expected orders in millionths, each rounded
    half up once; the expected orders are the product of the two shown columns.
-#}

with

customers as (

    select * from {{ ref('int_customers_aggregated') }}
    where lifetime_orders > 0

),

curves as (

    select * from {{ ref('return_curves') }}

),

customers_timed as (

    select
        customers.customer_id,
        least(customers.lifetime_orders, {{ returns.return_curve_max_orders }}) as return_curve_group,
        customers.lifetime_orders - 1 as repeat_orders,
        {{ rfm_lifecycle.rfm_days_between('customers.first_order_date', 'customers.as_of_date') }} as tenure_days,
        cast(curves.expected_orders_in_horizon * 1000000 as {{ dbt.type_bigint() }}) as curve_expected_millionths

    from customers
    left join curves
        on
            least(customers.lifetime_orders, {{ returns.return_curve_max_orders }}) = curves.order_count_group
            and customers.recency_days = curves.days_since_last_order

),

customers_factored as (

    -- The rule lives in macros/returns/order_rhythm.sql, shared with the back-test.
    {{ rfm_lifecycle.rfm_order_rhythm_factors('customers_timed') }}

),

final as (

    select
        customer_id,
        cast(repeat_orders as {{ dbt.type_int() }}) as repeat_orders,
        cast(tenure_days as {{ dbt.type_int() }}) as tenure_days,
        cast(rhythm_billionths * 0.000000001 as decimal(18, 9)) as order_rhythm,
        cast(factor_millionths * 0.000001 as decimal(18, 6)) as order_rhythm_factor,
        cast(curve_expected_millionths * 0.000001 as decimal(18, 6)) as curve_expected_orders,
        cast(
            {{ rfm_lifecycle.rfm_factored_expected_millionths('curve_expected_millionths', 'factor_millionths') }}
            * 0.000001 as decimal(18, 6)
        ) as expected_orders_in_horizon

    from customers_factored

)

select * from final
