-- Every customer with an order has one open gap, censored on the as-of date: per order-count group the
-- censored gaps of return_curves are the customers of customer_segments in that group, on the day of their
-- recency_days. Every order but a customer's first ends a gap: the returning gaps are the orders less the
-- customers. And the curve starts at 1 on day 0 with every gap of the group at risk.
with

customers as (

    select
        return_curve_group as order_count_group,
        recency_days as days_since_last_order,
        count(*) as customers,
        sum(lifetime_orders) as orders
    from {{ ref('customer_segments') }}
    where lifetime_orders > 0
    group by return_curve_group, recency_days

),

curves as (

    select * from {{ ref('return_curves') }}

),

censored_compared as (

    select
        'censored gaps differ from the customers on that day' as problem,
        coalesce(customers.order_count_group, curves.order_count_group) as order_count_group,
        coalesce(customers.days_since_last_order, curves.days_since_last_order) as days_since_last_order
    from customers
    full outer join curves
        on
            customers.order_count_group = curves.order_count_group
            and customers.days_since_last_order = curves.days_since_last_order
    where coalesce(customers.customers, 0) != coalesce(curves.customers_censored, 0)

),

repeat_orders as (

    select sum(orders) - sum(customers) as repeat_orders
    from customers

),

returning_gaps as (

    select coalesce(sum(customers_returning), 0) as returning_gaps
    from curves

),

returns_compared as (

    select
        'returning gaps differ from the orders less the customers' as problem,
        cast(null as {{ dbt.type_int() }}) as order_count_group,
        cast(null as {{ dbt.type_int() }}) as days_since_last_order
    from repeat_orders
    cross join returning_gaps
    where repeat_orders.repeat_orders != returning_gaps.returning_gaps

),

group_gaps as (

    select
        order_count_group,
        sum(customers_returning + customers_censored) as gaps
    from curves
    group by order_count_group

),

starts_compared as (

    select
        'day 0 does not hold every gap of the group at risk' as problem,
        curves.order_count_group,
        curves.days_since_last_order
    from curves
    inner join group_gaps
        on curves.order_count_group = group_gaps.order_count_group
    where
        curves.days_since_last_order = 0
        and curves.customers_at_risk != group_gaps.gaps

)

select * from censored_compared
union all
select * from returns_compared
union all
select * from starts_compared
