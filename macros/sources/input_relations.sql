{#-
    Where the input comes from: a file read by DuckDB (orders_path /
    customers_path) or the declared source table. Column names are mapped with
    the *_columns vars and checked against the input before any SQL runs, so a
    missing column stops the run with one message instead of a binder error.
-#}

{% macro rfm_input_relation(entity) %}
    {%- set path = rfm_lifecycle.rfm_path_var(entity ~ '_path') -%}
    {%- if path is not none -%}
        {{ return(rfm_lifecycle.rfm_file_relation(path, entity ~ '_path')) }}
    {%- endif -%}
    {{ return(source('rfm_lifecycle', entity)) }}
{% endmacro %}


{% macro rfm_file_relation(path, var_name) %}
    {{ return(adapter.dispatch('rfm_file_relation', 'rfm_lifecycle')(path, var_name)) }}
{% endmacro %}


{% macro default__rfm_file_relation(path, var_name) %}
    {{ exceptions.raise_compiler_error(
        "rfm_lifecycle: var '" ~ var_name ~ "' reads files on DuckDB only. On " ~ target.type
        ~ " set it to null and point the source at a table with the "
        ~ var_name | replace('_path', '') ~ "_database / _schema / _table vars."
    ) }}
{% endmacro %}


{% macro duckdb__rfm_file_relation(path, var_name) %}
    {%- set lowered = path | lower -%}
    {%- set literal = rfm_lifecycle.rfm_sql_string(path) -%}
    {%- if lowered.endswith('.parquet') or lowered.endswith('.parq') -%}
        {%- set reader = "read_parquet(" ~ literal ~ ", union_by_name = true)" -%}
    {%- elif modules.re.search('\\.(csv|tsv|txt)(\\.gz|\\.zst)?$', lowered) -%}
        {#- Every column as text: a dirty value must reach staging to be rejected with a reason, not break the reader. -#}
        {%- set reader = "read_csv(" ~ literal ~ ", all_varchar = true, header = true, quote = '" ~ '"' ~ "', escape = '" ~ '"'
            ~ "', union_by_name = true, null_padding = true)" -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "rfm_lifecycle: var '" ~ var_name ~ "' is '" ~ path
            ~ "': the file name must end in .csv, .tsv, .txt (optionally .gz or .zst) or .parquet."
        ) }}
    {%- endif -%}
    {%- if execute -%}
        {%- set found = run_query("select count(*) from glob(" ~ literal ~ ")").columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {{ exceptions.raise_compiler_error(
                "rfm_lifecycle: var '" ~ var_name ~ "' is '" ~ path ~ "', which matches no file"
                ~ " (relative paths start at the folder dbt runs in). Run `make demo` for the demo data,"
                ~ " or pass your own file with --vars '{" ~ var_name ~ ": path/to/file.csv}'."
            ) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(reader) }}
{% endmacro %}


{% macro rfm_input_columns(entity, relation, required, optional) %}
    {#-
        Maps each contract column to a quoted source column, or none when an
        optional column is absent. Matching is case-insensitive because
        exports rarely agree on case.
    -#}
    {%- set mapping_var = entity ~ '_columns' -%}
    {%- set mapping = var(mapping_var, {}) -%}
    {%- if mapping is not mapping -%}
        {{ rfm_lifecycle.rfm_raise_var_error(mapping_var, mapping, "a mapping of contract column to source column") }}
    {%- endif -%}
    {%- for key in mapping -%}
        {%- if key not in required + optional -%}
            {{ rfm_lifecycle.rfm_raise_var_error(mapping_var, key,
                "keys among " ~ (required + optional) | join(', ')) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set resolved = {} -%}
    {%- if not execute -%}
        {%- for key in required + optional -%}
            {%- do resolved.update({key: adapter.quote(key)}) -%}
        {%- endfor -%}
        {{ return(resolved) }}
    {%- endif -%}
    {%- set probe = run_query("select * from " ~ relation ~ " where 1 = 0") -%}
    {%- set available = {} -%}
    {%- for column_name in probe.column_names -%}
        {%- do available.update({column_name | lower: column_name}) -%}
    {%- endfor -%}
    {%- for key in required + optional -%}
        {%- set wanted = rfm_lifecycle.rfm_identifier_var(mapping_var, key, mapping.get(key, key)) -%}
        {%- if wanted is not none and (wanted | lower) in available -%}
            {%- do resolved.update({key: adapter.quote(available[wanted | lower])}) -%}
        {%- elif key in required -%}
            {{ exceptions.raise_compiler_error(
                "rfm_lifecycle: the " ~ entity ~ " input has no column '" ~ wanted ~ "' for required column '"
                ~ key ~ "'. Columns found: " ~ probe.column_names | join(', ')
                ~ ". Map it with --vars '{" ~ mapping_var ~ ": {" ~ key ~ ": your_column}}'."
            ) }}
        {%- else -%}
            {%- do resolved.update({key: none}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(resolved) }}
{% endmacro %}


{% macro rfm_customers_source_enabled() %}
    {{ return(rfm_lifecycle.rfm_path_var('customers_path') is not none
        or rfm_lifecycle.rfm_relation_name_var('customers_table') is not none) }}
{% endmacro %}
