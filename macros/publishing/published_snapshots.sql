{#-
    Published builds (docs/api.md, "Which build is answered"): after a
    `dbt build` that rebuilt every mart and in which every node passed, the
    marts are published as one whole, so readers never see a half-built state
    or marts of two runs, and keep reading while the next build runs.
    - DuckDB: the marts are copied into a new file beside the database
      (`<database>.published/run_<invocation id>.duckdb`), then current.json is
      replaced by a rename to name it. The API and the dashboard read the file
      current.json names, read-only, out of reach of the build's write lock.
    - PostgreSQL: the marts are copied into a fresh schema, which takes the
      place of `<target schema>_published` by renames in one transaction: a
      BI tool reading the published schema sees the old marts or the new ones.
    Other engines (Spark has no transactional DDL) publish nothing; read the
    target's schema.
-#}

{% macro rfm_run_failures(results) %}
    {#- The nodes of this run that did not pass, as "name (status)"; empty when every one passed. -#}
    {%- set failed = [] -%}
    {%- for result in results if result.status not in ['success', 'pass', 'warn', 'no-op'] -%}
        {%- do failed.append(result.node.name ~ " (" ~ result.status ~ ")") -%}
    {%- endfor -%}
    {{ return(failed) }}
{% endmacro %}


{% macro rfm_publish_snapshot(results) %}
    {%- if not execute or target.type not in ['duckdb', 'postgres'] or flags.WHICH != 'build'
        or not rfm_lifecycle.rfm_bool_var('publish_snapshots') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set marts = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.package_name == 'rfm_lifecycle'
        and node.fqn[1] in ['marts', 'exports'] -%}
        {%- do marts.append(node) -%}
    {%- endfor -%}
    {%- set built = results | selectattr('status', 'equalto', 'success') | map(attribute='node.unique_id') | list -%}
    {%- set missing = marts | rejectattr('unique_id', 'in', built) | map(attribute='name') | list -%}
    {%- set held = "rfm_lifecycle: no snapshot published (readers keep the last published build): " -%}
    {%- set failed = rfm_lifecycle.rfm_run_failures(results) -%}
    {%- if failed | length > 0 -%}
        {{ log(held ~ failed | length ~ " node(s) of this run did not pass: " ~ failed[:5] | join(', ')
            ~ (", ..." if failed | length > 5 else "") ~ ".", info=true) }}
    {%- elif missing | length > 0 -%}
        {#- A partial build would publish marts of two runs side by side. -#}
        {%- if missing | length < marts | length -%}
            {{ log(held ~ "this build rebuilt " ~ (marts | length - missing | length) ~ " of the " ~ marts | length
                ~ " marts (not: " ~ missing[:5] | join(', ') ~ (", ..." if missing | length > 5 else "")
                ~ "); a published build is one whole build.", info=true) }}
        {%- endif -%}
    {%- elif target.type == 'postgres' -%}
        {%- do rfm_lifecycle.rfm_publish_schema(marts) -%}
    {%- else -%}
        {%- do rfm_lifecycle.rfm_publish_duckdb_file(marts, held) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{% macro rfm_publish_duckdb_file(marts, held) %}
    {%- set keep = rfm_lifecycle.rfm_int_var('published_snapshots_kept', 1, 100) -%}
    {%- if run_query("select count(*) from duckdb_functions() where function_name = 'rfm_snapshot_folder'"
        ).columns[0].values()[0] == 0 -%}
        {{ log(held ~ "the dbt-duckdb plugin plugins/rfm_files.py, which writes snapshots, is not loaded by"
            ~ " this profile (see profiles.yml), or set publish_snapshots: false.", info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- set folder = run_query("select rfm_snapshot_folder()").columns[0].values()[0] -%}
    {%- set snapshot = 'run_' ~ invocation_id ~ '.duckdb' -%}
    {%- do run_query("attach " ~ rfm_lifecycle.rfm_sql_string(folder ~ '/' ~ snapshot) ~ " as rfm_snapshot") -%}
    {%- for node in marts -%}
        {%- do run_query("create table rfm_snapshot.main." ~ adapter.quote(node.alias) ~ " as select * from "
            ~ adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) -%}
    {%- endfor -%}
    {%- do run_query("detach rfm_snapshot") -%}
    {%- set as_of_date = run_query("select max(as_of_date) from "
        ~ rfm_lifecycle.rfm_model_relation('int_as_of_dates_resolved')).columns[0].values()[0] -%}
    {#- USE_TMP_FILE writes tmp_current.json and renames it over current.json: a reader sees one or the other. -#}
    {%- do run_query("copy (select " ~ rfm_lifecycle.rfm_sql_string(snapshot) ~ " as snapshot, "
        ~ rfm_lifecycle.rfm_sql_string(invocation_id) ~ " as run_id, "
        ~ rfm_lifecycle.rfm_sql_string(as_of_date | string) ~ " as as_of_date, "
        ~ rfm_lifecycle.rfm_sql_string(run_started_at.isoformat()) ~ " as published_at) to "
        ~ rfm_lifecycle.rfm_sql_string(folder ~ '/current.json') ~ " (format json, use_tmp_file true)") -%}
    {%- set pruned = run_query("select rfm_prune_snapshots(" ~ keep ~ ")").columns[0].values()[0] -%}
    {{ log("rfm_lifecycle: published snapshot " ~ folder ~ "/" ~ snapshot ~ " (as of " ~ as_of_date ~ ", "
        ~ marts | length ~ " marts; " ~ pruned ~ " older snapshot(s) removed).", info=true) }}
{% endmacro %}


{% macro rfm_publish_schema(marts) %}
    {#-
        The marts are copied into `<published>_next`; then, in one transaction,
        the published schema is renamed away, the new one renamed into its
        place and the old one dropped. PostgreSQL's DDL is transactional, so a
        reader sees the whole old schema or the whole new one; a reader's open
        query holds the old tables until it ends, and the swap waits for it.
    -#}
    {%- set published = target.schema ~ '_published' -%}
    {%- set next_schema = adapter.quote(published ~ '_next') -%}
    {%- set old_schema = adapter.quote(published ~ '_old') -%}
    {%- set statements = ["drop schema if exists " ~ next_schema ~ " cascade", "create schema " ~ next_schema] -%}
    {%- for node in marts -%}
        {%- do statements.append("create table " ~ next_schema ~ "." ~ adapter.quote(node.alias)
            ~ " as select * from "
            ~ adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) -%}
    {%- endfor -%}
    {%- set exists = run_query("select count(*) from information_schema.schemata where schema_name = "
        ~ rfm_lifecycle.rfm_sql_string(published)).columns[0].values()[0] -%}
    {%- if exists > 0 -%}
        {%- do statements.append("drop schema if exists " ~ old_schema ~ " cascade") -%}
        {%- do statements.append("alter schema " ~ adapter.quote(published) ~ " rename to " ~ old_schema) -%}
    {%- endif -%}
    {%- do statements.append("alter schema " ~ next_schema ~ " rename to " ~ adapter.quote(published)) -%}
    {%- if exists > 0 -%}
        {%- do statements.append("drop schema " ~ old_schema ~ " cascade") -%}
    {%- endif -%}
    {%- do run_query("begin;\n" ~ statements | join(";\n") ~ ";\ncommit") -%}
    {{ log("rfm_lifecycle: published " ~ marts | length ~ " marts to schema " ~ published ~ ".", info=true) }}
{% endmacro %}
