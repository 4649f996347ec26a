{%- set settings = rfm_lifecycle.rfm_settings() -%}

{#- One row: the as-of date of this run and the first day of the look-back window. -#}

with

orders as (

    select * from {{ ref('int_orders_netted') }}

),

resolved as (

    select
        {% if settings.as_of_date is not none -%}
        {{ rfm_lifecycle.rfm_date_literal(settings.as_of_date) }} as as_of_date,
        {%- else -%}
        -- Default: the latest valid order date, so a rerun on the same data gives the same result.
        max(case when is_order then order_date end) as as_of_date,
        {%- endif %}
        {{ settings.lookback_days }} as lookback_days

    from orders

),

final as (

    select
        as_of_date,
        -- First day inside the window: a 730-day window ending on the as-of date starts 729 days earlier.
        cast({{ dbt.dateadd('day', 1 - settings.lookback_days, 'as_of_date') }} as date) as window_start_date,
        cast({{ dbt.dateadd('day', 1 - settings.trailing_revenue_days, 'as_of_date') }} as date)
            as trailing_start_date,
        lookback_days

    from resolved

)

select * from final
