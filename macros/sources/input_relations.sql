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
    {%- set path = rfm_lifecycle.rfm_input_path(entity) -%}
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


{% macro rfm_csv_read_options(delimiter=none, skip=0) %}
    {#-
        Every column as text: a dirty value must reach staging to be rejected with a reason, not break
        the reader. Quote and escape are the CSV standard's double quote; the delimiter is detected
        unless the format says it (orders_format.delimiter, or an Excel `sep=;` first line, skipped).
        No null_padding: a short line is malformed, and padding it would hide an unterminated quote
        that swallowed the lines after it.
    -#}
    {%- set options = "all_varchar = true, header = true, quote = '\"', escape = '\"'" -%}
    {%- if delimiter is not none -%}
        {%- set options = options ~ ", delim = " ~ rfm_lifecycle.rfm_sql_string(delimiter) -%}
    {%- endif -%}
    {%- if skip -%}
        {%- set options = options ~ ", skip = " ~ skip -%}
    {%- endif -%}
    {{ return(options) }}
{% endmacro %}


{% macro duckdb__rfm_file_relation(path, var_name, check_input=true) %}
    {{ return(rfm_lifecycle.rfm_file_read_plan(path, var_name, check_input).reader) }}
{% endmacro %}


{% macro rfm_file_read_plan(path, var_name, check_input=true) %}
    {#-
        How DuckDB reads the file(s) of a *_path var, and what was found on the way: the encoding
        (a file that is not UTF-8 is read through a UTF-8 copy), a UTF-8 byte order mark, an Excel
        `sep=;` first line (its delimiter is used and the line skipped), an Excel workbook (its first
        sheet, through a CSV copy). The copies come from plugins/rfm_files.py; without that plugin a
        file must be UTF-8 CSV or Parquet. input_formats shows the plan.
    -#}
    {%- set entity = var_name | replace('_path', '') -%}
    {%- set settings = rfm_lifecycle.rfm_format_settings(entity) -%}
    {%- set lowered = path | lower -%}
    {%- set literal = rfm_lifecycle.rfm_sql_string(path) -%}
    {%- set is_csv = modules.re.search('\\.(csv|tsv|txt)(\\.gz|\\.zst)?$', lowered) -%}
    {%- set is_sheet = modules.re.search('\\.(xlsx|xlsm|xls|ods)$', lowered) -%}
    {%- set plan = {'kind': 'parquet', 'files': [], 'encoding': none, 'bom': false, 'sep_line': none,
        'delimiter': settings.delimiter, 'plugin': false} -%}
    {%- if lowered.endswith('.parquet') or lowered.endswith('.parq') -%}
        {%- do plan.update({'reader': "read_parquet(" ~ literal ~ ", union_by_name = true)", 'delimiter': none}) -%}
    {%- elif not is_csv and not is_sheet -%}
        {{ exceptions.raise_compiler_error(
            "rfm_lifecycle: var '" ~ var_name ~ "' is '" ~ path
            ~ "': the file name must end in .csv, .tsv, .txt (optionally .gz or .zst), .parquet or .xlsx."
        ) }}
    {%- endif -%}
    {%- if not execute -%}
        {%- if 'reader' not in plan -%}
            {%- do plan.update({'reader': "read_csv(" ~ literal ~ ", " ~ rfm_lifecycle.rfm_csv_read_options() ~ ")"}) -%}
        {%- endif -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- set files = run_query("select file from glob(" ~ literal ~ ") order by file").columns[0].values() -%}
    {%- if files | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "rfm_lifecycle: var '" ~ var_name ~ "' is '" ~ path ~ "', which matches no file"
            ~ " (relative paths start at the folder dbt runs in). Run `make demo` for the demo data,"
            ~ " or pass your own file with --vars '{" ~ var_name ~ ": path/to/file.csv}'."
        ) }}
    {%- endif -%}
    {%- do plan.update({'files': files | list}) -%}
    {%- if 'reader' in plan -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- set has_plugin = run_query(
        "select count(*) from duckdb_functions() where function_name = 'rfm_file_facts'").columns[0].values()[0] > 0 -%}
    {%- do plan.update({'plugin': has_plugin}) -%}
    {%- if not has_plugin and (is_sheet or settings.encoding not in ['auto', 'utf-8']) -%}
        {{ exceptions.raise_compiler_error(
            "rfm_lifecycle: var '" ~ var_name ~ "' is '" ~ path ~ "': reading "
            ~ ("an Excel workbook" if is_sheet else "a " ~ settings.encoding ~ " file")
            ~ " needs the dbt-duckdb plugin plugins/rfm_files.py (profiles.yml of this project loads it)."
            ~ " Add it to your profile, or save the export as UTF-8 CSV."
        ) }}
    {%- endif -%}
    {%- set read_paths = [] -%}
    {%- set layouts = [] -%}
    {%- for file in files -%}
        {%- set file_literal = rfm_lifecycle.rfm_sql_string(file) -%}
        {%- if is_sheet -%}
            {%- set facts = {'encoding': 'utf-8', 'bom': false, 'sep_line': none} -%}
            {%- do read_paths.append(run_query("select rfm_sheet_copy(" ~ file_literal ~ ")").columns[0].values()[0]) -%}
        {%- else -%}
            {%- set facts = fromjson(run_query("select rfm_file_facts(" ~ file_literal ~ ")").columns[0].values()[0])
                if has_plugin else {'encoding': 'utf-8', 'bom': false, 'sep_line': none} -%}
            {%- set encoding = facts.encoding if settings.encoding == 'auto' else settings.encoding -%}
            {%- do facts.update({'encoding': encoding}) -%}
            {%- if encoding != 'utf-8' -%}
                {%- do read_paths.append(run_query(
                    "select rfm_utf8_copy(" ~ file_literal ~ ", " ~ rfm_lifecycle.rfm_sql_string(encoding) ~ ")"
                ).columns[0].values()[0]) -%}
            {%- else -%}
                {%- do read_paths.append(file) -%}
            {%- endif -%}
        {%- endif -%}
        {%- do layouts.append((facts.encoding, facts.sep_line)) -%}
        {%- do plan.update({'encoding': facts.encoding, 'bom': plan.bom or facts.bom, 'sep_line': facts.sep_line}) -%}
    {%- endfor -%}
    {%- if layouts | unique | list | length > 1 -%}
        {{ exceptions.raise_compiler_error(
            "rfm_lifecycle: the files of var '" ~ var_name ~ "' (" ~ path ~ ") differ in encoding or in their"
            ~ " `sep=` first line: " ~ layouts | unique | list | join(', ') ~ ". Export them alike, or load them one by one."
        ) }}
    {%- endif -%}
    {%- set delimiter = ',' if is_sheet
        else ('\t' if settings.delimiter == 'tab' else settings.delimiter) if settings.delimiter != 'auto'
        else plan.sep_line -%}
    {%- set skip = 1 if plan.sep_line is not none and not is_sheet else 0 -%}
    {%- set options = rfm_lifecycle.rfm_csv_read_options(delimiter, skip) -%}
    {%- set path_literals = [] -%}
    {%- for read_path in read_paths -%}
        {%- do path_literals.append(rfm_lifecycle.rfm_sql_string(read_path)) -%}
    {%- endfor -%}
    {%- do plan.update({
        'kind': 'sheet' if is_sheet else 'csv',
        'delimiter': delimiter,
        'read_paths': read_paths,
        'reader': "read_csv([" ~ path_literals | join(', ') ~ "], " ~ options ~ ", union_by_name = true)",
    }) -%}
    {%- if check_input -%}
        {%- for read_path in read_paths -%}
            {%- do rfm_lifecycle.rfm_check_csv_file(read_path, var_name, options, files[loop.index0]) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(plan) }}
{% endmacro %}


