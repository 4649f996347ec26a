{#-
    Seeds on Spark. dbt-spark's session method pastes seed values into its
    insert statement unescaped: an apostrophe breaks the statement and an
    empty value arrives as the text 'None'. This version writes every value as
    an escaped literal (null when empty) and binds nothing, so it works with
    every connection method. dbt looks for dbt's own macros in the root
    project first, so it applies when this project runs itself; a host project
    on Spark opts in with a dispatch entry (docs/engines.md).
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
            (
                {%- for column_name in agate_table.column_names -%}
                    {%- set column_type = column_override.get(column_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- set value = row[loop.index0] -%}
                    cast({{ 'null' if value is none else rfm_lifecycle.rfm_sql_string(value) }} as {{ column_type }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
            )
            {%- if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=true) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}
