{#-
    Lower case and text order that do not depend on the engine or on the
    database's locale. A PostgreSQL database has a collation of its own:
    with C, lower() folds ASCII letters only ('ÜNÏCØDÉ' stays 'ÜnÏcØdÉ');
    with a language collation (en_US.UTF-8, ICU en-US: most servers), text
    sorts 'c001' before 'C001' and lower() follows ICU's full Unicode rules.
    DuckDB and Spark fold every letter and sort by code point. So ids that
    match case-insensitively, the spelling a customer is shown under and the
    first line of an order could differ per server, while every test passed.

    The rule, on every engine: each character lower-cased on its own by
    Unicode's simple mapping (DuckDB's lower()), and text compared by code
    point. tests/singular/assert_text_case_and_order_agree.sql checks both on
    every engine.
-#}

{% macro rfm_case_fold_exceptions() %}
    {#-
        The two letters whose full (context-aware) lower case, used by ICU and
        Java, differs from the simple one: a capital sigma at the end of a word
        becomes 'ς' instead of 'σ', and a capital I with a dot becomes 'i' plus
        a combining dot instead of 'i'. Each is replaced by a letter whose
        lower case is the simple one before lowering. Written once: the SQL
        below and the Jinja side (rfm_lower_word) both read it.
    -#}
    {{ return([('İ', 'I'), ('Σ', 'σ')]) }}
{% endmacro %}


{% macro rfm_lower_word(text) -%}
    {#- The same rule for a word written in a var, lower-cased in Jinja (Python's lower is the full one). -#}
    {%- set folded = namespace(text=text) -%}
    {%- for letter, replacement in rfm_lifecycle.rfm_case_fold_exceptions() -%}
        {%- set folded.text = folded.text | replace(letter, replacement) -%}
    {%- endfor -%}
    {{ return(folded.text | lower) }}
{%- endmacro %}


{% macro rfm_lower(expression) -%}
    {{ return(adapter.dispatch('rfm_lower', 'rfm_lifecycle')(expression)) }}
{%- endmacro %}

{% macro rfm_simple_case_input(expression) -%}
    {%- set folded = namespace(sql=expression) -%}
    {%- for letter, replacement in rfm_lifecycle.rfm_case_fold_exceptions() -%}
        {%- set folded.sql = 'replace(' ~ folded.sql ~ ', ' ~ rfm_lifecycle.rfm_sql_string(letter) ~ ', '
            ~ rfm_lifecycle.rfm_sql_string(replacement) ~ ')' -%}
    {%- endfor -%}
    {{ return(folded.sql) }}
{%- endmacro %}

{% macro default__rfm_lower(expression) -%}
    lower({{ rfm_lifecycle.rfm_simple_case_input(expression) }})
{%- endmacro %}

{% macro duckdb__rfm_lower(expression) -%}
    {#- DuckDB's lower() is the simple mapping already. -#}
    lower({{ expression }})
{%- endmacro %}

{% macro postgres__rfm_lower(expression) -%}
    {#-
        ICU's root locale, whatever the database's own collation: PostgreSQL
        creates "und-x-icu" in every database when it is built with ICU, as
        the packages of Debian, Ubuntu, the cloud services and Docker are.
        The result is handed on in the database's own collation, as any other
        column: one carrying ICU's would clash with it in a later comparison.
    -#}
    {%- do rfm_lifecycle.rfm_require_postgres_icu() -%}
    lower({{ rfm_lifecycle.rfm_simple_case_input(expression) }} collate "und-x-icu") collate "default"
{%- endmacro %}

{% macro rfm_require_postgres_icu() %}
    {%- if execute and run_query("select 1 from pg_collation where collname = 'und-x-icu'").rows | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "rfm_lifecycle: this PostgreSQL server has no ICU collation \"und-x-icu\" (it was built without ICU). "
            ~ "Ids, placeholders and statuses are lower-cased by Unicode's rules on every engine, which needs it: "
            ~ "use a server built with ICU (the packages of Debian, Ubuntu, Docker and the cloud services are).") }}
    {%- endif -%}
{% endmacro %}


{% macro rfm_code_point_order(expression) -%}
    {#- A text sort key, min() or max() argument compared by code point, as DuckDB and Spark always do. -#}
    {{ return(adapter.dispatch('rfm_code_point_order', 'rfm_lifecycle')(expression)) }}
{%- endmacro %}

{% macro default__rfm_code_point_order(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__rfm_code_point_order(expression) -%}
    ({{ expression }}) collate "C"
{%- endmacro %}


{% macro rfm_code_point_min(expression) -%}
    {#- The least text by code point, handed on in the database's own collation like any other column. -#}
    {{ return(adapter.dispatch('rfm_code_point_min', 'rfm_lifecycle')(expression)) }}
{%- endmacro %}

{% macro default__rfm_code_point_min(expression) -%}
    min({{ expression }})
{%- endmacro %}

{% macro postgres__rfm_code_point_min(expression) -%}
    {#- Without the second collate the column would carry "C" on, and clash with the default elsewhere. -#}
    min({{ rfm_lifecycle.rfm_code_point_order(expression) }}) collate "default"
{%- endmacro %}
