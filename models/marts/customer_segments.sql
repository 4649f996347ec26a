with

customers as (

    select * from {{ ref('int_customers_segmented') }}

),

action_paths as (

    select * from {{ ref('segment_action_paths') }}

),

rfm_segments as (

    select * from {{ ref('int_customers_rfm_segmented') }}
    where is_selected_scheme

),

return_predictions as (

    select * from {{ ref('int_customers_return_predicted') }}

),

final as (

    select
        cast(customers.customer_id as {{ dbt.type_string() }}) as customer_id,
        customers.first_order_date,
        customers.last_order_date,
        cast(customers.recency_days as {{ dbt.type_int() }}) as recency_days,
        cast(customers.frequency as {{ dbt.type_int() }}) as frequency,
        cast(customers.tier_frequency as {{ dbt.type_int() }}) as tier_frequency,
        cast(customers.monetary as decimal(38, 2)) as monetary,
        cast(customers.lifetime_orders as {{ dbt.type_int() }}) as lifetime_orders,
        cast(customers.lifetime_revenue as decimal(38, 2)) as lifetime_revenue,
        cast(customers.trailing_revenue as decimal(38, 2)) as trailing_revenue,
        cast(customers.typical_interval_days as decimal(18, 1)) as typical_interval_days,
        cast(customers.r_score as {{ dbt.type_int() }}) as r_score,
        cast(customers.f_score as {{ dbt.type_int() }}) as f_score,
        cast(customers.m_score as {{ dbt.type_int() }}) as m_score,
        cast(customers.rfm_cell as {{ dbt.type_string() }}) as rfm_cell,
        cast(customers.rfm_key as {{ dbt.type_string() }}) as rfm_key,
        cast(customers.frequency_tier as {{ dbt.type_string() }}) as frequency_tier,
        customers.inactivity_threshold_days,
        cast(customers.lifecycle_segment as {{ dbt.type_string() }}) as lifecycle_segment,
        cast(rfm_segments.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
        cast(customers.next_segment_if_no_order as {{ dbt.type_string() }}) as next_segment_if_no_order,
        customers.next_transition_date,
        cast(customers.days_until_transition as {{ dbt.type_int() }}) as days_until_transition,
        cast(action_paths.phase as {{ dbt.type_string() }}) as action_phase,
        cast(action_paths.goal as {{ dbt.type_string() }}) as action_goal,
        cast(action_paths.action as {{ dbt.type_string() }}) as action_description,
        cast(action_paths.channel as {{ dbt.type_string() }}) as action_channel,
        cast(action_paths.trigger as {{ dbt.type_string() }}) as action_trigger,
        cast(return_predictions.return_curve_group as {{ dbt.type_int() }}) as return_curve_group,
        cast(return_predictions.return_probability as decimal(18, 6)) as return_probability,
        cast(return_predictions.expected_orders_in_horizon as decimal(18, 6)) as expected_orders_in_horizon,
        cast(return_predictions.order_rhythm as decimal(18, 9)) as order_rhythm,
        cast(return_predictions.order_rhythm_factor as decimal(18, 6)) as order_rhythm_factor,
        cast(return_predictions.shrunk_order_value as decimal(38, 2)) as shrunk_order_value,
        cast(return_predictions.expected_revenue_in_horizon as decimal(38, 2)) as expected_revenue_in_horizon,
        return_predictions.expected_next_order_date,
        customers.has_refunds,
        customers.as_of_date

    from customers
    left join action_paths
        on customers.lifecycle_segment = action_paths.segment
    left join rfm_segments
        on customers.customer_id = rfm_segments.customer_id
    left join return_predictions
        on customers.customer_id = return_predictions.customer_id

)

select * from final
