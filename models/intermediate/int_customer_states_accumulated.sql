{#-
    One row per customer and history period in which something changed for
    them: the customer's state at that period end (running totals over their
    rows of int_customer_periods_aggregated) and just before it. The state
    holds up to next_state_start_date; segment_history spreads it over the
    period ends in between.
-#}

with

customer_periods as (

    select * from {{ ref('int_customer_periods_aggregated') }}

),

states as (

    select
        customer_id,
        period_end_date as state_start_date,
        orders as orders_in_period,
        window_orders_change,
        refund_records as refund_records_in_period,
        net_amount as revenue_in_period,
        lead(period_end_date) over states_in_order as next_state_start_date,
        row_number() over states_in_order = 1 as is_first_state,
        sum(orders) over up_to_this_state as lifetime_orders,
        sum(window_orders_change) over up_to_this_state as frequency,
        sum(window_monetary_change) over up_to_this_state as monetary,
        sum(net_amount) over up_to_this_state as lifetime_revenue,
        sum(refund_records) over up_to_this_state as refund_records,
        min(first_order_date) over up_to_this_state as first_order_date,
        max(last_order_date) over up_to_this_state as last_order_date,
        coalesce(max(orders_before_tier_window) over up_to_this_state, 0) as orders_before_tier_window,
        min(first_order_date) over before_this_state as previous_first_order_date,
        max(last_order_date) over before_this_state as previous_last_order_date,
        coalesce(max(orders_before_tier_window) over before_this_state, 0) as previous_orders_before_tier_window

    from customer_periods
    window
        states_in_order as (partition by customer_id order by period_end_date asc),
        up_to_this_state as (
            partition by customer_id order by period_end_date asc rows between unbounded preceding and current row
        ),
        before_this_state as (
            partition by customer_id order by period_end_date asc rows between unbounded preceding and 1 preceding
        )

),

final as (

    -- Each measure at the state's period end, and before that period's changes.
    select
        customer_id,
        state_start_date,
        next_state_start_date,
        is_first_state,
        revenue_in_period,
        lifetime_revenue,
        monetary,
        first_order_date,
        previous_first_order_date,
        last_order_date,
        previous_last_order_date,
        lifetime_orders,
        frequency,
        orders_before_tier_window,
        previous_orders_before_tier_window,
        lifetime_orders - orders_in_period as previous_lifetime_orders,
        frequency - window_orders_change as previous_frequency,
        refund_records > 0 as has_refunds,
        refund_records - refund_records_in_period > 0 as previous_has_refunds

    from states

)

select * from final
