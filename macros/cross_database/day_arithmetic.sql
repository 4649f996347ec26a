{#-
    Whole-day arithmetic on dates. dbt's dateadd/datediff go through
    timestamps on several engines; these stay in dates, where every engine
    agrees and the SQL stays short.
-#}

{% macro rfm_days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('rfm_days_between', 'rfm_lifecycle')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__rfm_days_between(start_date, end_date) -%}
    {{ dbt.datediff(start_date, end_date, 'day') }}
{%- endmacro %}

{% macro duckdb__rfm_days_between(start_date, end_date) -%}
    date_diff('day', {{ start_date }}, {{ end_date }})
{%- endmacro %}

{% macro postgres__rfm_days_between(start_date, end_date) -%}
    ({{ end_date }} - {{ start_date }})
{%- endmacro %}

{% macro spark__rfm_days_between(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}


{% macro rfm_add_days(date_expression, days) -%}
    {{ return(adapter.dispatch('rfm_add_days', 'rfm_lifecycle')(date_expression, days)) }}
{%- endmacro %}

{% macro default__rfm_add_days(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}

{% macro duckdb__rfm_add_days(date_expression, days) -%}
    ({{ date_expression }} + cast({{ days }} as integer))
{%- endmacro %}

{% macro postgres__rfm_add_days(date_expression, days) -%}
    ({{ date_expression }} + cast({{ days }} as integer))
{%- endmacro %}

{% macro spark__rfm_add_days(date_expression, days) -%}
    date_add({{ date_expression }}, cast({{ days }} as int))
{%- endmacro %}


{% macro rfm_add_months(date_expression, months) -%}
    {#- Calendar months; a day past the end of the month lands on its last day. -#}
    {{ return(adapter.dispatch('rfm_add_months', 'rfm_lifecycle')(date_expression, months)) }}
{%- endmacro %}

{% macro default__rfm_add_months(date_expression, months) -%}
    cast({{ dbt.dateadd('month', months, date_expression) }} as date)
{%- endmacro %}

{% macro spark__rfm_add_months(date_expression, months) -%}
    add_months({{ date_expression }}, cast({{ months }} as int))
{%- endmacro %}


{% macro rfm_month_end(date_expression) -%}
    {#-
        The last day of the date's calendar month, as a date. The engines'
        own function where they have one: dbt's last_day builds it from
        dateadd and date_trunc, which on Spark repeats the date expression in
        every step, so a nested use grew int_history_periods to 63,000
        characters that Spark had to analyse (issue 11).
    -#}
    {{ return(adapter.dispatch('rfm_month_end', 'rfm_lifecycle')(date_expression)) }}
{%- endmacro %}

{% macro default__rfm_month_end(date_expression) -%}
    cast({{ dbt.last_day(date_expression, 'month') }} as date)
{%- endmacro %}

{% macro duckdb__rfm_month_end(date_expression) -%}
    last_day(cast({{ date_expression }} as date))
{%- endmacro %}

{% macro spark__rfm_month_end(date_expression) -%}
    last_day({{ date_expression }})
{%- endmacro %}
