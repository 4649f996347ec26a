{%- set settings = rfm_lifecycle.rfm_threshold_settings() -%}
{%- set fixed = settings.thresholds -%}
{%- set learns_window_gaps = 'auto' in [fixed.inactive_days_regular, fixed.inactive_days_loyal, fixed.lost_days] -%}
{%- set learns_second_order_gaps = fixed.new_customer_days == 'auto' -%}
{%- set reads_orders = learns_window_gaps or learns_second_order_gaps -%}
{%- set reads_customers = learns_window_gaps or fixed.loyal_min_orders == 'auto' -%}
{#- Fixed thresholds need no sample: the CTEs that learn them are left out, and with them a sort of every order. -#}
{#- Used when an 'auto' threshold has no data to learn from (auto_fallback_thresholds: the shipped defaults). -#}
{%- set fallback = settings.fallback -%}

{#-
    What the 'auto' rules learn from the orders up to the as-of date, in one
    row; int_lifecycle_thresholds_resolved turns it into the thresholds in
    force. A fixed day threshold learns nothing (null, sample size 0).
      loyal_min_orders       auto_loyal_percentile of tier_frequency among
                             repeat customers (tier_frequency >= 2), at least 3
      new_customer_days      auto_new_customer_percentile of the days from the
                             first to the second order
      inactive_days_<tier>   auto_inactive_percentile of the gaps between
                             consecutive orders in the window, per tier
      lost_days              auto_lost_percentile of all those gaps
    loyal_min_orders is resolved here, not only learned: the window gaps are
    split by the tier it draws.
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
        -- Typed: this row is stored, and not every engine stores a column of bare nulls.
        {{ 'sample_size' if fixed.loyal_min_orders == 'auto' else 'cast(null as ' ~ dbt.type_int() ~ ')' }}
            as loyal_min_orders_sample_size

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

final as (

    select
        loyal_resolved.loyal_min_orders,
        loyal_resolved.loyal_min_orders_method,
        loyal_resolved.loyal_min_orders_sample_size,
        new_customer_auto.percentile_value as new_customer_days_learned,
        new_customer_auto.sample_size as new_customer_days_sample_size,
        inactive_regular_auto.percentile_value as inactive_days_regular_learned,
        inactive_regular_auto.sample_size as inactive_days_regular_sample_size,
        inactive_loyal_auto.percentile_value as inactive_days_loyal_learned,
        inactive_loyal_auto.sample_size as inactive_days_loyal_sample_size,
        lost_auto.percentile_value as lost_days_learned,
        lost_auto.sample_size as lost_days_sample_size

    from loyal_resolved
    cross join new_customer_auto
    cross join inactive_regular_auto
    cross join inactive_loyal_auto
    cross join lost_auto

)

select * from final

-- Kept in the lineage when every threshold is fixed and neither is read.
-- depends_on: {{ ref('int_order_gaps') }}, {{ ref('int_customers_aggregated') }}
