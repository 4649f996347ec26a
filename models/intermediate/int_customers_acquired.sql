{#-
    One row per customer with an order up to the as-of date: when they were
    acquired (first order), their acquisition cohort (the cohort_grain period
    of the first order), the net revenue of the first order day, and the days
    of their second and third orders. Customers with refunds only have no
    first order and no cohort.

    Read from the customer days of the core (one row per customer and day),
    with one running count of orders per customer: the day on which it first
    reaches 1, 2 and 3 is the day of the first, second and third order (two
    orders on one day make that day both), as repeat_purchase_curve and the
    auto new_customer_days count them.
-#}

with

customer_days as (

    select * from {{ ref('int_customer_days_aggregated') }}
    where orders > 0

),

order_days_counted as (

    select
        customer_id,
        activity_date,
        orders,
        net_amount,
        -- One row per customer and day, so the date alone orders them.
        sum(orders) over orders_so_far as orders_so_far

    from customer_days
    window orders_so_far as (
        partition by customer_id order by activity_date asc rows between unbounded preceding and current row
    )

),

per_customer as (

    select
        customer_id,
        min(activity_date) as first_order_date,
        min(case when orders_so_far >= 2 then activity_date end) as second_order_date,
        min(case when orders_so_far >= 3 then activity_date end) as third_order_date,
        -- The first order day is the one whose orders are all the orders so far.
        sum(case when orders_so_far = orders then net_amount else 0 end) as first_order_revenue

    from order_days_counted
    group by customer_id

),

final as (

    select
        customer_id,
        first_order_date,
        second_order_date,
        third_order_date,
        {{ rfm_lifecycle.rfm_days_between('first_order_date', 'second_order_date') }} as days_to_second_order,
        cast(first_order_revenue as decimal(38, 2)) as first_order_revenue,
        {{ rfm_lifecycle.rfm_cohort_period_start('first_order_date') }} as cohort_start_date,
        {{ rfm_lifecycle.rfm_cohort_period_index('first_order_date') }} as cohort_period_index

    from per_customer

)

select * from final
