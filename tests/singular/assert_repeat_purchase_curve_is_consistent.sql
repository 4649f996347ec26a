-- The repeat-purchase curve is internally consistent: fewer customers at risk as days pass, a cumulative share
-- that never falls, second orders that add up, and a knee only after the peak.
with

curve as (

    select
        *,
        lag(customers_at_risk) over (order by bucket_start_day asc) as previous_customers_at_risk,
        lag(second_orders_so_far) over (order by bucket_start_day asc) as previous_second_orders_so_far,
        max(case when is_peak then bucket_start_day end) over () as peak_start_day
    from {{ ref('repeat_purchase_curve') }}

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
