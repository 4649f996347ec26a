{#-
    Calibration: the days between consecutive orders, per frequency tier, at
    the percentiles the 'auto' rules use, beside the threshold in force.

      first_to_second  days from the first to the second order: the basis of
                       new_customer_days (auto: auto_new_customer_percentile)
      regular, loyal   gaps between consecutive orders in the look-back
                       window of customers in that tier: the basis of
                       inactive_days_regular / inactive_days_loyal
                       (auto: auto_inactive_percentile)
      all_repeat       all those gaps: the basis of lost_days
                       (auto: auto_lost_percentile)

    share_of_gaps_beyond_threshold: how many gaps are longer than the
    threshold, that is how often a customer who did come back would have
    been flagged (one_time, inactive or lost) before they did.
    Run: dbt compile --select gap_distribution_by_tier, then run the SQL in
    target/compiled/rfm_lifecycle/analyses/ (or: make calibrate).
-#}
{%- set percentiles = [0.5, 0.75, 0.8, 0.9, 0.95, 0.98] -%}
{%- set groups = [
    ('first_to_second', "gaps.order_number = 2", 'new_customer_days'),
    ('regular', "gaps.is_in_window and gaps.frequency_tier = 'regular'", 'inactive_days_regular'),
    ('loyal', "gaps.is_in_window and gaps.frequency_tier = 'loyal'", 'inactive_days_loyal'),
    ('all_repeat', "gaps.is_in_window", 'lost_days'),
] %}

with

order_gaps as (

    select * from {{ ref('int_order_gaps') }}
    where gap_days is not null

),

customers as (

    select * from {{ ref('customer_segments') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

gaps as (

    select
        order_gaps.order_number,
        order_gaps.is_in_window,
        order_gaps.gap_days,
        customers.frequency_tier

    from order_gaps
    inner join customers
        on order_gaps.customer_id = customers.customer_id

),

{% for group_name, condition, threshold in groups -%}
{{ group_name }}_percentiles as (

    {{ rfm_lifecycle.rfm_percentiles_disc('gaps', 'gap_days', percentiles, condition) }}

),

{% endfor -%}

percentile_rows as (

    {% for group_name, condition, threshold in groups -%}
    {%- for percentile in percentiles -%}
    select
        '{{ group_name }}' as gap_group,
        {{ percentile }} as percentile,
        percentile_{{ loop.index }} as gap_days,
        sample_size
    from {{ group_name }}_percentiles

    {% if not loop.last %}union all{% endif %}
    {% endfor -%}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

thresholds_in_force as (

    {% for group_name, condition, threshold in groups -%}
    select
        '{{ group_name }}' as gap_group,
        '{{ threshold }}' as threshold_name,
        thresholds.{{ threshold }} as threshold_days,
        count(*) as gaps,
        sum(case when gaps.gap_days > thresholds.{{ threshold }} then 1 else 0 end) as gaps_beyond_threshold
    from gaps
    cross join thresholds
    where {{ condition }}
    group by thresholds.{{ threshold }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        percentile_rows.gap_group,
        percentile_rows.percentile,
        percentile_rows.gap_days,
        percentile_rows.sample_size,
        thresholds_in_force.threshold_name,
        thresholds_in_force.threshold_days,
        case
            when thresholds_in_force.gaps > 0
                then {{ rfm_lifecycle.rfm_rounded_ratio(
                    'thresholds_in_force.gaps_beyond_threshold', 'thresholds_in_force.gaps', 4) }}
        end as share_of_gaps_beyond_threshold

    from percentile_rows
    inner join thresholds_in_force
        on percentile_rows.gap_group = thresholds_in_force.gap_group

)

select * from final
order by gap_group asc, percentile asc
