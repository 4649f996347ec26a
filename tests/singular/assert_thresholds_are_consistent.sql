-- Resolved thresholds (fixed or auto) keep their order: lost comes after every other day threshold.
select *
from {{ ref('int_lifecycle_thresholds_resolved') }}
where
    loyal_min_orders < 3
    or new_customer_days < 1
    or inactive_days_loyal < 1
    or inactive_days_regular < 1
    or lost_days <= new_customer_days
    or lost_days <= inactive_days_regular
    or lost_days <= inactive_days_loyal
