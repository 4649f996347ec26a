{#-
    String aggregation in a fixed order, so a list reads the same on every
    engine and every run. The values are joined in the order of the sort keys
    `order_by` (a list of expressions, each ascending with nulls last; the
    default is the value itself). Where the keys can tie, end them with the
    value itself, or the order of the tied values is the engine's choice.
    NULL values are left out, and a group without any value gives NULL, as
    string_agg does. tests/singular/assert_sorted_string_agg_agrees.sql
    checks this on every engine.
-#}

{% macro rfm_sorted_string_agg(expression, delimiter, order_by=none) -%}
    {%- set sort_keys = order_by if order_by else [expression] -%}
    {{ return(adapter.dispatch('rfm_sorted_string_agg', 'rfm_lifecycle')(expression, delimiter, sort_keys)) }}
{%- endmacro %}

{% macro default__rfm_sorted_string_agg(expression, delimiter, sort_keys) -%}
    {%- set ordering = [] -%}
    {%- for sort_key in sort_keys -%}
        {%- do ordering.append(sort_key ~ ' asc nulls last') -%}
    {%- endfor -%}
    {{ dbt.listagg(expression, delimiter, 'order by ' ~ ordering | join(', ')) }}
{%- endmacro %}

{% macro spark__rfm_sorted_string_agg(expression, delimiter, sort_keys) -%}
    {#-
        dbt.listagg ignores the order on Spark, and collect_list keeps
        whatever order the rows arrive in. So each value is collected in a
        struct behind its sort keys, the array is sorted (a struct compares
        field by field; an is-null flag before each key puts nulls last),
        and the values are taken back out. array_join skips NULL values.
    -#}
    {%- set fields = [] -%}
    {%- for sort_key in sort_keys -%}
        {%- do fields.append("'key_" ~ loop.index ~ "_is_null', (" ~ sort_key ~ ") is null") -%}
        {%- do fields.append("'key_" ~ loop.index ~ "', " ~ sort_key) -%}
    {%- endfor -%}
    {%- do fields.append("'string_value', " ~ expression) -%}
    case
        when count({{ expression }}) > 0
            then array_join(
                transform(
                    array_sort(collect_list(named_struct({{ fields | join(', ') }}))),
                    sorted_entry -> sorted_entry.string_value
                ),
                {{ delimiter }}
            )
    end
{%- endmacro %}
