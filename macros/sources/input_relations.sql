{#-
    Where the input comes from: a file read by DuckDB (orders_path /
    customers_path) or the declared source table. Column names are mapped with
    the *_columns vars and checked against the input before any SQL runs, so a
    missing column stops the run with one message instead of a binder error.
    CSV files are also checked line by line before any SQL runs: a malformed
    line (unbalanced quote, too many or too few fields) makes the rest of the
    file ambiguous, so it stops the run with the line numbers instead of
    quietly shifting values between columns.
-#}

{% macro rfm_input_relation(entity, check_input=true) %}
    {#- The table vars reach SQL through the source definition; validate them before it is used. -#}
    {%- for name in ['orders_database', 'orders_schema', 'orders_table', 'customers_table'] -%}
        {%- do rfm_lifecycle.rfm_relation_name_var(name) -%}
    {%- endfor -%}
    {%- set path = rfm_lifecycle.rfm_path_var(entity ~ '_path') -%}
    {%- if path is not none -%}
        {{ return(rfm_lifecycle.rfm_file_relation(path, entity ~ '_path', check_input)) }}
    {%- endif -%}
    {{ return(source('rfm_lifecycle', entity)) }}
{% endmacro %}


{% macro rfm_file_relation(path, var_name, check_input=true) %}
    {{ return(adapter.dispatch('rfm_file_relation', 'rfm_lifecycle')(path, var_name, check_input)) }}
{% endmacro %}


{% macro default__rfm_file_relation(path, var_name, check_input=true) %}
    {{ exceptions.raise_compiler_error(
        "rfm_lifecycle: var '" ~ var_name ~ "' reads files on DuckDB only. On " ~ target.type
        ~ " set it to null and point the source at a table with the "
        ~ var_name | replace('_path', '') ~ "_database / _schema / _table vars."
    ) }}
{% endmacro %}


{% macro rfm_csv_read_options() %}
    {#-
        Every column as text: a dirty value must reach staging to be rejected with a reason, not break
        the reader. Quote and escape are the CSV standard's double quote; the delimiter is detected.
        No null_padding: a short line is malformed, and padding it would hide an unterminated quote
        that swallowed the lines after it.
    -#}
    {{ return("all_varchar = true, header = true, quote = '\"', escape = '\"'") }}
{% endmacro %}


{% macro duckdb__rfm_file_relation(path, var_name, check_input=true) %}
    {%- set lowered = path | lower -%}
    {%- set literal = rfm_lifecycle.rfm_sql_string(path) -%}
    {%- set is_csv = modules.re.search('\\.(csv|tsv|txt)(\\.gz|\\.zst)?$', lowered) -%}
    {%- if lowered.endswith('.parquet') or lowered.endswith('.parq') -%}
        {%- set reader = "read_parquet(" ~ literal ~ ", union_by_name = true)" -%}
    {%- elif is_csv -%}
        {%- set reader = "read_csv(" ~ literal ~ ", " ~ rfm_lifecycle.rfm_csv_read_options() ~ ", union_by_name = true)" -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "rfm_lifecycle: var '" ~ var_name ~ "' is '" ~ path
            ~ "': the file name must end in .csv, .tsv, .txt (optionally .gz or .zst) or .parquet."
        ) }}
    {%- endif -%}
    {%- if execute -%}
        {%- set files = run_query("select file from glob(" ~ literal ~ ") order by file").columns[0].values() -%}
        {%- if files | length == 0 -%}
            {{ exceptions.raise_compiler_error(
                "rfm_lifecycle: var '" ~ var_name ~ "' is '" ~ path ~ "', which matches no file"
                ~ " (relative paths start at the folder dbt runs in). Run `make demo` for the demo data,"
                ~ " or pass your own file with --vars '{" ~ var_name ~ ": path/to/file.csv}'."
            ) }}
        {%- endif -%}
        {%- if check_input and is_csv -%}
            {%- for file in files -%}
                {%- do rfm_lifecycle.rfm_check_csv_file(file, var_name) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(reader) }}
{% endmacro %}


