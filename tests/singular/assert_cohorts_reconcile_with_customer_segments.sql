-- Every cohort of customer_cohorts is the customers of customer_segments whose first order falls in its
-- period: same size, and at its last period (the one holding the as-of date) the same net revenue and the
-- same customers with two or more orders. new_customer_repeat_shares counts the same customers, one row per
-- cohort, with the new_customer_days of lifecycle_thresholds (learned_days_orders_1 in probability mode).
-- And the row rules of the three models, one test for all (each test is a node in every build of the test suite).
with

customers as (

    select
        {{ rfm_lifecycle.rfm_cohort_period_start('first_order_date') }} as cohort_start_date,
        count(*) as cohort_customers,
        sum(lifetime_revenue) as lifetime_revenue,
        sum(case when lifetime_orders >= 2 then 1 else 0 end) as repeat_customers
    from {{ ref('customer_segments') }}
    where first_order_date is not null
    group by {{ rfm_lifecycle.rfm_cohort_period_start('first_order_date') }}

),

last_cells as (

    select
        cohort_start_date,
        max(period_number) as period_number
    from {{ ref('customer_cohorts') }}
    group by cohort_start_date

),

cohorts as (

    select cells.*
    from {{ ref('customer_cohorts') }} as cells
    inner join last_cells
        on
            cells.cohort_start_date = last_cells.cohort_start_date
            and cells.period_number = last_cells.period_number

),

shares as (

    select * from {{ ref('new_customer_repeat_shares') }}
    where not is_overall

),

compared as (

    select
        customers.cohort_customers as expected_customers,
        cohorts.cohort_customers,
        shares.cohort_customers as share_customers,
        customers.lifetime_revenue as expected_revenue,
        cohorts.cumulative_net_revenue,
        customers.repeat_customers as expected_repeat_customers,
        cohorts.repeat_customers,
        shares.repeat_ever_customers,
        coalesce(customers.cohort_start_date, cohorts.cohort_start_date, shares.cohort_start_date)
            as cohort_start_date
    from customers
    full outer join cohorts
        on customers.cohort_start_date = cohorts.cohort_start_date
    full outer join shares
        on coalesce(customers.cohort_start_date, cohorts.cohort_start_date) = shares.cohort_start_date

),

window_in_force as (

    -- In inactivity_mode probability the window is the learned days of one-order customers.
    select
        cast(
            coalesce(
                max(case when threshold_name = 'learned_days_orders_1' then threshold_value end),
                max(case when threshold_name = 'new_customer_days' then threshold_value end)
            ) as {{ dbt.type_int() }}
        ) as new_customer_days
    from {{ ref('lifecycle_thresholds') }}

)

select
    cohort_start_date,
    'cohort does not reconcile' as failure
from compared
where
    not (
        coalesce(expected_customers = cohort_customers and expected_customers = share_customers, false)
        and coalesce(expected_revenue = cumulative_net_revenue, false)
        and coalesce(
            expected_repeat_customers = repeat_customers and expected_repeat_customers = repeat_ever_customers, false
        )
    )

union all

select
    cohort_start_date,
    'more than one row' as failure
from {{ ref('new_customer_repeat_shares') }}
group by cohort_start_date
having count(*) > 1

union all

select
    repeat_shares.cohort_start_date,
    'another new_customer_days' as failure
from {{ ref('new_customer_repeat_shares') }} as repeat_shares
cross join window_in_force
where repeat_shares.new_customer_days <> window_in_force.new_customer_days

union all

select
    cohort_start_date,
    'customer_cohorts: row rule or duplicate cell' as failure
from {{ ref('customer_cohorts') }}
where
    not (
        ordering_customers <= cohort_customers
        and repeat_customers <= cohort_customers
        and (period_number > 0 or ordering_customers = cohort_customers)
        and period_start_date <= as_of_date
        and is_complete = (period_end_date <= as_of_date)
        and repeat_share between 0 and 1
    )
    or period_number in (
        select cells.period_number
        from {{ ref('customer_cohorts') }} as cells
        group by cells.cohort_start_date, cells.period_number
        having count(*) > 1
    )

union all

select
    cohort_start_date,
    'new_customer_repeat_shares: row rule' as failure
from {{ ref('new_customer_repeat_shares') }}
where
    not coalesce(
        repeat_within_window_customers <= repeat_ever_customers
        and repeat_ever_customers <= cohort_customers
        and (cohort_start_date is null) = is_overall
        and (repeat_within_window_share is null) = (not is_window_closed or cohort_customers = 0)
        and coalesce(repeat_within_window_share between 0 and 1, true),
        false
    )

union all

select
    cohort_start_date,
    'int_customers_acquired: row rule' as failure
from {{ ref('int_customers_acquired') }}
where
    not coalesce(
        cohort_start_date <= first_order_date
        and coalesce(first_order_date <= second_order_date, third_order_date is null)
        and coalesce(second_order_date <= third_order_date, true)
        and coalesce(days_to_second_order >= 0, second_order_date is null),
        false
    )
