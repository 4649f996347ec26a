{#-
    As an aggregate: the value of the first row, among the rows meeting
    condition, in the order of sort_keys. The keys must not be null, and rows
    that tie on every key must hold the same value, so the result never
    depends on which of them an engine looks at first.
-#}

{% macro rfm_first_by(value, sort_keys, condition) %}
    {{ return(adapter.dispatch('rfm_first_by', 'rfm_lifecycle')(value, sort_keys, condition)) }}
{% endmacro %}

{% macro default__rfm_first_by(value, sort_keys, condition) -%}
    (array_agg({{ value }} order by {{ sort_keys | join(', ') }}) filter (where {{ condition }}))[1]
{%- endmacro %}

{% macro duckdb__rfm_first_by(value, sort_keys, condition) -%}
    {#- A struct key costs several times a plain one; one key is passed as it is. -#}
    {%- set key = sort_keys[0] if sort_keys | length == 1 else 'row(' ~ sort_keys | join(', ') ~ ')' -%}
    arg_min({{ value }}, {{ key }}) filter (where {{ condition }})
{%- endmacro %}

{% macro spark__rfm_first_by(value, sort_keys, condition) -%}
    {%- set key = sort_keys[0] if sort_keys | length == 1 else 'struct(' ~ sort_keys | join(', ') ~ ')' -%}
    min_by({{ value }}, {{ key }}) filter (where {{ condition }})
{%- endmacro %}
