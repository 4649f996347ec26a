{%- set settings = rfm_lifecycle.rfm_scoring_settings() -%}
{#- A view: lifecycle_phases is its only reader, a table would write a copy nobody reads twice. -#}
{{ config(materialized='view') }}

{#-
    Revenue at risk over time: per reported period end of segment_history,
    the trailing revenue (trailing_revenue_days up to the day, as
    segment_summary counts it on the as-of date) of the customers who were
    inactive at the start of the period (the previous period end), the part
    of it held by those who came back during the period, and the same figure
    at the period end. Only inactive customer-periods are valued, each against
    its own customer's days.
-#}

with

history as (

    select * from {{ ref('segment_history') }}
    where previous_segment = 'inactive' or lifecycle_segment = 'inactive'

),

customer_days as (

    select * from {{ ref('int_customer_days_aggregated') }}

),

valued_days as (

    -- Inactive at the start: valued on the previous period end; is_recovered when they came back.
    select
        customer_id,
        period_end_date,
        {{ rfm_lifecycle.rfm_add_days('period_start_date', -1) }} as value_date,
        true as is_at_start,
        is_reactivated as is_recovered

    from history
    where previous_segment = 'inactive'

    union all

    select
        customer_id,
        period_end_date,
        period_end_date as value_date,
        false as is_at_start,
        false as is_recovered

    from history
    where lifecycle_segment = 'inactive'

),

valued as (

    select
        valued_days.period_end_date,
        sum(case when valued_days.is_at_start then customer_days.net_amount else 0 end) as revenue_at_risk_at_start,
        sum(
            case when valued_days.is_recovered then customer_days.net_amount else 0 end
        ) as revenue_at_risk_recovered,
        sum(case when valued_days.is_at_start then 0 else customer_days.net_amount end) as revenue_at_risk_at_end

    from valued_days
    inner join customer_days
        on
            valued_days.customer_id = customer_days.customer_id
            and valued_days.value_date >= customer_days.activity_date
            and {{ rfm_lifecycle.rfm_add_days('valued_days.value_date', 1 - settings.trailing_revenue_days) }}
            <= customer_days.activity_date
    group by valued_days.period_end_date

),

final as (

    select
        period_end_date,
        cast(revenue_at_risk_at_start as decimal(38, 2)) as revenue_at_risk_at_start,
        cast(revenue_at_risk_recovered as decimal(38, 2)) as revenue_at_risk_recovered,
        cast(revenue_at_risk_at_end as decimal(38, 2)) as revenue_at_risk_at_end

    from valued

)

select * from final
