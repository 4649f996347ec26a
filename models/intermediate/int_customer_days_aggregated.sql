{%- set settings = rfm_lifecycle.rfm_scoring_settings() -%}
{%- set monetary_column = 'net_margin' if settings.monetary_measure == 'margin' else 'net_amount' -%}

{#-
    One row per customer and day with orders or refunds, up to the as-of
    date: the basis of segment_history and repeat_purchase_curve, which never
    read single orders again.

    orders_before_tier_window counts the customer's orders dated lookback_days
    or more before the day, the ones outside a look-back window that ends on
    it. On an order day, orders so far minus this number is the customer's
    tier frequency as customer_segments defines it. It is found in one pass:
    each order day also leaves the window lookback_days later, and a running
    sum over those departures, in date order, gives the count on every day.
-#}

with

orders as (

    select * from {{ ref('int_orders_netted') }}

),

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

customer_days as (

    select
        orders.customer_id,
        orders.order_date as activity_date,
        sum(case when orders.is_order then 1 else 0 end) as orders,
        sum(case when orders.is_order then 0 else 1 end) as refund_records,
        sum(orders.net_amount) as net_amount,
        sum(orders.{{ monetary_column }}) as monetary_amount

    from orders
    inner join as_of
        on orders.order_date <= as_of.as_of_date
    group by orders.customer_id, orders.order_date

),

tier_window_events as (

    select
        customer_id,
        activity_date as event_date,
        0 as orders_leaving,
        true as is_activity,
        orders,
        refund_records,
        net_amount,
        monetary_amount

    from customer_days

    union all

    select
        customer_days.customer_id,
        {{ rfm_lifecycle.rfm_add_days('customer_days.activity_date', settings.lookback_days) }} as event_date,
        customer_days.orders as orders_leaving,
        false as is_activity,
        null as orders,
        null as refund_records,
        null as net_amount,
        null as monetary_amount

    from customer_days
    cross join as_of
    where
        customer_days.orders > 0
        and {{ rfm_lifecycle.rfm_add_days('customer_days.activity_date', settings.lookback_days) }}
        <= as_of.as_of_date

),

tier_window_swept as (

    select
        customer_id,
        event_date,
        is_activity,
        orders,
        refund_records,
        net_amount,
        monetary_amount,
        -- The frame takes every event of the day (its peers), so departures on the day itself count.
        sum(orders_leaving) over (
            partition by customer_id
            order by event_date asc
            range between unbounded preceding and current row
        ) as orders_before_tier_window

    from tier_window_events

),

final as (

    select
        customer_id,
        event_date as activity_date,
        cast(orders as {{ dbt.type_int() }}) as orders,
        cast(refund_records as {{ dbt.type_int() }}) as refund_records,
        cast(net_amount as decimal(38, 2)) as net_amount,
        cast(monetary_amount as decimal(38, 2)) as monetary_amount,
        cast(
            case when orders > 0 then orders_before_tier_window end as {{ dbt.type_int() }}
        ) as orders_before_tier_window

    from tier_window_swept
    where is_activity

)

select * from final
