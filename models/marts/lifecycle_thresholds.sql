{#- Each var as configured, after the settings macros validated it. -#}
{%- set threshold_settings = rfm_lifecycle.rfm_threshold_settings() -%}
{%- set probability_mode = threshold_settings.inactivity_mode == 'probability' -%}
{%- set configured = {} -%}
{%- do configured.update(rfm_lifecycle.rfm_threshold_settings().configured) -%}
{%- do configured.update(rfm_lifecycle.rfm_scoring_settings().configured) -%}

{%- set rows = [
    ('loyal_min_orders', 'orders', 'loyal_min_orders', 'Orders in the window from which a repeat customer is loyal.'),
    ('new_customer_days', 'days', 'new_customer_days', 'Days after the first order during which a one-order customer is new; one day later they are one-time (not used in probability mode).'),
    ('inactive_days_regular', 'days', 'inactive_days_regular', 'Days without an order after which a regular customer is inactive (the upper bound in cycle mode; not used in probability mode).'),
    ('inactive_days_loyal', 'days', 'inactive_days_loyal', 'Days without an order after which a loyal customer is inactive (the upper bound in cycle mode; not used in probability mode).'),
    ('lost_days', 'days', 'lost_days', 'Days without an order after which any customer is lost.'),
] -%}
{%- set settings_rows = [
    ('cycle_multiplier', 'thresholds.cycle_multiplier_percent / 100.0', 'x interval', 'In cycle mode: inactive after this many times the customer\'s mean days between orders.'),
    ('cycle_min_days', 'thresholds.cycle_min_days', 'days', 'In cycle mode: the customer\'s own threshold is never shorter than this.'),
    ('lookback_days', 'thresholds.lookback_days', 'days', 'Length of the window for frequency and monetary, ending on the as-of date.'),
    ('score_buckets', 'thresholds.score_buckets', 'buckets', 'R, F and M scores run from 1 to this; the highest is the best.'),
    ('trailing_revenue_days', 'thresholds.trailing_revenue_days', 'days', 'Period of the trailing revenue behind revenue at risk and upgrade potential.'),
] -%}

{#-
    Every threshold and setting in force for this run, one row each, with how
    it was set. In probability mode also the learned diagonal, one row per
    order-count group (int_lifecycle_thresholds_learned): the threshold, the
    var it was learned with (configured_value) and, in the rule, the
    return_curves row it came from.
-#}

with

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

repeat_curve as (

    select * from {{ ref('repeat_purchase_curve') }}

),

{% if probability_mode -%}
learned as (

    select * from {{ ref('int_lifecycle_thresholds_learned') }}

),
{%- endif %}

repeat_curve_knee as (

    -- One row, also when the curve has no knee (the value is then empty).
    select
        min(case when is_knee then bucket_start_day end) as knee_start_day,
        max(first_order_customers) as first_order_customers

    from repeat_curve

),


threshold_rows as (

    {% for name, unit, column, rule in rows -%}
    select
        '{{ name }}' as threshold_name,
        cast(thresholds.{{ column }} as decimal(18, 2)) as threshold_value,
        '{{ unit }}' as value_unit,
        thresholds.{{ column }}_method as set_by,
        cast(thresholds.{{ column }}_sample_size as {{ dbt.type_int() }}) as sample_size,
        {{ rfm_lifecycle.rfm_sql_string(configured[name]) }} as configured_value,
        {{ rfm_lifecycle.rfm_sql_string(rule) }} as rule_description,
        thresholds.as_of_date

    from thresholds

    union all

    {% endfor -%}
    {%- set history = rfm_lifecycle.rfm_history_settings() %}
    -- Measured, not configured: set it beside new_customer_days to see whether the welcome window fits the data.
    select
        'repeat_curve_knee_days' as threshold_name,
        cast(repeat_curve_knee.knee_start_day as decimal(18, 2)) as threshold_value,
        'days' as value_unit,
        'auto' as set_by,
        cast(repeat_curve_knee.first_order_customers as {{ dbt.type_int() }}) as sample_size,
        {{ rfm_lifecycle.rfm_sql_string(
            'knee_drop ' ~ history.repeat_curve_knee_drop ~ ', ' ~ history.repeat_curve_buckets ~ ' buckets of '
            ~ history.repeat_curve_bucket_days ~ ' days') }} as configured_value,
        {{ rfm_lifecycle.rfm_sql_string(
            'Days after the first order from which the chance of a second order stays at least '
            ~ ((history.repeat_curve_knee_drop | float) * 100) | round | int
            ~ '% below its peak (repeat_purchase_curve); empty when it never does. '
            ~ 'Compare with new_customer_days: the welcome programme should end before this day.') }}
            as rule_description,
        thresholds.as_of_date

    from thresholds
    cross join repeat_curve_knee

    union all

    {%- for name, expression, unit, rule in settings_rows %}
    select
        '{{ name }}' as threshold_name,
        cast({{ expression }} as decimal(18, 2)) as threshold_value,
        '{{ unit }}' as value_unit,
        'fixed' as set_by,
        cast(null as {{ dbt.type_int() }}) as sample_size,
        {{ rfm_lifecycle.rfm_sql_string(configured[name]) }} as configured_value,
        {{ rfm_lifecycle.rfm_sql_string(rule) }} as rule_description,
        thresholds.as_of_date

    from thresholds

    union all
    {% endfor %}
    {% if probability_mode -%}
    {%- set group_text = 'cast(learned.order_count_group as ' ~ dbt.type_string() ~ ')' -%}
    {%- set crossing_text = 'cast(learned.crossing_day as ' ~ dbt.type_string() ~ ')' -%}
    {%- set horizon_text = 'cast(learned.return_horizon_days as ' ~ dbt.type_string() ~ ')' -%}
    {%- set below_text = rfm_lifecycle.rfm_sql_string(threshold_settings.inactive_below_return_probability) -%}
    {%- set orders_text = "case when learned.order_count_group = 1 then ' order' else ' orders' end" -%}
    select
        {{ dbt.concat(["'learned_days_orders_'", 'learned.order_count_label']) }} as threshold_name,
        cast(learned.threshold_days as decimal(18, 2)) as threshold_value,
        'days' as value_unit,
        learned.set_by,
        learned.curve_gaps as sample_size,
        {{ rfm_lifecycle.rfm_sql_string(configured.inactive_below_return_probability) }} as configured_value,
        case
            when learned.crossing_day is null then {{ dbt.concat([
                "'Customers with '", 'learned.order_count_label', orders_text,
                "': return_curves (order_count_group '", group_text,
                "') never gives a return probability within '", horizon_text, "' days below '", below_text,
                "'; they fall back to lost_days and go lost without turning '",
                "case when learned.order_count_group = 1 then 'one-time' else 'inactive' end", "'.'"]) }}
            else {{ dbt.concat([
                "'Customers with '", 'learned.order_count_label', orders_text, "' turn '",
                "case when learned.order_count_group = 1 then 'one-time' else 'inactive' end",
                "' on day '", crossing_text, "' after their last order: the first return_curves row "
                ~ "(order_count_group '", group_text, "', days_since_last_order '", crossing_text,
                "') with a return probability within '", horizon_text, "' days below '", below_text, "'.'"]) }}
        end as rule_description,
        learned.as_of_date

    from learned

    union all

    {% endif -%}
    select
        'inactivity_mode' as threshold_name,
        cast(null as decimal(18, 2)) as threshold_value,
        thresholds.inactivity_mode as value_unit,
        'fixed' as set_by,
        cast(null as {{ dbt.type_int() }}) as sample_size,
        thresholds.inactivity_mode as configured_value,
        {{ rfm_lifecycle.rfm_sql_string(
            "tier: inactive after the tier threshold; cycle: after skipping the customer's own order cycle; "
            ~ "probability: from the first day the return probability of the customer's order count is below "
            ~ "inactive_below_return_probability (the learned_days_orders_ rows)."
        ) }} as rule_description,
        thresholds.as_of_date

    from thresholds

),

final as (

    select
        cast(threshold_name as {{ dbt.type_string() }}) as threshold_name,
        threshold_value,
        cast(value_unit as {{ dbt.type_string() }}) as value_unit,
        cast(set_by as {{ dbt.type_string() }}) as set_by,
        sample_size,
        cast(configured_value as {{ dbt.type_string() }}) as configured_value,
        cast(rule_description as {{ dbt.type_string() }}) as rule_description,
        as_of_date

    from threshold_rows

)

select * from final

-- Kept in the lineage in every mode: the learned rows show only in probability mode.
-- depends_on: {{ ref('int_lifecycle_thresholds_learned') }}