{% macro rfm_check_csv_file(file, var_name, options, shown_file) %}
    {#- One scan of the file with DuckDB's reject tables; stops the run on an empty or malformed file. -#}
    {%- set literal = rfm_lifecycle.rfm_sql_string(file) -%}
    {%- set where = "rfm_lifecycle: the file '" ~ shown_file ~ "' (var '" ~ var_name ~ "')" -%}
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
        "select line, min(error_type) as error_type, min(csv_line) as csv_line,"
        ~ " (select count(distinct line) from rfm_csv_reject_errors) as lines"
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
    {%- set label = "the " ~ entity ~ " input " ~ (rfm_lifecycle.rfm_input_path(entity) or relation) -%}
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
    {{ return(rfm_lifecycle.rfm_input_path('customers') is not none
        or rfm_lifecycle.rfm_relation_name_var('customers_table') is not none) }}
{% endmacro %}


{% macro rfm_input_path(entity) %}
    {#-
        The file of an input, or none for the source table. customers_path auto means the demo's
        customers file while orders_path is the demo's orders file, and no customers file otherwise:
        your own orders never mix with the demo's invented prospects.
    -#}
    {%- if entity == 'customers' and (var('customers_path', none) | string) | trim | lower == 'auto' -%}
        {%- set demo = var('demo_paths', {}) -%}
        {%- if demo is not mapping -%}
            {%- set demo = rfm_lifecycle.rfm_var_error('demo_paths', demo, 'a mapping with orders_path and customers_path', {}) -%}
        {%- endif -%}
        {%- set orders_path = rfm_lifecycle.rfm_path_var('orders_path') -%}
        {%- if orders_path is none or orders_path != demo.get('orders_path') -%}
            {{ return(none) }}
        {%- endif -%}
        {%- set customers_path = demo.get('customers_path') -%}
        {%- if customers_path is not string or modules.re.search("['\"\\\\;\\x00-\\x1f]", customers_path) -%}
            {{ return(rfm_lifecycle.rfm_var_error('demo_paths.customers_path', customers_path,
                "a file path without quotes, backslashes, semicolons or control characters", none)) }}
        {%- endif -%}
        {{ return(customers_path) }}
    {%- endif -%}
    {{ return(rfm_lifecycle.rfm_path_var(entity ~ '_path')) }}
{% endmacro %}
