-- Every customer with an order or refund up to the as-of date, and every known prospect, appears exactly once.
with

expected as (

    select orders.customer_id
    from {{ ref('int_orders_netted') }} as orders
    inner join {{ ref('int_as_of_dates_resolved') }} as as_of
        on orders.order_date <= as_of.as_of_date

    union

    select customer_id
    from {{ ref('int_customers_listed') }}
    where customer_id is not null

),

segmented as (

    select
        customer_id,
        count(*) as occurrences
    from {{ ref('customer_segments') }}
    group by customer_id

)

select
    segmented.occurrences,
    coalesce(expected.customer_id, segmented.customer_id) as customer_id
from expected
full outer join segmented
    on expected.customer_id = segmented.customer_id
where
    expected.customer_id is null
    or segmented.customer_id is null
    or segmented.occurrences <> 1
