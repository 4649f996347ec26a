{%- set history = rfm_lifecycle.rfm_history_settings() -%}
{%- set width = history.repeat_curve_bucket_days -%}
{%- set kept_permille = 1000 - ((history.repeat_curve_knee_drop | float) * 1000) | round | int -%}

{#-
    When do first-time buyers come back? For every customer with a first
    order up to the as-of date, the days from the first to the second order
    (0 when two orders fall on the first day), in buckets of
    repeat_curve_bucket_days days:
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

customer_days as (

    select * from {{ ref('int_customer_days_aggregated') }}
    where orders > 0

),

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

order_days_numbered as (

    select
        customer_id,
        activity_date,
        orders,
        -- One row per customer and day, so the date alone orders them.
        row_number() over (partition by customer_id order by activity_date asc) as order_day_number

    from customer_days

),

first_orders as (

    select
        customer_id,
        max(case when order_day_number = 1 then activity_date end) as first_order_date,
        max(case when order_day_number = 1 then orders end) as first_day_orders,
        max(case when order_day_number = 2 then activity_date end) as second_order_day

    from order_days_numbered
    where order_day_number <= 2
    group by customer_id

),

customers_observed as (

    select
        first_orders.customer_id,
        {{ rfm_lifecycle.rfm_days_between('first_orders.first_order_date', 'as_of.as_of_date') }} as days_observed,
        case
            when first_orders.first_day_orders >= 2 then 0
            else {{ rfm_lifecycle.rfm_days_between('first_orders.first_order_date', 'first_orders.second_order_day') }}
        end as days_to_second_order

    from first_orders
    cross join as_of

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

buckets_counted as (

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
