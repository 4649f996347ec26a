{#-
    Trim that also removes tabs, line feeds and carriage returns: exports pad
    ids with them as often as with spaces, and ' C001\t' must still be C001.
    DuckDB's one-argument trim() removes spaces only.
-#}

{% macro rfm_trim(expression) -%}
    {{ return(adapter.dispatch('rfm_trim', 'rfm_lifecycle')(expression)) }}
{%- endmacro %}

{% macro default__rfm_trim(expression) -%}
    trim({{ expression }})
{%- endmacro %}

{% macro duckdb__rfm_trim(expression) -%}
    {#-
        Most values need no trim, and a trim with a character list costs three
        times a plain read. Every character it removes sorts before '!', so
        only a value that starts or ends below '!' is trimmed.
    -#}
    case
        when {{ expression }} < '!' or right({{ expression }}, 1) < '!'
            then trim({{ expression }}, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13))
        else {{ expression }}
    end
{%- endmacro %}

{% macro postgres__rfm_trim(expression) -%}
    btrim({{ expression }}, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13))
{%- endmacro %}

{% macro spark__rfm_trim(expression) -%}
    {#- Spark's one-argument trim() removes spaces only: ' C001' || tab would stay 'C001' || tab. -#}
    trim(both concat(' ', chr(9), chr(10), chr(11), chr(12), chr(13)) from {{ expression }})
{%- endmacro %}
