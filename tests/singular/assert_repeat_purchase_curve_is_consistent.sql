-- The repeat-purchase curve is internally consistent: fewer customers at risk as days pass, a cumulative share
-- that never falls, second orders that add up, and a knee only after the peak.
with

repeat_curve as (

    select * from {{ ref('repeat_purchase_curve') }}

),

peak as (

    select max(case when is_peak then bucket_start_day end) as peak_start_day
    from repeat_curve

),

previous_buckets as (

    -- Joins, not windows over the whole curve: a build on Spark moves no step into a single partition (issue 18).
    select
        later.bucket_start_day,
        max(earlier.bucket_start_day) as previous_bucket_start_day

    from repeat_curve as later
    inner join repeat_curve as earlier
        on later.bucket_start_day > earlier.bucket_start_day
    group by later.bucket_start_day

),

curve as (

    select
        repeat_curve.*,
        previous.customers_at_risk as previous_customers_at_risk,
        previous.second_orders_so_far as previous_second_orders_so_far,
        peak.peak_start_day

    from repeat_curve
    cross join peak
    left join previous_buckets
        on repeat_curve.bucket_start_day = previous_buckets.bucket_start_day
    left join repeat_curve as previous
        on previous_buckets.previous_bucket_start_day = previous.bucket_start_day

)

select *
from curve
where
    second_orders_in_bucket > customers_at_risk
    or customers_at_risk > first_order_customers
    or customers_at_risk > previous_customers_at_risk
    or second_orders_so_far <> coalesce(previous_second_orders_so_far, 0) + second_orders_in_bucket
    or (is_knee and not bucket_start_day > peak_start_day)
    or (is_knee and share_of_peak_rate > 1 - {{ rfm_lifecycle.rfm_history_settings().repeat_curve_knee_drop }})
