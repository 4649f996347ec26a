{%- set cap = rfm_lifecycle.rfm_return_settings().return_curve_max_orders -%}

{#-
    The lifecycle segment on the as-of date per customer, with what
    int_customers_segmented needs to find the next transition: the thresholds
    in force for the customer and the day the window empties. In probability
    mode the thresholds of new and inactive are the learned threshold of the
    customer's order-count group (int_lifecycle_thresholds_learned).
-#}

with

customers as (

    select * from {{ ref('int_customers_aggregated') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

learned as (

    select * from {{ ref('int_lifecycle_thresholds_learned') }}

),

final as (

    select
        customers.*,
        learned.threshold_days as learned_threshold_days,
        {{ rfm_lifecycle.rfm_frequency_tier(
            'customers.lifetime_orders', 'customers.tier_frequency', 'thresholds') }} as frequency_tier,
        {{ rfm_lifecycle.rfm_inactivity_threshold_days(
            'customers.lifetime_orders', 'customers.tier_frequency', 'customers.order_span_days', 'thresholds',
            'learned.threshold_days') }} as inactivity_threshold_days,
        {{ rfm_lifecycle.rfm_lifecycle_segment(
            'customers.lifetime_orders', 'customers.frequency', 'customers.tier_frequency',
            'customers.recency_days', 'customers.order_span_days', 'customers.has_refunds', 'thresholds',
            'learned.threshold_days') }} as lifecycle_segment,
        {{ rfm_lifecycle.rfm_add_days('customers.last_order_date', 'thresholds.lookback_days') }}
            as window_empty_date

    from customers
    cross join thresholds
    left join learned
        on least(customers.lifetime_orders, {{ cap }}) = learned.order_count_group

)

select * from final
