{#-
    String aggregation in a fixed order: values joined ascending, so a list
    reads the same on every engine and every run.
-#}

{% macro rfm_sorted_string_agg(expression, delimiter) -%}
    {{ return(adapter.dispatch('rfm_sorted_string_agg', 'rfm_lifecycle')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__rfm_sorted_string_agg(expression, delimiter) -%}
    {{ dbt.listagg(expression, delimiter, 'order by ' ~ expression ~ ' asc') }}
{%- endmacro %}

{% macro spark__rfm_sorted_string_agg(expression, delimiter) -%}
    {#- dbt.listagg ignores the order on Spark; sorting the collected list gives the same result. -#}
    array_join(array_sort(collect_list({{ expression }})), {{ delimiter }})
{%- endmacro %}
