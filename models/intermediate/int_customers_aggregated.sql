{%- set settings = rfm_lifecycle.rfm_scoring_settings() -%}
{%- set monetary_column = 'net_margin' if settings.monetary_measure == 'margin' else 'net_amount' -%}

{#- One row per customer known on the as-of date, with the RFM measures. Orders after the as-of date are ignored. -#}

with

orders as (

    select * from {{ ref('int_orders_netted') }}

),

customers as (

    select * from {{ ref('int_customers_listed') }}

),

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

orders_as_of as (

    select
        orders.*,
        as_of.as_of_date,
        orders.order_date >= as_of.window_start_date as is_in_window,
        orders.order_date >= as_of.trailing_start_date as is_in_trailing_period,
        max(case when orders.is_order then orders.order_date end)
            over (partition by orders.customer_id) as customer_last_order_date

    from orders
    inner join as_of
        on orders.order_date <= as_of.as_of_date

),

orders_flagged as (

    select
        *,
        -- Inside the look-back window that ends on the customer's last order: the basis of their tier.
        order_date > {{ rfm_lifecycle.rfm_add_days('customer_last_order_date', -settings.lookback_days) }}
            as is_in_tier_window

    from orders_as_of

),

per_customer as (

    select
        customer_id,
        min(case when is_order then order_date end) as first_order_date,
        max(case when is_order then order_date end) as last_order_date,
        sum(case when is_order then 1 else 0 end) as lifetime_orders,
        sum(net_amount) as lifetime_revenue,
        sum(case when is_order and is_in_window then 1 else 0 end) as frequency,
        sum(case when is_order and is_in_tier_window then 1 else 0 end) as tier_frequency,
        sum(case when is_in_window then {{ monetary_column }} else 0 end) as monetary,
        sum(case when is_in_window then net_amount else 0 end) as window_revenue,
        sum(case when is_in_trailing_period then net_amount else 0 end) as trailing_revenue,
        sum(case when not is_order then 1 else 0 end) as refund_records

    from orders_flagged
    group by customer_id

),

prospects as (

    -- Known customers without any order or refund up to the as-of date.
    select distinct customers.customer_id
    from customers
    left join per_customer
        on customers.customer_id = per_customer.customer_id
    where
        customers.customer_id is not null
        and per_customer.customer_id is null

),

all_customers as (

    select
        customer_id,
        first_order_date,
        last_order_date,
        lifetime_orders,
        lifetime_revenue,
        frequency,
        tier_frequency,
        monetary,
        window_revenue,
        trailing_revenue,
        refund_records

    from per_customer

    union all

    select
        customer_id,
        cast(null as date) as first_order_date,
        cast(null as date) as last_order_date,
        0 as lifetime_orders,
        0 as lifetime_revenue,
        0 as frequency,
        0 as tier_frequency,
        0 as monetary,
        0 as window_revenue,
        0 as trailing_revenue,
        0 as refund_records

    from prospects

),

final as (

    select
        all_customers.customer_id,
        all_customers.first_order_date,
        all_customers.last_order_date,
        {{ rfm_lifecycle.rfm_days_between('all_customers.last_order_date', 'as_of.as_of_date') }} as recency_days,
        cast(all_customers.frequency as {{ dbt.type_int() }}) as frequency,
        cast(all_customers.tier_frequency as {{ dbt.type_int() }}) as tier_frequency,
        cast(all_customers.monetary as decimal(38, 2)) as monetary,
        cast(all_customers.lifetime_orders as {{ dbt.type_int() }}) as lifetime_orders,
        cast(all_customers.lifetime_revenue as decimal(38, 2)) as lifetime_revenue,
        cast(all_customers.window_revenue as decimal(38, 2)) as window_revenue,
        cast(all_customers.trailing_revenue as decimal(38, 2)) as trailing_revenue,
        all_customers.refund_records > 0 as has_refunds,
        {{ rfm_lifecycle.rfm_days_between('all_customers.first_order_date', 'all_customers.last_order_date') }}
            as order_span_days,
        case
            when all_customers.lifetime_orders >= 2 then
                {{ rfm_lifecycle.rfm_rounded_ratio(
                    rfm_lifecycle.rfm_days_between('all_customers.first_order_date', 'all_customers.last_order_date'),
                    'all_customers.lifetime_orders - 1', 1) }}
        end as typical_interval_days,
        as_of.as_of_date

    from all_customers
    cross join as_of

)

select * from final
