{%- set settings = rfm_lifecycle.rfm_scoring_settings() -%}

{#- Default: the latest valid order date, so a rerun on the same data gives the same result. -#}
{%- set as_of_date = rfm_lifecycle.rfm_date_literal(settings.as_of_date) if settings.as_of_date is not none
    else '(select max(case when is_order then order_date end) from orders)' -%}

{#- One row: the as-of date of this run and the first days of the look-back and trailing periods. -#}

with

orders as (

    select * from {{ ref('int_orders_netted') }}

),

resolved as (

    -- Exactly one row, also when the input is empty.
    select
        {{ as_of_date }} as as_of_date,
        {{ settings.lookback_days }} as lookback_days

),

final as (

    select
        as_of_date,
        -- First day inside the window: a 730-day window ending on the as-of date starts 729 days earlier.
        {{ rfm_lifecycle.rfm_add_days('as_of_date', 1 - settings.lookback_days) }} as window_start_date,
        {{ rfm_lifecycle.rfm_add_days('as_of_date', 1 - settings.trailing_revenue_days) }}
            as trailing_start_date,
        lookback_days

    from resolved

)

select * from final
