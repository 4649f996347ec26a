{#-
    Export files for CRM and mailing tools (docs/exports.md). The rows live in
    the export_contacts table, built with portable SQL on every engine; only
    writing them to files is engine-specific, so it goes through
    adapter.dispatch. Each file is written to a temporary name beside it and
    renamed over the old one (DuckDB's COPY ... USE_TMP_FILE), so a reader sees
    the old file or the new one, never a half-written one.
-#}

{% macro rfm_export_columns() %}
    {#-
        The columns of every segment file and of due_today, in order, each with
        its SQL type: a contract (docs/exports.md). Iterating the dict gives the
        names in order.
    -#}
    {%- set string = dbt.type_string() -%}
    {%- set integer = dbt.type_int() -%}
    {{ return({
        'customer_id': string,
        'segment_scheme': string,
        'segment_code': string,
        'segment_name': string,
        'action_phase': string,
        'action_goal': string,
        'action_description': string,
        'action_channel': string,
        'action_trigger': string,
        'lifecycle_segment': string,
        'rfm_segment': string,
        'next_segment_if_no_order': string,
        'next_transition_date': 'date',
        'days_until_transition': integer,
        'last_order_date': 'date',
        'recency_days': integer,
        'frequency': integer,
        'monetary': 'decimal(38, 2)',
        'r_score': integer,
        'f_score': integer,
        'm_score': integer,
        'as_of_date': 'date',
    }) }}
{% endmacro %}


{% macro rfm_export_manifest_columns() %}
    {#- The columns of manifest.csv, in order: a contract (docs/exports.md). -#}
    {{ return([
        'export_file', 'export_kind', 'segment_scheme', 'segment_code', 'segment_name',
        'customers', 'csv_file', 'parquet_file', 'as_of_date',
    ]) }}
{% endmacro %}


{% macro rfm_write_exports_after_checks(results) %}
    {#-
        on-run-end: the files are written only by a `dbt build` that built
        export_files and in which every node passed (every model, seed and
        test of the run, the tests that read several models included): a
        failing reconciliation must not reach a CRM. Otherwise the files stay
        as the last good run wrote them, and the log says why.
    -#}
    {%- if not execute or results | selectattr('node.unique_id', 'equalto', 'model.rfm_lifecycle.export_files')
        | list | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set folder = rfm_lifecycle.rfm_path_var('export_folder') -%}
    {%- if folder is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set held = "rfm_lifecycle: export files NOT written to " ~ folder ~ "; the files there stay as the last good run wrote them: " -%}
    {%- if flags.WHICH != 'build' -%}
        {{ log(held ~ "they are written by `dbt build` only, after every test of the run passed; this was `dbt "
            ~ flags.WHICH ~ "`.", info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- set failed = rfm_lifecycle.rfm_run_failures(results) -%}
    {%- if failed | length > 0 -%}
        {{ log(held ~ failed | length ~ " node(s) of this run did not pass: " ~ failed[:5] | join(', ')
            ~ (", ..." if failed | length > 5 else "") ~ ".", info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- do rfm_lifecycle.rfm_write_export_files(
        rfm_lifecycle.rfm_model_relation('export_files'), rfm_lifecycle.rfm_model_relation('export_contacts')) -%}
    {{ log("rfm_lifecycle: export files written to " ~ folder ~ " (list: manifest.csv).", info=true) }}
    {{ return('') }}
{% endmacro %}


{% macro rfm_check_export_folder() %}
    {#-
        Called by export_files when it compiles: a missing export_folder fails that model, so the run
        writes no file and says which var to fix (DuckDB's COPY would fail at the very end with a bare
        IO error). Asks plugins/rfm_files.py; without the plugin the COPY's own error stands.
    -#}
    {%- set folder = rfm_lifecycle.rfm_export_settings().export_folder -%}
    {%- if not execute or folder is none or target.type != 'duckdb' or run_query(
        "select count(*) from duckdb_functions() where function_name = 'rfm_folder_state'"
    ).columns[0].values()[0] == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set state = run_query("select rfm_folder_state(" ~ rfm_lifecycle.rfm_sql_string(folder) ~ ")"
        ).columns[0].values()[0] -%}
    {%- if state != 'folder' -%}
        {{ exceptions.raise_compiler_error(
            "rfm_lifecycle: var 'export_folder' is '" ~ folder ~ "', which "
            ~ ("does not exist" if state == 'missing' else "is not a folder") ~ " (relative paths start at the"
            ~ " folder dbt runs in). Create it (`make export` does) or fix the path. No export file was"
            ~ " written; the files of the last good run stay as they were.") }}
    {%- endif -%}
{% endmacro %}


{% macro rfm_write_export_files(files_relation, contacts_relation) %}
    {#- Writes every file export_files lists, then manifest.csv; nothing when export_folder is null. -#}
    {%- set folder = rfm_lifecycle.rfm_export_settings().export_folder -%}
    {%- if not execute or folder is none -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('rfm_write_export_files', 'rfm_lifecycle')(files_relation, contacts_relation, folder)) }}
{% endmacro %}


{% macro default__rfm_write_export_files(files_relation, contacts_relation, folder) %}
    {{ exceptions.raise_compiler_error(
        "rfm_lifecycle: var 'export_folder' is '" ~ folder ~ "', but export files are written with DuckDB's COPY"
        ~ " and this target is " ~ target.type ~ ". Set export_folder to null (the default) and let the CRM or"
        ~ " mailing tool read the tables instead: export_contacts holds every file row (export_file names the"
        ~ " file) and export_files lists the files; or leave the exports out with --exclude tag:export."
    ) }}
{% endmacro %}


{% macro duckdb__rfm_write_export_files(files_relation, contacts_relation, folder) %}
    {%- set base = (folder.rstrip('/') or '') ~ '/' -%}
    {#-
        DuckDB marks a Parquet column required when the table's statistics
        show no null in it, so the schema would change with the data. The
        CASE keeps every column optional, run after run (tested).
    -#}
    {%- set columns = [] -%}
    {%- for column in rfm_lifecycle.rfm_export_columns() -%}
        {%- do columns.append("case when customer_id is not null then " ~ column ~ " end as " ~ column) -%}
    {%- endfor -%}
    {%- set files = run_query("select export_file from " ~ files_relation ~ " order by export_file") -%}
    {%- for export_file in files.columns[0].values() -%}
        {%- set rows_query = "select " ~ columns | join(', ') ~ " from " ~ contacts_relation
            ~ " where export_file = " ~ rfm_lifecycle.rfm_sql_string(export_file)
            ~ " order by customer_id" -%}
        {%- do rfm_lifecycle.rfm_duckdb_write_csv(rows_query, base ~ export_file ~ '.csv') -%}
        {%- do run_query(rfm_lifecycle.rfm_duckdb_copy_statement(rows_query, base ~ export_file ~ '.parquet', 'parquet')) -%}
    {%- endfor -%}
    {#- Last, so a tool that waits for the manifest finds every file it lists already in place. -#}
    {%- set manifest_query = "select " ~ rfm_lifecycle.rfm_export_manifest_columns() | join(', ')
        ~ " from " ~ files_relation ~ " order by export_file" -%}
    {%- do rfm_lifecycle.rfm_duckdb_write_csv(manifest_query, base ~ 'manifest.csv') -%}
    {{ return('') }}
{% endmacro %}


{% macro rfm_csv_formula_characters() %}
    {#- A cell starting with one of these runs as a formula in Excel and other spreadsheets (OWASP, CSV injection). -#}
    {{ return(['=', '+', '-', '@', '\t', '\r']) }}
{% endmacro %}


{% macro rfm_duckdb_write_csv(query, path) %}
    {#-
        Every CSV file the project writes goes through here. A text cell that
        starts with = + - @, a tab or a carriage return gets a leading ' (OWASP's
        advice for CSV injection: the spreadsheet shows the text instead of
        running it); numbers and dates are written as they are, so -12.50 stays
        a number. export_csv_dialect excel writes what Excel opens without an
        import dialog on a Dutch or German machine: `;` between fields, a
        decimal comma, UTF-8 with a byte order mark (the plugin adds it).
    -#}
    {%- set dialect = rfm_lifecycle.rfm_export_settings().export_csv_dialect -%}
    {%- set starts = [] -%}
    {%- for character in rfm_lifecycle.rfm_csv_formula_characters() -%}
        {%- do starts.append(rfm_lifecycle.rfm_sql_string(character)) -%}
    {%- endfor -%}
    {%- set columns = [] -%}
    {%- for row in run_query("describe " ~ query).rows -%}
        {%- set name = adapter.quote(row[0]) -%}
        {%- set type = row[1] | upper -%}
        {%- if type == 'VARCHAR' -%}
            {%- do columns.append("case when left(" ~ name ~ ", 1) in (" ~ starts | join(', ') ~ ") then '''' || "
                ~ name ~ " else " ~ name ~ " end as " ~ name) -%}
        {%- elif dialect == 'excel' and (type.startswith('DECIMAL') or type in ['DOUBLE', 'FLOAT', 'REAL']) -%}
            {%- do columns.append("replace(cast(" ~ name ~ " as varchar), '.', ',') as " ~ name) -%}
        {%- else -%}
            {%- do columns.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set safe_query = "select " ~ columns | join(', ') ~ " from (" ~ query ~ ") as rows_to_write" -%}
    {%- do run_query(rfm_lifecycle.rfm_duckdb_copy_statement(safe_query, path, 'csv', ';' if dialect == 'excel' else ',')) -%}
    {%- if dialect == 'excel' -%}
        {%- if run_query("select count(*) from duckdb_functions() where function_name = 'rfm_add_byte_order_mark'"
            ).columns[0].values()[0] == 0 -%}
            {{ exceptions.raise_compiler_error(
                "rfm_lifecycle: export_csv_dialect excel writes a UTF-8 byte order mark through the dbt-duckdb plugin"
                ~ " plugins/rfm_files.py, which this profile does not load. Load it (see profiles.yml), or set"
                ~ " export_csv_dialect: standard.") }}
        {%- endif -%}
        {%- do run_query("select rfm_add_byte_order_mark(" ~ rfm_lifecycle.rfm_sql_string(path) ~ ")") -%}
    {%- endif -%}
{% endmacro %}


{% macro rfm_duckdb_copy_statement(query, path, file_format, delimiter=',') %}
    {#-
        USE_TMP_FILE makes DuckDB write tmp_<name> in the same folder and
        rename it over <name> when complete: an atomic replace on one file
        system. Dates as YYYY-MM-DD, an empty field for null.
    -#}
    {%- if file_format == 'csv' -%}
        {%- set options = "format csv, header true, delimiter " ~ rfm_lifecycle.rfm_sql_string(delimiter)
            ~ ", quote '\"', escape '\"', nullstr '',"
            ~ " dateformat '%Y-%m-%d', use_tmp_file true" -%}
    {%- else -%}
        {%- set options = "format parquet, compression snappy, use_tmp_file true" -%}
    {%- endif -%}
    {{ return("copy (" ~ query ~ ") to " ~ rfm_lifecycle.rfm_sql_string(path) ~ " (" ~ options ~ ")") }}
{% endmacro %}
