{#-
    Discrete percentile (an observed value: the smallest value whose position
    reaches percentile x count), one exact order statistic
    (rfm_order_statistics: aggregates and joins, no window over all rows), so
    every engine returns the same whole number and none gathers the rows in
    one task. Returns a one-row query with `percentile_value` and
    `sample_size`. The value must be a whole number (days, orders).
-#}
{% macro rfm_percentile_disc(relation, value_column, percentile, where='1 = 1') -%}
    select
        percentile_statistics.percentile_1 as percentile_value,
        percentile_statistics.sample_size

    from ({{ rfm_lifecycle.rfm_percentiles_disc(relation, value_column, [percentile], where) }}) as percentile_statistics
{%- endmacro %}


{% macro rfm_percentiles_disc(relation, value_column, percentiles, where='1 = 1') -%}
    {#- Several percentiles of one sample at once (one pass of the histogram): percentile_1..n and sample_size. -#}
    {%- set position -%}
        (case target_number
            {%- for percentile in percentiles %}
            {%- set permille = ((percentile | float) * 1000) | round | int %}
            when {{ loop.index }} then greatest(1, {{ rfm_lifecycle.rfm_ceil_div(permille ~ ' * sample_size', '1000') }})
            {%- endfor %}
        end)
    {%- endset -%}
    select
        {%- for percentile in percentiles %}
        cast(order_statistics.order_statistic_{{ loop.index }} as {{ dbt.type_bigint() }}) as percentile_{{ loop.index }},
        {%- endfor %}
        order_statistics.sample_size

    from (
        {{ rfm_lifecycle.rfm_order_statistics(
            relation, value_column, position, percentiles | length, where=where, levels=2) }}
    ) as order_statistics
{%- endmacro %}


{% macro rfm_percentile_disc_when_auto(threshold_setting, relation, value_column, percentile, where='1 = 1') -%}
    {#-
        The percentile only for an 'auto' threshold: a fixed one needs no sample,
        and skipping it spares a sort of every order gap on a large input.
    -#}
    {%- if threshold_setting == 'auto' -%}
        {{ rfm_lifecycle.rfm_percentile_disc(relation, value_column, percentile, where) }}
    {%- else -%}
        select
            cast(null as {{ dbt.type_int() }}) as percentile_value,
            cast(0 as {{ dbt.type_int() }}) as sample_size
    {%- endif -%}
{%- endmacro %}
