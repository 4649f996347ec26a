{#-
    Calendar periods of the acquisition cohorts (cohort_grain): a month, a
    quarter, or a week from Monday to Sunday. A period is numbered by a whole
    number that grows by one from each period to the next, so "periods since
    acquisition" is a subtraction on every engine.
-#}

{% macro rfm_cohort_period_index(date_expression) -%}
    {#- Whole-number position of the calendar period that holds the date. -#}
    {%- set grain = rfm_lifecycle.rfm_cohort_settings().cohort_grain -%}
    {%- set year = 'cast(extract(year from ' ~ date_expression ~ ') as ' ~ dbt.type_int() ~ ')' -%}
    {%- set month = 'cast(extract(month from ' ~ date_expression ~ ') as ' ~ dbt.type_int() ~ ')' -%}
    {%- if grain == 'week' -%}
        {#- Days since 0001-01-01, a Monday: positive, so every engine's division floors alike. -#}
        {%- set days = rfm_lifecycle.rfm_days_between(rfm_lifecycle.rfm_date_literal('0001-01-01'), date_expression) -%}
        cast(floor(({{ days }}) / 7) as {{ dbt.type_int() }})
    {%- elif grain == 'quarter' -%}
        ({{ year }} * 4 + cast(floor(({{ month }} - 1) / 3) as {{ dbt.type_int() }}))
    {%- else -%}
        ({{ year }} * 12 + {{ month }} - 1)
    {%- endif -%}
{%- endmacro %}


{% macro rfm_cohort_period_start(date_expression) -%}
    {#- The first day of the calendar period that holds the date. -#}
    {%- set grain = rfm_lifecycle.rfm_cohort_settings().cohort_grain -%}
    {%- if grain == 'week' -%}
        {{ rfm_lifecycle.rfm_add_days(date_expression, '-' ~ rfm_lifecycle.rfm_weekday_number(date_expression)) }}
    {%- else -%}
        cast({{ dbt.date_trunc(grain, date_expression) }} as date)
    {%- endif -%}
{%- endmacro %}


{% macro rfm_cohort_periods_after(start_date_expression, periods) -%}
    {#- The first day of the period `periods` periods after the one starting on the date. -#}
    {%- set grain = rfm_lifecycle.rfm_cohort_settings().cohort_grain -%}
    {%- if grain == 'week' -%}
        {{ rfm_lifecycle.rfm_add_days(start_date_expression, '7 * (' ~ periods ~ ')') }}
    {%- else -%}
        {{ rfm_lifecycle.rfm_add_months(start_date_expression, ('3 * ' if grain == 'quarter' else '') ~ '(' ~ periods ~ ')') }}
    {%- endif -%}
{%- endmacro %}
