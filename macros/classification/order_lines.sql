{#-
    Building blocks of the aggregate-first row classification
    (int_orders_classified): rows are grouped, never sorted one by one.
-#}

{% macro rfm_values_differ(column) -%}
    {#- Inside a group: not every row holds the same value (a null differs from any value). -#}
    (min({{ column }}) <> max({{ column }}) or count({{ column }}) not in (0, count(*)))
{%- endmacro %}


{% macro rfm_first_by(value, sort_keys, condition) %}
    {#-
        The value of the first row (among those meeting condition) in the order
        of sort_keys, as an aggregate. The keys must be free of nulls, so the
        order is total on every engine.
    -#}
    {{ return(adapter.dispatch('rfm_first_by', 'rfm_lifecycle')(value, sort_keys, condition)) }}
{% endmacro %}

{% macro default__rfm_first_by(value, sort_keys, condition) -%}
    (array_agg({{ value }} order by {{ sort_keys | join(', ') }}) filter (where {{ condition }}))[1]
{%- endmacro %}

{% macro duckdb__rfm_first_by(value, sort_keys, condition) -%}
    arg_min({{ value }}, row({{ sort_keys | join(', ') }})) filter (where {{ condition }})
{%- endmacro %}

{% macro spark__rfm_first_by(value, sort_keys, condition) -%}
    min_by({{ value }}, struct({{ sort_keys | join(', ') }})) filter (where {{ condition }})
{%- endmacro %}
