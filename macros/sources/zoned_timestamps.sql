{#-
    A timestamp with a time zone is an instant; the day it falls on depends on
    the zone it is read in. Cast to text as it is, it would be written in the
    session's zone (on DuckDB the machine's TZ), so the same file would land
    orders on another day on another machine. Such typed columns (Parquet,
    a timestamptz table) are written as text in orders_time_zone (default
    UTC) instead. A timestamp written as text keeps the date as written.
-#}

{% macro rfm_zoned_timestamp_columns(relation) %}
    {#- Lower-cased names of the input's columns typed as a timestamp with a time zone. -#}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(adapter.dispatch('rfm_zoned_timestamp_columns', 'rfm_lifecycle')(relation)) }}
{% endmacro %}

{% macro default__rfm_zoned_timestamp_columns(relation) %}
    {#- Spark's timestamps carry no zone of their own: their text is the session's, set on the cluster. -#}
    {{ return([]) }}
{% endmacro %}

{% macro duckdb__rfm_zoned_timestamp_columns(relation) %}
    {%- set described = run_query("describe select * from " ~ relation) -%}
    {%- set names = [] -%}
    {%- for row in described.rows -%}
        {%- if row[1] | upper == 'TIMESTAMP WITH TIME ZONE' -%}
            {%- do names.append(row[0] | lower) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}

{% macro postgres__rfm_zoned_timestamp_columns(relation) %}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.dtype | lower == 'timestamp with time zone' -%}
            {%- do names.append(column.name | lower) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{% macro rfm_zoned_timestamp_text(expression, time_zone) %}
    {{ return(adapter.dispatch('rfm_zoned_timestamp_text', 'rfm_lifecycle')(expression, time_zone)) }}
{% endmacro %}

{% macro default__rfm_zoned_timestamp_text(expression, time_zone) -%}
    to_char({{ expression }} at time zone {{ rfm_lifecycle.rfm_sql_string(time_zone) }}, 'YYYY-MM-DD HH24:MI:SS')
{%- endmacro %}

{% macro duckdb__rfm_zoned_timestamp_text(expression, time_zone) -%}
    strftime(timezone({{ rfm_lifecycle.rfm_sql_string(time_zone) }}, {{ expression }}), '%Y-%m-%d %H:%M:%S')
{%- endmacro %}
