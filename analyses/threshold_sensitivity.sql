{#-
    Calibration: how many customers would change segment (on the as-of date)
    if one threshold moved and the others stayed. Each day threshold moves by
    every value in calibration_shift_days, down and up; loyal_min_orders moves
    by 1 and 2. Scenarios that break the order of the thresholds (a threshold
    below 1 day, loyal_min_orders below 3, lost_days not above the others) are
    left out. The segments come from the lifecycle macro itself, fed with the
    moved thresholds, so they are exactly what a run with that value would
    give (with 'auto' thresholds: what the run would give if auto had
    resolved to that value).
    One row per scenario and move (from_segment -> to_segment), with the
    scenario's total in customers_moving.
    Run: dbt compile --select threshold_sensitivity --vars '{calibration_shift_days: [5, 10]}'
    (or: make calibrate).
-#}
{%- set shifts = rfm_lifecycle.rfm_calibration_settings().calibration_shift_days -%}
{%- set cap = rfm_lifecycle.rfm_return_settings().return_curve_max_orders -%}
{%- set day_thresholds = ['new_customer_days', 'inactive_days_regular', 'inactive_days_loyal', 'lost_days'] -%}
{%- set threshold_columns = ['loyal_min_orders'] + day_thresholds -%}
{%- set scenarios = [] -%}
{%- for name in day_thresholds -%}
{%- for shift in shifts -%}
{%- do scenarios.append((name, -shift)) -%}
{%- do scenarios.append((name, shift)) -%}
{%- endfor -%}
{%- endfor -%}
{%- for shift in [-2, -1, 1, 2] -%}
{%- do scenarios.append(('loyal_min_orders', shift)) -%}
{%- endfor %}

with

customers as (

    select * from {{ ref('customer_segments') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

scenarios as (

    {% for name, shift in scenarios -%}
    select
        '{{ name }}' as threshold_name,
        {{ shift }} as shift,
        thresholds.{{ name }} + {{ shift }} as moved_value,
        {%- for column in threshold_columns %}
        {% if column == name -%}
        thresholds.{{ column }} + {{ shift }} as {{ column }},
        {%- else -%}
        thresholds.{{ column }},
        {%- endif %}
        {%- endfor %}
        thresholds.inactivity_mode,
        thresholds.cycle_multiplier_percent,
        thresholds.cycle_min_days
    from thresholds
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

valid_scenarios as (

    select *
    from scenarios
    where
        loyal_min_orders >= 3
        and new_customer_days >= 1
        and inactive_days_regular >= 1
        and inactive_days_loyal >= 1
        and lost_days > new_customer_days
        and lost_days > inactive_days_regular
        and lost_days > inactive_days_loyal

),

moved as (

    select
        valid_scenarios.threshold_name,
        valid_scenarios.shift,
        valid_scenarios.moved_value,
        customers.lifecycle_segment as from_segment,
        {{ rfm_lifecycle.rfm_lifecycle_segment(
            'customers.lifetime_orders', 'customers.frequency', 'customers.tier_frequency',
            'customers.recency_days',
            rfm_lifecycle.rfm_days_between('customers.first_order_date', 'customers.last_order_date'),
            'customers.has_refunds', 'valid_scenarios', 'learned.threshold_days') }} as to_segment

    from customers
    cross join valid_scenarios
    left join learned
        on least(customers.lifetime_orders, {{ cap }}) = learned.order_count_group

),

moves as (

    select
        threshold_name,
        shift,
        moved_value,
        from_segment,
        to_segment,
        count(*) as customers

    from moved
    where from_segment <> to_segment
    group by threshold_name, shift, moved_value, from_segment, to_segment

),

final as (

    select
        moves.*,
        sum(moves.customers) over (partition by moves.threshold_name, moves.shift) as customers_moving

    from moves

)

select * from final
order by threshold_name asc, shift asc, customers desc, from_segment asc, to_segment asc
