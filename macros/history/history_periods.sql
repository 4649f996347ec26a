{#-
    Calendar periods of the history (history_period_grain): a month ends on
    its last day, a week on Sunday (weeks run Monday to Sunday), a day on
    itself. The history's last period is cut short on the as-of date; closed
    periods keep their end date from run to run.
-#}

{% macro rfm_history_period_end(date_expression) -%}
    {#- The last day of the calendar period that holds the date. -#}
    {%- set grain = rfm_lifecycle.rfm_history_settings().period_grain -%}
    {%- if grain == 'day' -%}
        {{ date_expression }}
    {%- elif grain == 'week' -%}
        {{ rfm_lifecycle.rfm_add_days(date_expression, '6 - ' ~ rfm_lifecycle.rfm_weekday_number(date_expression)) }}
    {%- else -%}
        {{ rfm_lifecycle.rfm_month_end(date_expression) }}
    {%- endif -%}
{%- endmacro %}


{% macro rfm_history_period_end_before(date_expression, periods_back) -%}
    {#- The last day of the calendar period `periods_back` periods before the one that holds the date. -#}
    {%- set grain = rfm_lifecycle.rfm_history_settings().period_grain -%}
    {%- if grain == 'day' -%}
        {{ rfm_lifecycle.rfm_add_days(date_expression, '-(' ~ periods_back ~ ')') }}
    {%- elif grain == 'week' -%}
        {{ rfm_lifecycle.rfm_add_days(
            rfm_lifecycle.rfm_history_period_end(date_expression), '-7 * (' ~ periods_back ~ ')') }}
    {%- else -%}
        {#- Only the month of the shifted date counts, so engines that clamp the day differently agree. -#}
        {{ rfm_lifecycle.rfm_month_end(rfm_lifecycle.rfm_add_months(date_expression, '-(' ~ periods_back ~ ')')) }}
    {%- endif -%}
{%- endmacro %}


{% macro rfm_weekday_number(date_expression) -%}
    {#-
        0 = Monday .. 6 = Sunday, from whole days since 0001-01-01 (a Monday
        in the proleptic Gregorian calendar). Counting from so early keeps the
        day count positive, where every engine's division floors alike.
    -#}
    {%- set days = rfm_lifecycle.rfm_days_between(rfm_lifecycle.rfm_date_literal('0001-01-01'), date_expression) -%}
    ({{ days }} - 7 * floor(({{ days }}) / 7))
{%- endmacro %}
