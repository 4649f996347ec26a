-- For every period, the flows out of each segment (staying included) add up to that segment's customers at the
-- previous period end, and the flows into it add up to its customers now. 'none' flows are the customers who are
-- new to the history: everyone known at the previous period end is still known.
with

history as (

    select * from {{ ref('segment_history') }}

),

periods as (

    select * from {{ ref('int_history_periods') }}

),

transitions as (

    select * from {{ ref('segment_transitions') }}

),

segment_sizes as (

    select
        period_end_date,
        lifecycle_segment as segment,
        count(*) as customers
    from history
    group by period_end_date, lifecycle_segment

),

-- Periods whose previous period end is stored too (period 1 follows the opening period, which is not).
comparable_periods as (

    select
        periods.period_end_date,
        periods.previous_period_end_date
    from periods
    inner join (select distinct period_end_date from history) as stored_previous
        on periods.previous_period_end_date = stored_previous.period_end_date

),

expected_outflows as (

    select
        comparable_periods.period_end_date,
        segment_sizes.segment,
        segment_sizes.customers
    from comparable_periods
    inner join segment_sizes
        on comparable_periods.previous_period_end_date = segment_sizes.period_end_date

    union all

    -- Entries: customers at this period end minus customers at the previous one.
    select
        comparable_periods.period_end_date,
        'none' as segment,
        now_known.customers - before_known.customers as customers
    from comparable_periods
    inner join (
        select period_end_date, sum(customers) as customers from segment_sizes group by period_end_date
    ) as now_known
        on comparable_periods.period_end_date = now_known.period_end_date
    inner join (
        select period_end_date, sum(customers) as customers from segment_sizes group by period_end_date
    ) as before_known
        on comparable_periods.previous_period_end_date = before_known.period_end_date

),

actual_outflows as (

    select
        period_end_date,
        from_segment as segment,
        sum(customers) as customers
    from transitions
    group by period_end_date, from_segment

),

outflow_differences as (

    select
        'out of' as direction,
        coalesce(expected_outflows.period_end_date, actual_outflows.period_end_date) as period_end_date,
        coalesce(expected_outflows.segment, actual_outflows.segment) as segment,
        coalesce(expected_outflows.customers, 0) as expected_customers,
        coalesce(actual_outflows.customers, 0) as actual_customers
    from expected_outflows
    full outer join actual_outflows
        on
            expected_outflows.period_end_date = actual_outflows.period_end_date
            and expected_outflows.segment = actual_outflows.segment
    -- Only periods with a stored previous period end can be compared.
    where coalesce(expected_outflows.period_end_date, actual_outflows.period_end_date) in (
        select period_end_date from comparable_periods
    )

),

inflow_differences as (

    select
        'into' as direction,
        coalesce(segment_sizes.period_end_date, inflows.period_end_date) as period_end_date,
        coalesce(segment_sizes.segment, inflows.segment) as segment,
        coalesce(segment_sizes.customers, 0) as expected_customers,
        coalesce(inflows.customers, 0) as actual_customers
    from segment_sizes
    full outer join (
        select
            period_end_date,
            to_segment as segment,
            sum(customers) as customers
        from transitions
        group by period_end_date, to_segment
    ) as inflows
        on
            segment_sizes.period_end_date = inflows.period_end_date
            and segment_sizes.segment = inflows.segment

)

select * from outflow_differences
where expected_customers <> actual_customers

union all

select * from inflow_differences
where expected_customers <> actual_customers
