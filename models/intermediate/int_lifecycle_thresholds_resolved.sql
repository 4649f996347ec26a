{%- set settings = rfm_lifecycle.rfm_threshold_settings() -%}
{%- set scoring = rfm_lifecycle.rfm_scoring_settings() -%}
{%- set fixed = settings.thresholds -%}
{#- Used when an 'auto' threshold has no data to learn from (auto_fallback_thresholds: the shipped defaults). -#}
{%- set fallback = settings.fallback -%}

{#-
    One row with every threshold in force, how it was set (fixed, auto or
    auto_fallback) and on how many data points. A number from the vars is used
    as given; an 'auto' threshold takes what int_lifecycle_auto_thresholds_learned
    learned from the orders, or the fallback when there was nothing to learn
    from. lost_days is held at least one day above every other day threshold.
-#}

with

learned as (

    select * from {{ ref('int_lifecycle_auto_thresholds_learned') }}

),

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

days_resolved as (

    select
        learned.loyal_min_orders,
        learned.loyal_min_orders_method,
        learned.loyal_min_orders_sample_size,
        {%- for name in ['new_customer_days', 'inactive_days_regular', 'inactive_days_loyal'] %}
        {%- if fixed[name] == 'auto' %}
        case
            when learned.{{ name }}_sample_size = 0 then {{ fallback[name] }}
            -- A zero-day threshold would make every customer inactive the day after an order.
            else greatest(1, learned.{{ name }}_learned)
        end as {{ name }},
        case when learned.{{ name }}_sample_size = 0 then 'auto_fallback' else 'auto' end as {{ name }}_method,
        learned.{{ name }}_sample_size,
        {%- else %}
        {{ fixed[name] }} as {{ name }},
        'fixed' as {{ name }}_method,
        null as {{ name }}_sample_size,
        {%- endif %}
        {%- endfor %}
        learned.lost_days_learned,
        learned.lost_days_sample_size

    from learned

),

final as (

    select
        as_of.as_of_date,
        as_of.window_start_date,
        as_of.lookback_days,
        cast(days_resolved.loyal_min_orders as {{ dbt.type_int() }}) as loyal_min_orders,
        days_resolved.loyal_min_orders_method,
        cast(days_resolved.loyal_min_orders_sample_size as {{ dbt.type_int() }}) as loyal_min_orders_sample_size,
        cast(days_resolved.new_customer_days as {{ dbt.type_int() }}) as new_customer_days,
        days_resolved.new_customer_days_method,
        cast(days_resolved.new_customer_days_sample_size as {{ dbt.type_int() }})
            as new_customer_days_sample_size,
        cast(days_resolved.inactive_days_regular as {{ dbt.type_int() }}) as inactive_days_regular,
        days_resolved.inactive_days_regular_method,
        cast(days_resolved.inactive_days_regular_sample_size as {{ dbt.type_int() }})
            as inactive_days_regular_sample_size,
        cast(days_resolved.inactive_days_loyal as {{ dbt.type_int() }}) as inactive_days_loyal,
        days_resolved.inactive_days_loyal_method,
        cast(days_resolved.inactive_days_loyal_sample_size as {{ dbt.type_int() }})
            as inactive_days_loyal_sample_size,
        {% if fixed.lost_days == 'auto' -%}
        -- The fallback is held to the same floor: lost must come after every other day threshold,
        -- also when those were learned or fixed above the shipped default.
        cast(
            greatest(
                case
                    when days_resolved.lost_days_sample_size = 0 then {{ fallback.lost_days }}
                    else days_resolved.lost_days_learned
                end,
                days_resolved.new_customer_days + 1,
                days_resolved.inactive_days_regular + 1,
                days_resolved.inactive_days_loyal + 1
            ) as {{ dbt.type_int() }}
        ) as lost_days,
        case when days_resolved.lost_days_sample_size = 0 then 'auto_fallback' else 'auto' end as lost_days_method,
        {%- else -%}
        cast({{ fixed.lost_days }} as {{ dbt.type_int() }}) as lost_days,
        'fixed' as lost_days_method,
        {%- endif %}
        {%- set lost_sample = 'days_resolved.lost_days_sample_size' if fixed.lost_days == 'auto' else 'null' %}
        cast({{ lost_sample }} as {{ dbt.type_int() }}) as lost_days_sample_size,
        {{ rfm_lifecycle.rfm_sql_string(settings.inactivity_mode) }} as inactivity_mode,
        cast({{ (settings.cycle_multiplier | float * 100) | round | int }} as {{ dbt.type_int() }})
            as cycle_multiplier_percent,
        cast({{ settings.cycle_min_days }} as {{ dbt.type_int() }}) as cycle_min_days,
        cast({{ scoring.score_buckets }} as {{ dbt.type_int() }}) as score_buckets,
        cast({{ scoring.trailing_revenue_days }} as {{ dbt.type_int() }}) as trailing_revenue_days

    from days_resolved
    cross join as_of

)

select * from final
