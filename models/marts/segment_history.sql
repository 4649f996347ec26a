{#-
    One row per customer per period end: the RFM values, scores and lifecycle
    segment the customer had on that day, with the same rules and thresholds
    as customer_segments (the last period is customer_segments itself), and
    the segment at the previous period end.

    int_customer_periods_segmented holds one more scored day, the day before
    the as-of date, which splits the last period in two for segment_changes.
    Here that day is folded back into the last period: its segment at the
    period end before and its revenue, so every period is a calendar period
    whatever the as-of date.
-#}

with

segmented as (

    select * from {{ ref('int_customer_periods_segmented') }}

),

periods as (

    select * from {{ ref('int_history_periods') }}
    where is_reported

),

day_before_as_of as (

    select * from segmented
    where is_day_before_as_of

),

final as (

    -- The only period end after the day before the as-of date is the as-of date.
    select
        segmented.period_end_date,
        cast({{ rfm_lifecycle.rfm_add_days('periods.previous_period_end_date', 1) }} as date) as period_start_date,
        segmented.customer_id,
        segmented.lifecycle_segment,
        coalesce(day_before_as_of.previous_segment, segmented.previous_segment) as previous_segment,
        {{ rfm_lifecycle.rfm_is_reactivation(
            'coalesce(day_before_as_of.previous_segment, segmented.previous_segment)',
            'segmented.lifecycle_segment') }} as is_reactivated,
        segmented.recency_days,
        segmented.frequency,
        segmented.monetary,
        segmented.r_score,
        segmented.f_score,
        segmented.m_score,
        cast(
            segmented.revenue_in_period + coalesce(day_before_as_of.revenue_in_period, 0) as decimal(38, 2)
        ) as revenue_in_period,
        segmented.first_order_date,
        segmented.last_order_date,
        segmented.tier_frequency,
        segmented.lifetime_orders,
        segmented.lifetime_revenue,
        segmented.has_refunds,
        segmented.settings_fingerprint

    from segmented
    -- The reported period ends only: the day before the as-of date is left out.
    inner join periods
        on segmented.period_end_date = periods.period_end_date
    left join day_before_as_of
        on
            segmented.customer_id = day_before_as_of.customer_id
            and segmented.period_end_date > day_before_as_of.period_end_date

)

select * from final
