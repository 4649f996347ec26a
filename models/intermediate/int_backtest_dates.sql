{%- set returns = rfm_lifecycle.rfm_return_settings() -%}
{%- set horizon = returns.return_horizon_days -%}

{#-
    The as-of dates of the back-test (docs/return_probability.md): the
    reported period ends of segment_history whose return_horizon_days days
    after them all lie on or before the as-of date of the run, so what every
    customer did in the horizon is known. None when the history is shorter
    than the horizon.
-#}

with

periods as (

    select * from {{ ref('int_history_periods') }}
    where is_reported

),

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

final as (

    select
        cast(periods.period_end_date as date) as backtest_date,
        cast({{ rfm_lifecycle.rfm_add_days('periods.period_end_date', horizon) }} as date) as horizon_end_date,
        cast({{ horizon }} as {{ dbt.type_int() }}) as return_horizon_days

    from periods
    cross join as_of
    where {{ rfm_lifecycle.rfm_add_days('periods.period_end_date', horizon) }} <= as_of.as_of_date

)

select * from final
