{%- set history = rfm_lifecycle.rfm_history_settings() -%}
{%- set width = history.repeat_curve_bucket_days -%}

{#-
    The repeat-purchase curve's counts, one row per bucket of
    repeat_curve_bucket_days days since the first order: customers still at
    risk of a first repeat (no second order before the bucket, observed
    through its first day), second orders in the bucket and so far, and all
    first-order customers. repeat_purchase_curve turns them into rates.
-#}

with

customers_observed as (

    select * from {{ ref('int_first_orders_repeated') }}

),

risk_ends as (

    -- A customer is at risk up to the bucket of their second order, or of the as-of date without one.
    select
        floor(coalesce(days_to_second_order, days_observed) / {{ width }}) as last_bucket_at_risk,
        count(*) as customers

    from customers_observed
    group by floor(coalesce(days_to_second_order, days_observed) / {{ width }})

),

second_orders as (

    select
        floor(days_to_second_order / {{ width }}) as second_order_bucket,
        count(*) as customers

    from customers_observed
    where days_to_second_order is not null
    group by floor(days_to_second_order / {{ width }})

),

first_order_totals as (

    select count(*) as first_order_customers
    from customers_observed

),

bucket_numbers as (

    select generated_number - 1 as bucket_number
    from ({{ dbt.generate_series(history.repeat_curve_buckets) }}) as series

),

buckets_at_risk as (

    select
        bucket_numbers.bucket_number,
        coalesce(sum(risk_ends.customers), 0) as customers_at_risk

    from bucket_numbers
    left join risk_ends
        on bucket_numbers.bucket_number <= risk_ends.last_bucket_at_risk
    group by bucket_numbers.bucket_number

),

buckets_repeated as (

    select
        bucket_numbers.bucket_number,
        coalesce(sum(case
            when second_orders.second_order_bucket = bucket_numbers.bucket_number
                then second_orders.customers
            else 0
        end), 0) as second_orders_in_bucket,
        coalesce(sum(second_orders.customers), 0) as second_orders_so_far

    from bucket_numbers
    left join second_orders
        on bucket_numbers.bucket_number >= second_orders.second_order_bucket
    group by bucket_numbers.bucket_number

),

final as (

    select
        buckets_at_risk.bucket_number,
        first_order_totals.first_order_customers,
        buckets_at_risk.customers_at_risk,
        buckets_repeated.second_orders_in_bucket,
        buckets_repeated.second_orders_so_far

    from buckets_at_risk
    inner join buckets_repeated
        on buckets_at_risk.bucket_number = buckets_repeated.bucket_number
    cross join first_order_totals

)

select * from final
