{%- set cohorts = rfm_lifecycle.rfm_cohort_settings() -%}

{#-
    Acquisition cohorts: one row per cohort (the cohort_grain period of the
    first order) and period since acquisition (0 = the period of the first
    order), up to the period that holds the as-of date. Per cell: who ordered,
    what the cohort brought in (orders and refunds on the day they happened),
    and, cumulated over the periods so far, the customers with a second order
    and the net revenue per acquired customer. A cell the as-of date cuts
    short is not complete (is_complete), so it is never read as a whole one.

    The customer days of the core are grouped once on cohort x period; a
    refund dated before the customer's first order counts in period 0.
-#}

with

acquired as (

    select * from {{ ref('int_customers_acquired') }}

),

customer_days as (

    select * from {{ ref('int_customer_days_aggregated') }}

),

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

offsets as (

    {{ dbt.generate_series(cohorts.max_periods) }}

),

cohort_sizes as (

    select
        cohort_start_date,
        cohort_period_index,
        count(*) as cohort_customers,
        sum(first_order_revenue) as first_order_revenue

    from acquired
    group by cohort_start_date, cohort_period_index

),

activity_days as (

    select
        customer_days.customer_id,
        customer_days.orders,
        customer_days.net_amount,
        acquired.cohort_period_index,
        greatest(
            0, {{ rfm_lifecycle.rfm_cohort_period_index('customer_days.activity_date') }} - acquired.cohort_period_index
        ) as period_number

    from customer_days
    inner join acquired
        on customer_days.customer_id = acquired.customer_id

),

activity as (

    select
        cohort_period_index,
        period_number,
        count(distinct case when orders > 0 then customer_id end) as ordering_customers,
        sum(orders) as orders,
        sum(net_amount) as net_revenue

    from activity_days
    group by cohort_period_index, period_number

),

second_orders as (

    select
        cohort_period_index,
        {{ rfm_lifecycle.rfm_cohort_period_index('second_order_date') }} - cohort_period_index as period_number,
        count(*) as repeat_customers

    from acquired
    where second_order_date is not null
    group by cohort_period_index, {{ rfm_lifecycle.rfm_cohort_period_index('second_order_date') }}

),

grid as (

    select
        cohort_sizes.*,
        as_of.as_of_date,
        offsets.generated_number - 1 as period_number

    from cohort_sizes
    cross join offsets
    cross join as_of
    where
        offsets.generated_number - 1
        <= {{ rfm_lifecycle.rfm_cohort_period_index('as_of.as_of_date') }} - cohort_sizes.cohort_period_index

),

cells as (

    select
        grid.*,
        coalesce(activity.ordering_customers, 0) as ordering_customers,
        coalesce(activity.orders, 0) as orders,
        coalesce(activity.net_revenue, 0) as net_revenue,
        sum(coalesce(second_orders.repeat_customers, 0)) over cohort_so_far as repeat_customers,
        sum(coalesce(activity.net_revenue, 0)) over cohort_so_far as cumulative_net_revenue,
        {{ rfm_lifecycle.rfm_cohort_periods_after('grid.cohort_start_date', 'grid.period_number') }}
            as period_start_date,
        {{ rfm_lifecycle.rfm_add_days(
            rfm_lifecycle.rfm_cohort_periods_after('grid.cohort_start_date', 'grid.period_number + 1'), -1) }}
            as period_end_date

    from grid
    left join activity
        on
            grid.cohort_period_index = activity.cohort_period_index
            and grid.period_number = activity.period_number
    left join second_orders
        on
            grid.cohort_period_index = second_orders.cohort_period_index
            and grid.period_number = second_orders.period_number
    window cohort_so_far as (
        partition by grid.cohort_period_index
        order by grid.period_number asc
        rows between unbounded preceding and current row
    )

),

final as (

    select
        cast(cohort_start_date as date) as cohort_start_date,
        cast({{ rfm_lifecycle.rfm_sql_string(cohorts.cohort_grain) }} as {{ dbt.type_string() }}) as cohort_grain,
        cast(period_number as {{ dbt.type_int() }}) as period_number,
        cast(period_start_date as date) as period_start_date,
        cast(period_end_date as date) as period_end_date,
        period_end_date <= as_of_date as is_complete,
        cast(cohort_customers as {{ dbt.type_int() }}) as cohort_customers,
        cast(first_order_revenue as decimal(38, 2)) as first_order_revenue,
        cast(ordering_customers as {{ dbt.type_int() }}) as ordering_customers,
        {{ rfm_lifecycle.rfm_rounded_ratio('ordering_customers', 'cohort_customers', 4) }} as ordering_share,
        cast(orders as {{ dbt.type_int() }}) as orders,
        cast(repeat_customers as {{ dbt.type_int() }}) as repeat_customers,
        {{ rfm_lifecycle.rfm_rounded_ratio('repeat_customers', 'cohort_customers', 4) }} as repeat_share,
        cast(net_revenue as decimal(38, 2)) as net_revenue,
        cast(cumulative_net_revenue as decimal(38, 2)) as cumulative_net_revenue,
        {{ rfm_lifecycle.rfm_rounded_money_per('cumulative_net_revenue', 'cohort_customers') }}
            as cumulative_net_revenue_per_customer,
        as_of_date

    from cells

)

select * from final
