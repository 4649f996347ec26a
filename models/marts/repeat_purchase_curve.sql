{%- set history = rfm_lifecycle.rfm_history_settings() -%}
{%- set width = history.repeat_curve_bucket_days -%}
{%- set kept_permille = 1000 - ((history.repeat_curve_knee_drop | float) * 1000) | round | int -%}

{#-
    When do first-time buyers come back? For every customer with a first
    order up to the as-of date, the days from the first to the second order
    (0 when two orders fall on the first day), in buckets of
    repeat_curve_bucket_days days (counted in int_repeat_buckets_counted):
      customers_at_risk        no second order before the bucket, and observed
                               (first order far enough before the as-of date)
                               through the bucket's first day
      conditional_repeat_rate  the chance of a second order in the bucket for
                               them: second_orders_in_bucket / customers_at_risk
      cumulative_repeat_share  second orders by the bucket's last day over all
                               first-order customers
    The knee is where the chance of a repeat purchase collapses: the first
    bucket after the peak of the conditional rate from which the rate stays at
    or below (1 - repeat_curve_knee_drop) x the peak, in every later bucket.
    Comparisons are made on whole numbers (cross-multiplied counts), so every
    engine finds the same knee. lifecycle_thresholds shows the knee's first
    day beside new_customer_days.
-#}

with

buckets_counted as (

    select * from {{ ref('int_repeat_buckets_counted') }}

),

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

rated_buckets as (

    -- The small set of buckets needs no window either (issue 18): aggregates and joins, so no single-task step.
    select
        bucket_number,
        customers_at_risk,
        second_orders_in_bucket,
        {{ rfm_lifecycle.rfm_rounded_ratio('second_orders_in_bucket', 'customers_at_risk', 6) }} as repeat_rate

    from buckets_counted
    where customers_at_risk > 0 and second_orders_in_bucket > 0

),

peak_rate as (

    select max(repeat_rate) as peak_repeat_rate
    from rated_buckets

),

peak_first_bucket as (

    -- Of the buckets at the peak rate, the earliest.
    select min(rated_buckets.bucket_number) as peak_bucket_number
    from rated_buckets
    inner join peak_rate
        on rated_buckets.repeat_rate = peak_rate.peak_repeat_rate

),

peak as (

    select
        rated_buckets.bucket_number as peak_bucket_number,
        rated_buckets.customers_at_risk as peak_customers_at_risk,
        rated_buckets.second_orders_in_bucket as peak_second_orders

    from rated_buckets
    inner join peak_first_bucket
        on rated_buckets.bucket_number = peak_first_bucket.peak_bucket_number

),

buckets_compared as (

    select
        buckets_counted.*,
        peak.peak_bucket_number,
        peak.peak_customers_at_risk,
        peak.peak_second_orders,
        -- rate <= kept share x peak rate, cross-multiplied: whole numbers only.
        case
            when buckets_counted.customers_at_risk = 0 then 0
            when
                1000 * buckets_counted.second_orders_in_bucket * peak.peak_customers_at_risk
                <= {{ kept_permille }} * peak.peak_second_orders * buckets_counted.customers_at_risk
                then 0
            else 1
        end as is_above_collapse

    from buckets_counted
    left join peak
        on 1 = 1

),

last_above_collapse as (

    select max(bucket_number) as last_above_bucket_number
    from buckets_compared
    where is_above_collapse = 1

),

knee as (

    -- The first bucket after the peak with no bucket above the collapse from it on.
    select min(buckets_compared.bucket_number) as knee_bucket_number
    from buckets_compared
    cross join last_above_collapse
    where
        buckets_compared.bucket_number > buckets_compared.peak_bucket_number
        and (
            last_above_collapse.last_above_bucket_number is null
            or buckets_compared.bucket_number > last_above_collapse.last_above_bucket_number
        )

),

final as (

    select
        cast(buckets_compared.bucket_number * {{ width }} as {{ dbt.type_int() }}) as bucket_start_day,
        cast(buckets_compared.bucket_number * {{ width }} + {{ width - 1 }} as {{ dbt.type_int() }}) as bucket_end_day,
        cast(buckets_compared.customers_at_risk as {{ dbt.type_int() }}) as customers_at_risk,
        cast(buckets_compared.second_orders_in_bucket as {{ dbt.type_int() }}) as second_orders_in_bucket,
        cast(
            case
                when buckets_compared.first_order_customers > 0
                    then {{ rfm_lifecycle.rfm_rounded_ratio(
                        'buckets_compared.second_orders_so_far', 'buckets_compared.first_order_customers', 4) }}
            end as decimal(18, 4)
        ) as cumulative_repeat_share,
        cast(
            case
                when buckets_compared.customers_at_risk > 0
                    then {{ rfm_lifecycle.rfm_rounded_ratio(
                        'buckets_compared.second_orders_in_bucket', 'buckets_compared.customers_at_risk', 4) }}
            end as decimal(18, 4)
        ) as conditional_repeat_rate,
        coalesce(buckets_compared.bucket_number = knee.knee_bucket_number, false) as is_knee,
        cast(
            case
                when buckets_compared.customers_at_risk > 0 and buckets_compared.peak_second_orders > 0
                    then {{ rfm_lifecycle.rfm_rounded_ratio(
                        'buckets_compared.second_orders_in_bucket * buckets_compared.peak_customers_at_risk',
                        'buckets_compared.customers_at_risk * buckets_compared.peak_second_orders', 4) }}
            end as decimal(18, 4)
        ) as share_of_peak_rate,
        coalesce(buckets_compared.bucket_number = buckets_compared.peak_bucket_number, false) as is_peak,
        cast(buckets_compared.first_order_customers as {{ dbt.type_int() }}) as first_order_customers,
        cast(buckets_compared.second_orders_so_far as {{ dbt.type_int() }}) as second_orders_so_far,
        as_of.as_of_date

    from buckets_compared
    cross join knee
    cross join as_of

)

select * from final
