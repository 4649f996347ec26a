{%- set returns = rfm_lifecycle.rfm_return_settings() -%}
{%- set prior_orders = returns.order_value_prior_orders -%}

{#-
    One row per customer known on the as-of date: the return columns of
    customer_segments, read from return_curves on the row of the customer's
    order-count group and days since the last order (recency_days), the
    expected orders scaled by the customer's rhythm (int_customers_order_rhythm).
    Customers without an order (prospects) get none. Expected revenue is the expected
    orders times a shrunk order value: the customer's net revenue per order,
    with the shop-wide net revenue per order counted as order_value_prior_orders
    extra orders,
        (lifetime_revenue + k x shop mean) / (lifetime_orders + k),
    never below 0, in cents; so one big order does not dominate.

    Money follows the one rule of integer_math.sql: the shrunk order value
    is worked out in whole cents with the shop mean as the exact fraction
    S / N (S the shop's net revenue, N its orders), L and n the customer's,
        (L x N + k x S) / (N x (n + k)),
    and rounded once, half away from zero, to cents. Expected revenue is the
    product of the two shown columns, expected orders (millionths) x shrunk
    order value (cents), in whole numbers, rounded once to cents.
-#}

with

customers as (

    select * from {{ ref('int_customers_aggregated') }}

),

curves as (

    select * from {{ ref('return_curves') }}

),

rhythms as (

    select * from {{ ref('int_customers_order_rhythm') }}

),

shop_order_value as (

    select
        {{ rfm_lifecycle.rfm_money_cents('coalesce(sum(lifetime_revenue), 0)') }} as revenue_cents,
        {{ rfm_lifecycle.rfm_wide_integer('coalesce(sum(lifetime_orders), 0)') }} as orders

    from customers
    where lifetime_orders > 0

),

customers_valued as (

    select
        customers.customer_id,
        customers.lifetime_orders,
        customers.recency_days,
        customers.as_of_date,
        least(customers.lifetime_orders, {{ returns.return_curve_max_orders }}) as return_curve_group,
        case
            when customers.lifetime_orders > 0
                then greatest(
                    {{ rfm_lifecycle.rfm_money_ratio(
                        rfm_lifecycle.rfm_money_cents('customers.lifetime_revenue')
                        ~ ' * shop_order_value.orders + ' ~ prior_orders ~ ' * shop_order_value.revenue_cents',
                        'shop_order_value.orders * ' ~ rfm_lifecycle.rfm_wide_integer(
                            'customers.lifetime_orders + ' ~ prior_orders)) }},
                    0
                )
        end as shrunk_order_value

    from customers
    cross join shop_order_value

),

final as (

    select
        customers_valued.customer_id,
        customers_valued.shrunk_order_value,
        case when customers_valued.lifetime_orders > 0 then customers_valued.return_curve_group end
            as return_curve_group,
        curves.return_probability,
        rhythms.order_rhythm,
        rhythms.order_rhythm_factor,
        rhythms.expected_orders_in_horizon,
        cast(
            {{ rfm_lifecycle.rfm_money_ratio(
                rfm_lifecycle.rfm_wide_integer('rhythms.expected_orders_in_horizon * 1000000')
                ~ ' * ' ~ rfm_lifecycle.rfm_money_cents('customers_valued.shrunk_order_value'),
                '1000000') }}
            as decimal(38, 2)
        ) as expected_revenue_in_horizon,
        {{ rfm_lifecycle.rfm_add_days('customers_valued.as_of_date', 'curves.days_to_even_odds') }}
            as expected_next_order_date

    from customers_valued
    left join curves
        on
            customers_valued.return_curve_group = curves.order_count_group
            and customers_valued.recency_days = curves.days_since_last_order
    left join rhythms
        on customers_valued.customer_id = rhythms.customer_id

)

select * from final
