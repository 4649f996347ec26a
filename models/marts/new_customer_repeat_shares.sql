{%- set cohorts = rfm_lifecycle.rfm_cohort_settings() -%}

{#-
    The headline cohort figure: of the customers a cohort acquired, the share
    with a second order within the new-customer window (new_customer_days in
    force, as customer_segments uses it: day new_customer_days still counts;
    in probability mode the learned days of one-order customers)
    and the share with a second order so far. One row per cohort and one
    overall row (is_overall) over the cohorts whose window has closed: every
    customer of such a cohort was observed for the whole window. A cohort
    whose window is still open has no window share (it could still grow).
-#}

with

acquired as (

    select * from {{ ref('int_customers_acquired') }}

),

resolved as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

learned as (

    select * from {{ ref('int_lifecycle_thresholds_learned') }}

),

thresholds as (

    -- The new-customer window in force: in probability mode the learned days of one-order customers (group 1).
    select
        resolved.as_of_date,
        case
            when resolved.inactivity_mode = 'probability' then learned.threshold_days
            else resolved.new_customer_days
        end as new_customer_days,
        case
            when resolved.inactivity_mode = 'probability' then learned.set_by
            else resolved.new_customer_days_method
        end as new_customer_days_method

    from resolved
    left join learned
        on learned.order_count_group = 1

),

per_cohort as (

    select
        acquired.cohort_start_date,
        max(acquired.first_order_date) as last_first_order_date,
        count(*) as cohort_customers,
        sum(
            case when acquired.days_to_second_order <= thresholds.new_customer_days then 1 else 0 end
        ) as repeat_within_window_customers,
        sum(case when acquired.second_order_date is not null then 1 else 0 end) as repeat_ever_customers

    from acquired
    cross join thresholds
    group by acquired.cohort_start_date

),

cohort_rows as (

    select
        per_cohort.cohort_start_date,
        false as is_overall,
        1 as cohorts,
        per_cohort.cohort_customers,
        per_cohort.repeat_within_window_customers,
        per_cohort.repeat_ever_customers,
        -- The day the last customer of the cohort period has been observed for the whole window.
        {{ rfm_lifecycle.rfm_add_days(
            rfm_lifecycle.rfm_add_days(
                rfm_lifecycle.rfm_cohort_periods_after('per_cohort.cohort_start_date', 1), -1),
            'thresholds.new_customer_days') }} as window_closed_date,
        thresholds.as_of_date

    from per_cohort
    cross join thresholds

),

overall_row as (

    select
        cast(null as date) as cohort_start_date,
        true as is_overall,
        count(*) as cohorts,
        coalesce(sum(cohort_customers), 0) as cohort_customers,
        coalesce(sum(repeat_within_window_customers), 0) as repeat_within_window_customers,
        coalesce(sum(repeat_ever_customers), 0) as repeat_ever_customers,
        max(window_closed_date) as window_closed_date,
        max(as_of_date) as as_of_date

    from cohort_rows
    where window_closed_date <= as_of_date

),

all_rows as (

    select
        *,
        coalesce(is_overall or window_closed_date <= as_of_date, false) as is_window_closed
    from cohort_rows

    union all

    select
        *,
        true as is_window_closed
    from overall_row

),

final as (

    select
        cast(all_rows.cohort_start_date as date) as cohort_start_date,
        all_rows.is_overall,
        cast({{ rfm_lifecycle.rfm_sql_string(cohorts.cohort_grain) }} as {{ dbt.type_string() }}) as cohort_grain,
        cast(all_rows.cohorts as {{ dbt.type_int() }}) as cohorts,
        cast(all_rows.cohort_customers as {{ dbt.type_int() }}) as cohort_customers,
        cast(all_rows.window_closed_date as date) as window_closed_date,
        all_rows.is_window_closed,
        cast(all_rows.repeat_within_window_customers as {{ dbt.type_int() }}) as repeat_within_window_customers,
        case
            when all_rows.is_window_closed and all_rows.cohort_customers > 0
                then {{ rfm_lifecycle.rfm_rounded_ratio(
                    'all_rows.repeat_within_window_customers', 'all_rows.cohort_customers', 4) }}
        end as repeat_within_window_share,
        cast(all_rows.repeat_ever_customers as {{ dbt.type_int() }}) as repeat_ever_customers,
        case
            when all_rows.cohort_customers > 0
                then {{ rfm_lifecycle.rfm_rounded_ratio(
                    'all_rows.repeat_ever_customers', 'all_rows.cohort_customers', 4) }}
        end as repeat_ever_share,
        thresholds.new_customer_days,
        cast(thresholds.new_customer_days_method as {{ dbt.type_string() }}) as new_customer_days_set_by,
        thresholds.as_of_date

    from all_rows
    cross join thresholds

)

select * from final
