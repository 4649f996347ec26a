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

peak as (

    select
        bucket_number as peak_bucket_number,
        customers_at_risk as peak_customers_at_risk,
        second_orders_in_bucket as peak_second_orders

    from (
        select
            bucket_number,
            customers_at_risk,
            second_orders_in_bucket,
            row_number() over (
                order by
                    {{ rfm_lifecycle.rfm_rounded_ratio('second_orders_in_bucket', 'customers_at_risk', 6) }} desc,
                    bucket_number asc
            ) as rate_rank

        from buckets_counted
        where customers_at_risk > 0 and second_orders_in_bucket > 0
    ) as ranked
    where rate_rank = 1

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

buckets_flagged as (

    select
        *,
        max(is_above_collapse) over (
            order by bucket_number desc rows between unbounded preceding and current row
        ) as is_above_collapse_later

    from buckets_compared

),

knee as (

    select min(bucket_number) as knee_bucket_number
    from buckets_flagged
    where
        bucket_number > peak_bucket_number
        and is_above_collapse_later = 0

),

final as (

    select
        cast(buckets_flagged.bucket_number * {{ width }} as {{ dbt.type_int() }}) as bucket_start_day,
        cast(buckets_flagged.bucket_number * {{ width }} + {{ width - 1 }} as {{ dbt.type_int() }}) as bucket_end_day,
        cast(buckets_flagged.customers_at_risk as {{ dbt.type_int() }}) as customers_at_risk,
        cast(buckets_flagged.second_orders_in_bucket as {{ dbt.type_int() }}) as second_orders_in_bucket,
        cast(
            case
                when buckets_flagged.first_order_customers > 0
                    then {{ rfm_lifecycle.rfm_rounded_ratio(
                        'buckets_flagged.second_orders_so_far', 'buckets_flagged.first_order_customers', 4) }}
            end as decimal(18, 4)
        ) as cumulative_repeat_share,
        cast(
            case
                when buckets_flagged.customers_at_risk > 0
                    then {{ rfm_lifecycle.rfm_rounded_ratio(
                        'buckets_flagged.second_orders_in_bucket', 'buckets_flagged.customers_at_risk', 4) }}
            end as decimal(18, 4)
        ) as conditional_repeat_rate,
        coalesce(buckets_flagged.bucket_number = knee.knee_bucket_number, false) as is_knee,
        cast(
            case
                when buckets_flagged.customers_at_risk > 0 and buckets_flagged.peak_second_orders > 0
                    then {{ rfm_lifecycle.rfm_rounded_ratio(
                        'buckets_flagged.second_orders_in_bucket * buckets_flagged.peak_customers_at_risk',
                        'buckets_flagged.customers_at_risk * buckets_flagged.peak_second_orders', 4) }}
            end as decimal(18, 4)
        ) as share_of_peak_rate,
        coalesce(buckets_flagged.bucket_number = buckets_flagged.peak_bucket_number, false) as is_peak,
        cast(buckets_flagged.first_order_customers as {{ dbt.type_int() }}) as first_order_customers,
        cast(buckets_flagged.second_orders_so_far as {{ dbt.type_int() }}) as second_orders_so_far,
        as_of.as_of_date

    from buckets_flagged
    cross join knee
    cross join as_of

)

select * from final
