-- For every period, the flows out of each segment (staying included) add up to that segment's customers at the
-- previous period end, and the flows into it add up to its customers now. 'none' flows are the customers who are
-- new to the history: everyone known at the previous period end is still known.
with

history as (

    select * from {{ ref('segment_history') }}

),

periods as (

    select * from {{ ref('int_history_periods') }}
    where is_reported

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

known_customers as (

    select
        period_end_date,
        sum(customers) as customers
    from segment_sizes
    group by period_end_date

),

-- Periods whose previous period end is stored too (period 1 follows the opening period, which is not).
comparable_periods as (

    select
        periods.period_end_date,
        periods.previous_period_end_date
    from periods
    inner join known_customers
        on periods.previous_period_end_date = known_customers.period_end_date

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
        known_now.customers - known_before.customers as customers
    from comparable_periods
    inner join known_customers as known_now
        on comparable_periods.period_end_date = known_now.period_end_date
    inner join known_customers as known_before
        on comparable_periods.previous_period_end_date = known_before.period_end_date

),

actual_outflows as (

    select
        transitions.period_end_date,
        transitions.from_segment as segment,
        sum(transitions.customers) as customers
    from transitions
    inner join comparable_periods
        on transitions.period_end_date = comparable_periods.period_end_date
    group by transitions.period_end_date, transitions.from_segment

),

actual_inflows as (

    select
        period_end_date,
        to_segment as segment,
        sum(customers) as customers
    from transitions
    group by period_end_date, to_segment

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

),

inflow_differences as (

    select
        'into' as direction,
        coalesce(segment_sizes.period_end_date, actual_inflows.period_end_date) as period_end_date,
        coalesce(segment_sizes.segment, actual_inflows.segment) as segment,
        coalesce(segment_sizes.customers, 0) as expected_customers,
        coalesce(actual_inflows.customers, 0) as actual_customers
    from segment_sizes
    full outer join actual_inflows
        on
            segment_sizes.period_end_date = actual_inflows.period_end_date
            and segment_sizes.segment = actual_inflows.segment

)

select * from outflow_differences
where expected_customers <> actual_customers

union all

select * from inflow_differences
where expected_customers <> actual_customers
