{#-
    The loaded_at_query of the orders source, so `dbt source freshness` works
    the same whether the orders come from a file (orders_path, DuckDB) or from
    a table: dbt's own freshness query reads the declared table, which does not
    exist when a file is read.

    - A file without orders_loaded_at_column: the newest modification time of
      the matching files. A daily export that was not refreshed is stale even
      when it holds recent orders, and a refreshed one is fresh without
      reading a byte of it.
    - A table (or a file with orders_loaded_at_column): the newest value of
      that column, or of the mapped order_date column. A value without a time
      of day counts as the end of that day, so yesterday's complete orders
      loaded this morning are under a day old.
    Values without a time zone are taken as UTC, as dbt does.
-#}

{% macro rfm_orders_loaded_at_query() %}
    {%- set settings = rfm_lifecycle.rfm_freshness_settings() -%}
    {%- set path = rfm_lifecycle.rfm_path_var('orders_path') -%}
    {%- set relation = rfm_lifecycle.rfm_input_relation('orders') -%}
    {%- if path is not none and settings.orders_loaded_at_column is none -%}
        {{ return(rfm_lifecycle.rfm_file_modified_at_query(path)) }}
    {%- endif -%}
    {%- set column = rfm_lifecycle.rfm_loaded_at_column(relation, settings.orders_loaded_at_column) -%}
    {{ return('select max(' ~ rfm_lifecycle.rfm_loaded_at_timestamp(column) ~ ') as max_loaded_at from ' ~ relation) }}
{% endmacro %}


{% macro rfm_loaded_at_column(relation, configured_column) %}
    {#- The quoted input column holding the load time: the configured one, else the mapped order_date. -#}
    {%- if configured_column is none -%}
        {%- set columns = rfm_lifecycle.rfm_input_columns(
            'orders', relation,
            required=['order_id', 'customer_id', 'order_date', 'amount'],
            optional=['status', 'margin', 'line_id'],
        ) -%}
        {{ return(columns['order_date']) }}
    {%- endif -%}
    {%- set probe = run_query('select * from ' ~ relation ~ ' where 1 = 0') -%}
    {%- for column_name in probe.column_names -%}
        {%- if column_name | lower == configured_column | lower -%}
            {{ return(adapter.quote(column_name)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "rfm_lifecycle: var 'orders_loaded_at_column' is '" ~ configured_column
        ~ "', which the orders input does not have. Columns found: " ~ probe.column_names | join(', ') ~ "."
    ) }}
{% endmacro %}


{% macro rfm_loaded_at_timestamp(column) -%}
    {%- set text = 'trim(cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ '))' -%}
    case
        when length({{ text }}) = 10
            then cast({{ rfm_lifecycle.rfm_add_days(rfm_lifecycle.rfm_try_cast_date(text), 1) }} as {{ dbt.type_timestamp() }})
        else try_cast({{ text }} as {{ dbt.type_timestamp() }})
    end
{%- endmacro %}


{% macro rfm_file_modified_at_query(path) %}
    {{ return(adapter.dispatch('rfm_file_modified_at_query', 'rfm_lifecycle')(path)) }}
{% endmacro %}


{% macro default__rfm_file_modified_at_query(path) %}
    {{ exceptions.raise_compiler_error(
        "rfm_lifecycle: var 'orders_path' reads files on DuckDB only; set orders_loaded_at_column or use a table."
    ) }}
{% endmacro %}


{% macro duckdb__rfm_file_modified_at_query(path) %}
    {#- read_blob lists the files; without the content column it reads none of them. -#}
    {{ return('select max(last_modified) as max_loaded_at from read_blob(' ~ rfm_lifecycle.rfm_sql_string(path) ~ ')') }}
{% endmacro %}
