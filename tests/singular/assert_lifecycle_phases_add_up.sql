-- lifecycle_phases adds up to segment_trends and segment_history, period by period: the customers per phase are
-- all customers; turned inactive and lost are the customers coming into those segments; win-backs and their revenue
-- are segment_trends'; new customers are the history's customers whose first order fell in the period; the active
-- repeat customers at the previous period end were kept, turned inactive or were lost; revenue at risk at a period's
-- start is the figure at the previous period's end, and at the as-of date it is segment_summary's.
with

phases as (

    select * from {{ ref('lifecycle_phases') }}

),

trends as (

    select
        period_end_date,
        sum(customers) as customers,
        sum(case when lifecycle_segment = 'inactive' then customers_in else 0 end) as turned_inactive,
        sum(case when lifecycle_segment = 'lost' then customers_in else 0 end) as turned_lost,
        sum(reactivated_customers) as reactivated_customers,
        sum(reactivated_revenue) as reactivated_revenue,
        sum(case when lifecycle_segment in ('regular', 'loyal') then customers else 0 end) as active_repeat_customers
    from {{ ref('segment_trends') }}
    group by period_end_date

),

history as (

    select
        period_end_date,
        sum(case when first_order_date >= period_start_date then 1 else 0 end) as new_customers
    from {{ ref('segment_history') }}
    group by period_end_date

),

repeat_departures as (

    select
        period_end_date,
        sum(customers) as customers
    from {{ ref('segment_transitions') }}
    where from_segment in ('regular', 'loyal') and to_segment in ('inactive', 'lost')
    group by period_end_date

),

at_risk_now as (

    select revenue_at_risk
    from {{ ref('segment_summary') }}
    where segment_scheme = 'lifecycle' and segment_code = 'inactive'

),

previous_phases as (

    select
        phases.period_end_date,
        earlier.revenue_at_risk_at_end as previous_revenue_at_risk_at_end,
        earlier_trends.active_repeat_customers as previous_active_repeat_customers
    from phases
    inner join phases as earlier
        on phases.period_number = earlier.period_number + 1
    inner join trends as earlier_trends
        on earlier.period_end_date = earlier_trends.period_end_date

),

last_period as (

    select max(period_end_date) as period_end_date
    from phases

)

select
    phases.period_end_date,
    'phases do not add up' as failure
from phases
inner join trends
    on phases.period_end_date = trends.period_end_date
inner join history
    on phases.period_end_date = history.period_end_date
left join repeat_departures
    on phases.period_end_date = repeat_departures.period_end_date
left join previous_phases
    on phases.period_end_date = previous_phases.period_end_date
cross join last_period
cross join at_risk_now
where
    phases.acquisition_customers + phases.development_customers + phases.retention_customers <> trends.customers
    or phases.turned_inactive <> trends.turned_inactive
    or phases.turned_lost <> trends.turned_lost
    or phases.reactivated_customers <> trends.reactivated_customers
    or phases.reactivated_revenue <> trends.reactivated_revenue
    or phases.new_customers <> history.new_customers
    -- Period 1 has no earlier row: nothing to compare.
    or phases.repeat_customers_kept + coalesce(repeat_departures.customers, 0)
    <> coalesce(
        previous_phases.previous_active_repeat_customers,
        phases.repeat_customers_kept + coalesce(repeat_departures.customers, 0)
    )
    or phases.revenue_at_risk_at_start
    <> coalesce(previous_phases.previous_revenue_at_risk_at_end, phases.revenue_at_risk_at_start)
    or (
        phases.period_end_date = last_period.period_end_date
        and phases.revenue_at_risk_at_end <> at_risk_now.revenue_at_risk
    )

union all

-- Every period of segment_trends has its row, and only one.
select
    trends.period_end_date,
    'period missing' as failure
from trends
left join phases
    on trends.period_end_date = phases.period_end_date
where phases.period_end_date is null

union all

select
    period_end_date,
    'more than one row' as failure
from phases
group by period_end_date
having count(*) > 1
