-- Customers who change segment within the next 7 days if they do not order:
-- the daily campaign list, with the action to take. `dbt compile` renders it for any warehouse.
with

customers as (

    select * from {{ ref('customer_segments') }}

),

final as (

    select
        customer_id,
        lifecycle_segment,
        next_segment_if_no_order,
        next_transition_date,
        days_until_transition,
        action_goal,
        action_channel

    from customers
    where days_until_transition <= 7

)

select * from final
order by next_transition_date asc, customer_id asc
