{#-
    One row per customer with a first order up to the as-of date: how long
    they have been observed since it, and the days to their second order
    (0 when two orders fall on the first day, empty without one). The basis
    of the repeat-purchase curve.
-#}

with

customer_days as (

    select * from {{ ref('int_customer_days_aggregated') }}
    where orders > 0

),

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

order_days_numbered as (

    select
        customer_id,
        activity_date,
        orders,
        -- One row per customer and day, so the date alone orders them.
        row_number() over (partition by customer_id order by activity_date asc) as order_day_number

    from customer_days

),

first_orders as (

    select
        customer_id,
        max(case when order_day_number = 1 then activity_date end) as first_order_date,
        max(case when order_day_number = 1 then orders end) as first_day_orders,
        max(case when order_day_number = 2 then activity_date end) as second_order_day

    from order_days_numbered
    where order_day_number <= 2
    group by customer_id

),

final as (

    select
        first_orders.customer_id,
        first_orders.first_order_date,
        {{ rfm_lifecycle.rfm_days_between('first_orders.first_order_date', 'as_of.as_of_date') }} as days_observed,
        case
            when first_orders.first_day_orders >= 2 then 0
            else {{ rfm_lifecycle.rfm_days_between('first_orders.first_order_date', 'first_orders.second_order_day') }}
        end as days_to_second_order

    from first_orders
    cross join as_of

)

select * from final
