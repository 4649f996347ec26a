{#-
    Trim of Unicode's whitespace, the same on every engine. Exports pad ids
    with tabs, line feeds and carriage returns as often as with spaces, and a
    value pasted from a web page or a spreadsheet brings a no-break space
    along: ' C001<tab>' and 'C001<no-break space>' must still be C001. DuckDB's
    and Spark's one-argument trim() remove spaces only. A zero-width space is
    no whitespace in Unicode, so it stays (its own id, as in Python's strip).
-#}

{% macro rfm_whitespace_code_points() %}
    {#-
        Unicode's White_Space characters, the one list: space, tab, line feed,
        vertical tab, form feed, carriage return, next line, no-break space,
        Ogham space, the typographic spaces U+2000 to U+200A, line and
        paragraph separator, narrow no-break space, medium mathematical space
        and the ideographic space.
    -#}
    {{ return([32, 9, 10, 11, 12, 13, 133, 160, 5760] + range(8192, 8203) | list
        + [8232, 8233, 8239, 8287, 12288]) }}
{% endmacro %}

{% macro rfm_whitespace_by_chr() -%}
    {#- The characters as SQL: chr() takes a code point on DuckDB and PostgreSQL (a UTF-8 database). -#}
    {%- set characters = [] -%}
    {%- for code_point in rfm_lifecycle.rfm_whitespace_code_points() -%}
        {%- do characters.append('chr(' ~ code_point ~ ')') -%}
    {%- endfor -%}
    {{ return(characters | join(' || ')) }}
{%- endmacro %}

{% macro rfm_trim(expression) -%}
    {{ return(adapter.dispatch('rfm_trim', 'rfm_lifecycle')(expression)) }}
{%- endmacro %}

{% macro default__rfm_trim(expression) -%}
    trim({{ expression }})
{%- endmacro %}

{% macro duckdb__rfm_trim(expression) -%}
    {#-
        Most values need no trim, and a trim with a character list costs three
        times a plain read. Every character it removes sorts before '!' or
        after U+0084, so a value that starts and ends between them is kept as
        it is. One range test per end: right() counts characters, and a
        second call costs as much again.
    -#}
    case
        when not (
            {{ expression }} between '!' and chr(132)
            and right({{ expression }}, 1) between '!' and chr(132)
        )
            then trim({{ expression }}, {{ rfm_lifecycle.rfm_whitespace_by_chr() }})
        else {{ expression }}
    end
{%- endmacro %}

{% macro postgres__rfm_trim(expression) -%}
    btrim({{ expression }}, {{ rfm_lifecycle.rfm_whitespace_by_chr() }})
{%- endmacro %}

{% macro spark__rfm_trim(expression) -%}
    {#- Spark's chr() takes its argument modulo 256: the characters are written as \u escapes instead. -#}
    {%- set escapes = [] -%}
    {%- for code_point in rfm_lifecycle.rfm_whitespace_code_points() -%}
        {%- do escapes.append('\\u' ~ '%04x' | format(code_point)) -%}
    {%- endfor -%}
    trim(both '{{ escapes | join('') }}' from {{ expression }})
{%- endmacro %}
