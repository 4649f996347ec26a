{#-
    Discrete percentile (an observed value: the smallest value whose position
    reaches percentile x count), written with plain window functions so every
    engine returns the same whole number. Returns a one-row query with
    `percentile_value` and `sample_size`.
-#}
{% macro rfm_percentile_disc(relation, value_column, percentile, where='1 = 1') -%}
    {%- set permille = ((percentile | float) * 1000) | round | int -%}
    select
        min(case when value_position >= {{ rfm_lifecycle.rfm_ceil_div(permille ~ ' * sample_size', '1000') }}
            then percentile_input end) as percentile_value,
        coalesce(max(sample_size), 0) as sample_size
    from (
        select
            {{ value_column }} as percentile_input,
            -- Equal values are interchangeable, so ordering by the value alone is deterministic.
            row_number() over (order by {{ value_column }} asc) as value_position,
            count(*) over () as sample_size
        from {{ relation }}
        where {{ where }} and {{ value_column }} is not null
    ) as positioned
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
