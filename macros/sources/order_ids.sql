{#-
    Ids as the CRM wrote them. An export that changes an id's case or leading
    zeros cannot be imported back, so ids are kept verbatim (trimmed) and only
    two spreadsheet artefacts are undone or refused:
      - a whole number written as a float (`1001.0`, from a Parquet double or a
        spreadsheet cell) is the id without its zero decimals (`1001`);
      - a placeholder (`NULL`, `#N/A`, `-`, ...: rfm_placeholder_ids) or an id
        in scientific notation (`1.23457E+11`: the digits are lost) is no id;
        the row is rejected with its own reason.
    The patterns use no backslashes, so they mean the same in every engine's
    regex dialect and string-literal syntax.
-#}

{% macro rfm_placeholder_ids() %}
    {#-
        What spreadsheets and exports write where an id is missing; compared lower-cased. Written once.
        Excel writes its error values in the language of its menus: English, then Dutch (#N/B is #N/A),
        German and French. 0 is the customer of a guest checkout (WooCommerce) or of walk-in sales (a
        point of sale): no shop numbers a real customer or order 0, and as an id it would make every
        guest one customer.
    -#}
    {{ return(['null', 'nil', 'none', 'nan', 'n/a', 'na', '-', '--', '?', 'unknown', 'onbekend', 'unbekannt',
        'inconnu', '0',
        '#n/a', '#null!', '#value!', '#ref!', '#name?', '#div/0!', '#num!', '#spill!', '#calc!', '#field!',
        '#n/b', '#leeg!', '#waarde!', '#verw!', '#naam?', '#deel/0!', '#getal!',
        '#nv', '#wert!', '#bezug!', '#zahl!',
        '#valeur!', '#nom?', '#nombre!', '#nul!']) }}
{% endmacro %}


{% macro rfm_float_id_pattern() -%}
    {{ return("'^[0-9]+[.]0+$'") }}
{%- endmacro %}

{% macro rfm_scientific_id_pattern() -%}
    {#- 1.23457E+11, 1,23457E+11 (a decimal-comma spreadsheet), 1E5. -#}
    {{ return("'^[+-]?[0-9]+([.,][0-9]+)?[eE][+-]?[0-9]+$'") }}
{%- endmacro %}


{% macro rfm_cleaned_id(trimmed_expression) -%}
    {#- A whole number written as a float loses its zero decimals: 1001.0 -> 1001, 00123.00 -> 00123. -#}
    case
        when {{ rfm_lifecycle.rfm_full_match(trimmed_expression, rfm_lifecycle.rfm_float_id_pattern()) }}
            then substring({{ trimmed_expression }}, 1, {{ dbt.position("'.'", trimmed_expression) }} - 1)
        else {{ trimmed_expression }}
    end
{%- endmacro %}


{% macro rfm_id_rejection_reason(cleaned_expression, column_name) -%}
    {#- The reason a present id is no id, or null. Call it on a cleaned, non-null id. -#}
    case
        when {{ rfm_lifecycle.rfm_lower(cleaned_expression) }} in ({{ rfm_lifecycle.rfm_sql_string_list(rfm_lifecycle.rfm_placeholder_ids()) }})
            then 'placeholder {{ column_name }}'
        when {{ rfm_lifecycle.rfm_full_match(cleaned_expression, rfm_lifecycle.rfm_scientific_id_pattern()) }}
            then '{{ column_name }} in scientific notation'
    end
{%- endmacro %}


{% macro rfm_full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('rfm_full_match', 'rfm_lifecycle')(expression, pattern)) }}
{%- endmacro %}

{% macro default__rfm_full_match(expression, pattern) -%}
    {#- Every pattern passed here is anchored with ^ and $. -#}
    ({{ expression }} ~ {{ pattern }})
{%- endmacro %}

{% macro duckdb__rfm_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, {{ pattern }})
{%- endmacro %}

{% macro spark__rfm_full_match(expression, pattern) -%}
    ({{ expression }} rlike {{ pattern }})
{%- endmacro %}


{% macro rfm_canonical_customer_ids_needed() %}
    {#- Case-insensitive matching shows every customer under one canonical spelling (int_customer_ids_canonicalized). -#}
    {{ return(not rfm_lifecycle.rfm_input_settings().customer_id_case_sensitive) }}
{% endmacro %}
