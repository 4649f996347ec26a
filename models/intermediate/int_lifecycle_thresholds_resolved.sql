{%- set settings = rfm_lifecycle.rfm_threshold_settings() -%}
{%- set scoring = rfm_lifecycle.rfm_scoring_settings() -%}
{%- set fixed = settings.thresholds -%}
{%- set learns_window_gaps = 'auto' in [fixed.inactive_days_regular, fixed.inactive_days_loyal, fixed.lost_days] -%}
{%- set learns_second_order_gaps = fixed.new_customer_days == 'auto' -%}
{%- set reads_orders = learns_window_gaps or learns_second_order_gaps -%}
{%- set reads_customers = learns_window_gaps or fixed.loyal_min_orders == 'auto' -%}
{#- Fixed thresholds need no sample: the CTEs that learn them are left out, and with them a sort of every order. -#}
{#- Used when an 'auto' threshold has no data to learn from (auto_fallback_thresholds: the shipped defaults). -#}
{%- set fallback = settings.fallback -%}

{#-
    One row with every threshold in force. A number from the vars is used as
    given; 'auto' learns it from the orders up to the as-of date:
      loyal_min_orders       auto_loyal_percentile of tier_frequency among
                             repeat customers (tier_frequency >= 2), at least 3
      new_customer_days      auto_new_customer_percentile of the days from the
                             first to the second order
      inactive_days_<tier>   auto_inactive_percentile of the gaps between
                             consecutive orders in the window, per tier
      lost_days              auto_lost_percentile of all those gaps, at least
                             one day more than every other day threshold
-#}

with

{% if reads_orders -%}
order_gaps as (

    select * from {{ ref('int_order_gaps') }}

),
{%- endif %}

{% if reads_customers -%}
customers as (

    select * from {{ ref('int_customers_aggregated') }}

),
{%- endif %}

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

loyal_auto as (

    {{ rfm_lifecycle.rfm_percentile_disc_when_auto(
        fixed.loyal_min_orders, 'customers', 'tier_frequency', settings.auto_loyal_percentile,
        'tier_frequency >= 2') }}

),

loyal_resolved as (

    select
        {% if fixed.loyal_min_orders == 'auto' -%}
        case
            when sample_size = 0 then {{ fallback.loyal_min_orders }}
            else greatest(3, percentile_value)
        end as loyal_min_orders,
        case when sample_size = 0 then 'auto_fallback' else 'auto' end as loyal_min_orders_method,
        {%- else -%}
        {{ fixed.loyal_min_orders }} as loyal_min_orders,
        'fixed' as loyal_min_orders_method,
        {%- endif %}
        {{ 'sample_size' if fixed.loyal_min_orders == 'auto' else 'null' }} as loyal_min_orders_sample_size

    from loyal_auto

),

{% if learns_window_gaps -%}
window_gaps as (

    select
        order_gaps.gap_days,
        case
            when customers.tier_frequency >= loyal_resolved.loyal_min_orders then 'loyal' else 'regular'
        end as frequency_tier

    from order_gaps
    inner join customers
        on order_gaps.customer_id = customers.customer_id
    cross join loyal_resolved
    where
        order_gaps.is_in_window
        and order_gaps.gap_days is not null

),
{%- endif %}

{% if learns_second_order_gaps -%}
second_order_gaps as (

    select gap_days
    from order_gaps
    where order_number = 2

),
{%- endif %}

new_customer_auto as (

    {{ rfm_lifecycle.rfm_percentile_disc_when_auto(
        fixed.new_customer_days, 'second_order_gaps', 'gap_days', settings.auto_new_customer_percentile) }}

),

inactive_regular_auto as (

    {{ rfm_lifecycle.rfm_percentile_disc_when_auto(
        fixed.inactive_days_regular, 'window_gaps', 'gap_days', settings.auto_inactive_percentile,
        "frequency_tier = 'regular'") }}

),

inactive_loyal_auto as (

    {{ rfm_lifecycle.rfm_percentile_disc_when_auto(
        fixed.inactive_days_loyal, 'window_gaps', 'gap_days', settings.auto_inactive_percentile,
        "frequency_tier = 'loyal'") }}

),

lost_auto as (

    {{ rfm_lifecycle.rfm_percentile_disc_when_auto(
        fixed.lost_days, 'window_gaps', 'gap_days', settings.auto_lost_percentile) }}

),

days_resolved as (

    select
        loyal_resolved.*,
        {%- for name, auto_cte in [
            ('new_customer_days', 'new_customer_auto'),
            ('inactive_days_regular', 'inactive_regular_auto'),
            ('inactive_days_loyal', 'inactive_loyal_auto'),
        ] %}
        {%- if fixed[name] == 'auto' %}
        case
            when {{ auto_cte }}.sample_size = 0 then {{ fallback[name] }}
            -- A zero-day threshold would make every customer inactive the day after an order.
            else greatest(1, {{ auto_cte }}.percentile_value)
        end as {{ name }},
        case when {{ auto_cte }}.sample_size = 0 then 'auto_fallback' else 'auto' end as {{ name }}_method,
        {%- else %}
        {{ fixed[name] }} as {{ name }},
        'fixed' as {{ name }}_method,
        {%- endif %}
        {{ auto_cte ~ '.sample_size' if fixed[name] == 'auto' else 'null' }} as {{ name }}_sample_size,
        {%- endfor %}
        lost_auto.percentile_value as lost_days_learned,
        lost_auto.sample_size as lost_days_sample_size

    from loyal_resolved
    cross join new_customer_auto
    cross join inactive_regular_auto
    cross join inactive_loyal_auto
    cross join lost_auto

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

-- Kept in the lineage when every threshold is fixed and neither is read.
-- depends_on: {{ ref('int_order_gaps') }}, {{ ref('int_customers_aggregated') }}
