{#-
    Casts that return null instead of failing, so a dirty value becomes a
    rejected row with a reason rather than a failed build. Callers trim first.

    One rule on every engine, checked by tests/singular/assert_safe_casts_agree.sql:
      date    a calendar date written year-month-day (4-digit year from 1000,
              1- or 2-digit month and day), optionally followed by a time
              (' ' or 'T', HH:MM[:SS[.fraction]]) and a zone (Z or +-HH[:MM]);
              the date as written is used, a zone never shifts it.
      amount  a plain decimal number, optionally signed and with an exponent
              (e/E, at most 3 digits), rounded half away from zero to cents;
              null when it does not fit rfm_type_amount().
    The patterns use no backslashes, so they mean the same in every engine's
    regex dialect and string-literal syntax.
-#}

{% macro rfm_date_text_pattern() -%}
    {{ return("'^[1-9][0-9]{3}-[0-9]{1,2}-[0-9]{1,2}"
        ~ "([ T]([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,9})?)?( ?(Z|[+-][0-9]{2}(:?[0-9]{2})?))?)?$'") }}
{%- endmacro %}

{% macro rfm_amount_text_pattern() -%}
    {{ return("'^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]{1,3})?$'") }}
{%- endmacro %}


{% macro rfm_try_cast_date(text_expression) %}
    {{ return(adapter.dispatch('rfm_try_cast_date', 'rfm_lifecycle')(text_expression)) }}
{% endmacro %}

{% macro default__rfm_try_cast_date(text_expression) -%}
    coalesce(
        try_cast({{ text_expression }} as date),
        cast(try_cast({{ text_expression }} as {{ dbt.type_timestamp() }}) as date)
    )
{%- endmacro %}

{% macro duckdb__rfm_try_cast_date(text_expression) -%}
    {#-
        The two shapes nearly every export uses are recognised by glob, ten times
        cheaper than the regex; both also match the pattern, so the result is the same.
    -#}
    case
        when {{ text_expression }} glob '[1-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
            then try_cast({{ text_expression }} as date)
        when
            {{ text_expression }} glob '[1-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [01][0-9]:[0-5][0-9]:[0-5][0-9]'
            or {{ text_expression }} glob '[1-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] 2[0-3]:[0-5][0-9]:[0-5][0-9]'
            then try_cast(substring({{ text_expression }}, 1, 10) as date)
        when regexp_full_match({{ text_expression }}, {{ rfm_lifecycle.rfm_date_text_pattern() }})
            then try_cast(regexp_extract({{ text_expression }}, '^[0-9]+-[0-9]+-[0-9]+') as date)
    end
{%- endmacro %}

{% macro postgres__rfm_try_cast_date(text_expression) -%}
    {#- A cast of an impossible date raises on PostgreSQL, so the calendar is checked in integers first. -#}
    {%- set year = "cast(split_part(" ~ text_expression ~ ", '-', 1) as integer)" -%}
    {%- set month = "cast(split_part(" ~ text_expression ~ ", '-', 2) as integer)" -%}
    {%- set day = "cast(substring(split_part(" ~ text_expression ~ ", '-', 3) from '^[0-9]+') as integer)" -%}
    {#- PostgreSQL may evaluate the terms of an `and` in any order; nested cases keep the casts behind the pattern. -#}
    case
        when {{ text_expression }} ~ {{ rfm_lifecycle.rfm_date_text_pattern() }} then
            case
                when {{ month }} between 1 and 12
                    and {{ day }} between 1 and
                    case
                        when {{ month }} = 2 and ({{ year }} % 4 = 0 and {{ year }} % 100 <> 0 or {{ year }} % 400 = 0)
                            then 29
                        when {{ month }} = 2 then 28
                        when {{ month }} in (4, 6, 9, 11) then 30
                        else 31
                    end
                    then make_date({{ year }}, {{ month }}, {{ day }})
            end
    end
{%- endmacro %}

{% macro spark__rfm_try_cast_date(text_expression) -%}
    case
        when {{ text_expression }} rlike {{ rfm_lifecycle.rfm_date_text_pattern() }}
            then try_cast(regexp_extract({{ text_expression }}, '^([0-9]+-[0-9]+-[0-9]+)', 1) as date)
    end
{%- endmacro %}


{% macro rfm_try_cast_amount(text_expression) %}
    {{ return(adapter.dispatch('rfm_try_cast_amount', 'rfm_lifecycle')(text_expression)) }}
{% endmacro %}

{% macro default__rfm_try_cast_amount(text_expression) -%}
    {#- Plain decimals first, so exact values never pass through a float; scientific notation second. -#}
    coalesce(
        try_cast({{ text_expression }} as {{ rfm_lifecycle.rfm_type_amount() }}),
        try_cast(try_cast({{ text_expression }} as {{ dbt.type_float() }}) as {{ rfm_lifecycle.rfm_type_amount() }})
    )
{%- endmacro %}

{% macro duckdb__rfm_try_cast_amount(text_expression) -%}
    {#- DuckDB's decimal cast has no exponent, so scientific notation goes through a double (exact to 15 digits). -#}
    case
        when regexp_full_match({{ text_expression }}, {{ rfm_lifecycle.rfm_amount_text_pattern() }})
            then {{ rfm_lifecycle.default__rfm_try_cast_amount(text_expression) }}
    end
{%- endmacro %}

{% macro postgres__rfm_try_cast_amount(text_expression) -%}
    {#- Plain numeric has room for any matching text; only the cast to cents can overflow, so that is checked first. -#}
    case
        when {{ text_expression }} ~ {{ rfm_lifecycle.rfm_amount_text_pattern() }} then
            case
                when abs(round(cast({{ text_expression }} as numeric), 2)) < 10000000000000000
                    then cast({{ text_expression }} as {{ rfm_lifecycle.rfm_type_amount() }})
            end
    end
{%- endmacro %}

{% macro spark__rfm_try_cast_amount(text_expression) -%}
    case
        when {{ text_expression }} rlike {{ rfm_lifecycle.rfm_amount_text_pattern() }}
            then try_cast({{ text_expression }} as {{ rfm_lifecycle.rfm_type_amount() }})
    end
{%- endmacro %}


{% macro rfm_type_amount() %}
    {#- Money with cents; sums widen on their own. Wider values are rejected as out of range. -#}
    {{ return(adapter.dispatch('rfm_type_amount', 'rfm_lifecycle')()) }}
{% endmacro %}

{% macro default__rfm_type_amount() -%}
    decimal(18, 2)
{%- endmacro %}


{% macro rfm_type_double() -%}
    {#- An IEEE double on every engine (dbt.type_float() is a 4-byte float on DuckDB). -#}
    {{ return(adapter.dispatch('rfm_type_double', 'rfm_lifecycle')()) }}
{%- endmacro %}

{% macro default__rfm_type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__rfm_type_double() -%}
    double
{%- endmacro %}
