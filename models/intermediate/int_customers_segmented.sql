{#-
    The lifecycle segment on the as-of date (int_lifecycle_segments_assigned)
    and the first day the segment would change if the customer placed no
    further order.

    Without a new order only two things move: recency grows by a day a day,
    and the window empties on the day the last order leaves it. The tier rests
    on the window that ends on the last order, so it stays put. The segment can
    therefore change only on the day after recency passes a threshold or on
    the day the window empties; the rules are evaluated on each of those days
    and the first that gives another segment is the next transition. In
    probability mode the learned threshold of the customer's order-count group
    stays put too: the order count does not change without an order.
-#}

with

segmented as (

    select * from {{ ref('int_lifecycle_segments_assigned') }}

),

scores as (

    select * from {{ ref('int_customers_scored') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

{%- set days_after_last_order = [
    'thresholds.new_customer_days',
    'segmented.learned_threshold_days',
    'segmented.inactivity_threshold_days',
    'thresholds.lost_days',
] %}

candidate_dates as (

    {% for days in days_after_last_order -%}
    select
        segmented.customer_id,
        {{ rfm_lifecycle.rfm_add_days('segmented.last_order_date', days ~ ' + 1') }} as candidate_date
    from segmented
    cross join thresholds
    where segmented.lifecycle_segment not in ('prospect', 'lost')

    union all

    {% endfor -%}
    select
        customer_id,
        window_empty_date as candidate_date
    from segmented
    where lifecycle_segment not in ('prospect', 'lost')

),

candidates_evaluated as (

    select
        segmented.customer_id,
        segmented.lifecycle_segment,
        candidate_dates.candidate_date,
        {{ rfm_lifecycle.rfm_lifecycle_segment(
            'segmented.lifetime_orders',
            'case when candidate_dates.candidate_date >= segmented.window_empty_date then 0 else segmented.frequency end',
            'segmented.tier_frequency',
            rfm_lifecycle.rfm_days_between('segmented.last_order_date', 'candidate_dates.candidate_date'),
            'segmented.order_span_days',
            'segmented.has_refunds',
            'thresholds',
            'segmented.learned_threshold_days') }} as projected_segment

    from candidate_dates
    inner join segmented
        on candidate_dates.customer_id = segmented.customer_id
    cross join thresholds
    where candidate_dates.candidate_date > thresholds.as_of_date

),

first_changes as (

    select
        customer_id,
        candidate_date as next_transition_date,
        projected_segment as next_segment_if_no_order,
        -- Two candidates on one day give the same segment; the name only makes the pick explicit.
        row_number() over (
            partition by customer_id
            order by candidate_date asc, {{ rfm_lifecycle.rfm_code_point_order('projected_segment') }} asc
        ) as change_rank

    from candidates_evaluated
    where projected_segment <> lifecycle_segment

),

final as (

    select
        segmented.customer_id,
        segmented.first_order_date,
        segmented.last_order_date,
        segmented.recency_days,
        segmented.frequency,
        segmented.tier_frequency,
        segmented.monetary,
        segmented.lifetime_orders,
        segmented.lifetime_revenue,
        segmented.window_revenue,
        segmented.trailing_revenue,
        segmented.typical_interval_days,
        segmented.has_refunds,
        scores.r_score,
        scores.f_score,
        scores.m_score,
        scores.rfm_cell,
        scores.rfm_key,
        segmented.frequency_tier,
        cast(segmented.inactivity_threshold_days as {{ dbt.type_int() }}) as inactivity_threshold_days,
        segmented.lifecycle_segment,
        first_changes.next_segment_if_no_order,
        first_changes.next_transition_date,
        {{ rfm_lifecycle.rfm_days_between('segmented.as_of_date', 'first_changes.next_transition_date') }}
            as days_until_transition,
        segmented.as_of_date

    from segmented
    left join scores
        on segmented.customer_id = scores.customer_id
    left join first_changes
        on
            segmented.customer_id = first_changes.customer_id
            and first_changes.change_rank = 1

)

select * from final
