{#-
    Calibration: the repeat-purchase curve beside new_customer_days. For every
    bucket of days since the first order: the chance of a second order there,
    how much of the peak chance is left, and whether the bucket lies inside
    the welcome window (new) or after it (one_time). The summary columns say
    how many of the second orders seen within the curve came after the
    threshold, that is after the customer had already been moved to one_time.
    A threshold whose day + 1 falls near the knee (is_knee) ends the welcome
    programme where the chance of a repeat purchase collapses.
    Run: dbt compile --select repeat_purchase_curve_vs_threshold (or: make calibrate).
-#}

with

curve as (

    select * from {{ ref('repeat_purchase_curve') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

totals as (

    select
        max(curve.second_orders_so_far) as second_orders_in_curve,
        sum(
            case
                when curve.bucket_start_day > thresholds.new_customer_days then curve.second_orders_in_bucket else 0
            end
        )
            as second_orders_after_threshold

    from curve
    cross join thresholds

),

final as (

    select
        curve.bucket_start_day,
        curve.bucket_end_day,
        curve.customers_at_risk,
        curve.second_orders_in_bucket,
        curve.conditional_repeat_rate,
        curve.share_of_peak_rate,
        curve.cumulative_repeat_share,
        curve.is_peak,
        curve.is_knee,
        thresholds.new_customer_days,
        totals.second_orders_in_curve,
        totals.second_orders_after_threshold,
        case
            when curve.bucket_end_day <= thresholds.new_customer_days then 'new'
            when curve.bucket_start_day > thresholds.new_customer_days then 'one_time'
            else 'threshold inside this bucket'
        end as segment_of_a_one_order_customer

    from curve
    cross join thresholds
    cross join totals

)

select * from final
order by bucket_start_day asc
