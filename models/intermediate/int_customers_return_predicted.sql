{%- set returns = rfm_lifecycle.rfm_return_settings() -%}
{%- set prior_orders = returns.order_value_prior_orders -%}

{#-
    One row per customer known on the as-of date: the return columns of
    customer_segments, read from return_curves on the row of the customer's
    order-count group and days since the last order (recency_days). Customers
    without an order (prospects) get none. Expected revenue is the expected
    orders times a shrunk order value: the customer's net revenue per order,
    with the shop-wide net revenue per order counted as order_value_prior_orders
    extra orders,
        (lifetime_revenue + k x shop mean) / (lifetime_orders + k),
    never below 0, in cents; so one big order does not dominate.

    Expected revenue is the exact decimal product of the two, rounded half
    away from zero to cents once. decimal(18, 6) x decimal(19, 2) is exact on
    every engine: DuckDB widens a product with a factor wider than 18 digits
    to decimal(38, 8), Spark gives decimal(38, 8) without dropping a digit,
    PostgreSQL's numeric is exact. Whole cents times millionths in a bigint
    overflow on large amounts.
-#}

with

customers as (

    select * from {{ ref('int_customers_aggregated') }}

),

curves as (

    select * from {{ ref('return_curves') }}

),

shop_order_value as (

    select
        case
            when sum(lifetime_orders) > 0
                then {{ rfm_lifecycle.rfm_rounded_money_per('sum(lifetime_revenue)', 'sum(lifetime_orders)') }}
            else 0
        end as mean_order_value

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
                    {{ rfm_lifecycle.rfm_rounded_money_per(
                        'customers.lifetime_revenue + ' ~ prior_orders ~ ' * shop_order_value.mean_order_value',
                        'customers.lifetime_orders + ' ~ prior_orders) }},
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
        curves.expected_orders_in_horizon,
        cast(
            round(
                cast(curves.expected_orders_in_horizon as decimal(18, 6))
                * cast(customers_valued.shrunk_order_value as decimal(19, 2)),
                2
            ) as decimal(38, 2)
        ) as expected_revenue_in_horizon,
        {{ rfm_lifecycle.rfm_add_days('customers_valued.as_of_date', 'curves.days_to_even_odds') }}
            as expected_next_order_date

    from customers_valued
    left join curves
        on
            customers_valued.return_curve_group = curves.order_count_group
            and customers_valued.recency_days = curves.days_since_last_order

)

select * from final