{% macro rfm_check_csv_file(file, var_name) %}
    {#- One scan of the file with DuckDB's reject tables; stops the run on an empty or malformed file. -#}
    {%- set literal = rfm_lifecycle.rfm_sql_string(file) -%}
    {%- set options = rfm_lifecycle.rfm_csv_read_options() -%}
    {%- set where = "rfm_lifecycle: the file '" ~ file ~ "' (var '" ~ var_name ~ "')" -%}
    {%- do run_query("drop table if exists rfm_csv_reject_errors") -%}
    {%- do run_query("drop table if exists rfm_csv_reject_scans") -%}
    {%- set row_count = run_query(
        "select count(*) from read_csv(" ~ literal ~ ", " ~ options ~ ", store_rejects = true,"
        ~ " rejects_table = 'rfm_csv_reject_errors', rejects_scan = 'rfm_csv_reject_scans')"
    ).columns[0].values()[0] -%}
    {%- set column_names = run_query(
        "select * from read_csv(" ~ literal ~ ", " ~ options ~ ") limit 0").column_names -%}
    {%- if row_count == 0 and column_names | list == ['column0'] -%}
        {{ exceptions.raise_compiler_error(where ~ " is empty: no header line, no rows.") }}
    {%- endif -%}
    {%- set header = column_names[0] -%}
    {%- set delimiters = [',', ';', '\t', '|'] | select('in', header) | list -%}
    {%- if column_names | length == 1 and delimiters -%}
        {#- The dialect could not be detected; re-read with the delimiter of the header line to find the lines. -#}
        {%- set counts = [] -%}
        {%- for candidate in delimiters -%}
            {%- do counts.append((header.count(candidate), candidate)) -%}
        {%- endfor -%}
        {%- set delimiter = (counts | sort | last)[1] -%}
        {%- set fields = header.split(delimiter) | length -%}
        {%- set columns = [] -%}
        {%- for i in range(fields) -%}
            {%- do columns.append("'field_" ~ i ~ "': 'VARCHAR'") -%}
        {%- endfor -%}
        {%- do run_query("drop table if exists rfm_csv_reject_errors") -%}
        {%- do run_query("drop table if exists rfm_csv_reject_scans") -%}
        {%- do run_query(
            "select count(*) from read_csv(" ~ literal ~ ", auto_detect = false, header = true, delim = "
            ~ rfm_lifecycle.rfm_sql_string(delimiter) ~ ", quote = '\"', escape = '\"', columns = {"
            ~ columns | join(', ') ~ "}, store_rejects = true,"
            ~ " rejects_table = 'rfm_csv_reject_errors', rejects_scan = 'rfm_csv_reject_scans')") -%}
        {%- set problem = "could not be split into columns (its header was read as the single column "
            ~ header[:80] | tojson ~ ")" -%}
    {%- else -%}
        {%- set problem = "has malformed CSV lines" -%}
    {%- endif -%}
    {%- set rejects = run_query(
        "select line, min(error_type) as error_type, min(csv_line) as csv_line, count(*) over () as lines"
        ~ " from rfm_csv_reject_errors group by line order by line limit 3") -%}
    {%- if rejects.rows | length > 0 or column_names | length == 1 and delimiters -%}
        {%- set examples = [] -%}
        {%- for row in rejects.rows -%}
            {%- do examples.append("line " ~ row[0] ~ " (" ~ row[1] | lower ~ "): " ~ (row[2] or '')[:80] | tojson) -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            where ~ " " ~ problem ~ ". "
            ~ ((rejects.rows[0][3] ~ " malformed line(s), first: " ~ examples | join('; ') ~ ". ") if examples else "")
            ~ "Every line needs as many fields as the header and balanced double quotes (a value with"
            ~ " the delimiter, a quote or a line break must be quoted, a quote inside doubled)."
            ~ " Fix the export; nothing was built."
        ) }}
    {%- endif -%}
{% endmacro %}


{% macro rfm_input_columns(entity, relation, required, optional) %}
    {#-
        Maps each contract column to a quoted source column, or none when an
        optional column is absent. Matching is case-insensitive because
        exports rarely agree on case.
    -#}
    {%- set mapping_var = entity ~ '_columns' -%}
    {%- set mapping = var(mapping_var) -%}
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
    {%- set label = "the " ~ entity ~ " input " ~ (rfm_lifecycle.rfm_path_var(entity ~ '_path') or relation) -%}
    {%- if entity == 'orders' and run_query("select 1 from " ~ relation ~ " limit 1").rows | length == 0 -%}
        {#- An empty export is nearly always an upstream failure; building would wipe every segment. -#}
        {{ exceptions.raise_compiler_error(
            "rfm_lifecycle: " ~ label ~ " has no rows (a header only, or an"
            ~ " empty table). Refusing to build empty marts; the previous ones stay as they were."
            ~ " Check the export, or the orders_path / orders_table vars."
        ) }}
    {%- endif -%}
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
                "rfm_lifecycle: " ~ label ~ " has no column '" ~ wanted ~ "' for required column '"
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
