{#-
    Validated settings, one macro per area. A model asks only for the areas it
    reads, so a broken var stops the models that use it, and only those, with
    a message naming the var before any of their SQL runs. The defaults live
    in dbt_project.yml alone: these macros read the vars, never a second
    default. Threshold values stay 'auto' here; int_lifecycle_auto_thresholds_learned
    learns them and int_lifecycle_thresholds_resolved turns them into numbers.

      input        orders that count: date range, excluded and refund statuses, id case, time zone,
                   amount grain
      scoring      as-of date, look-back window, monetary measure, scores
      thresholds   the lifecycle thresholds, inactivity mode, auto percentiles
      history      segment_history periods and the repeat-purchase curve
      cohorts      acquisition cohorts (customer_cohorts, new_customer_repeat_shares)
      returns      return curves, return probability and expected orders and revenue
      calibration  the shifts analyses/threshold_sensitivity.sql tries
      schemes      the RFM segment scheme in force
      exports      export folder and the due-today window
      freshness    `dbt source freshness` on the orders
-#}

{% macro rfm_input_settings() %}
    {%- set settings = {
        'min_order_date': rfm_lifecycle.rfm_date_var('min_order_date') or '1900-01-01',
        'max_order_date': rfm_lifecycle.rfm_date_var('max_order_date')
            or run_started_at.strftime('%Y-%m-%d'),
        'excluded_statuses': rfm_lifecycle.rfm_word_list_var('excluded_statuses'),
        'refund_statuses': rfm_lifecycle.rfm_word_list_var('refund_statuses'),
        'customer_id_case_sensitive': rfm_lifecycle.rfm_bool_var('customer_id_case_sensitive'),
        'time_zone': rfm_lifecycle.rfm_time_zone_var('orders_time_zone'),
        'amount_grain': rfm_lifecycle.rfm_choice_var('amount_grain', ['line', 'order']),
    } -%}
    {%- for status in settings.refund_statuses if status in settings.excluded_statuses -%}
        {{ rfm_lifecycle.rfm_var_error('refund_statuses', status,
            'statuses that are not also in excluded_statuses (a refund is counted, an excluded row is not)') }}
    {%- endfor -%}
    {%- if settings.min_order_date > settings.max_order_date -%}
        {{ rfm_lifecycle.rfm_var_error('min_order_date', settings.min_order_date,
            'a date on or before max_order_date (' ~ settings.max_order_date ~ ')') }}
    {%- endif -%}
    {{ return(settings) }}
{% endmacro %}


{% macro rfm_guard_settings() %}
    {#- The intake guard (macros/sources/order_intake.sql). -#}
    {{ return({
        'min_accepted_share': rfm_lifecycle.rfm_decimal_var('min_accepted_share', 0, 1),
        'max_accepted_drop': rfm_lifecycle.rfm_decimal_var('max_accepted_drop', 0, 1),
    }) }}
{% endmacro %}


{% macro rfm_scoring_settings() %}
    {{ return({
        'as_of_date': rfm_lifecycle.rfm_date_var('as_of_date', relative_days=true),
        'lookback_days': rfm_lifecycle.rfm_int_var('lookback_days', 1, 36500),
        'monetary_measure': rfm_lifecycle.rfm_choice_var('monetary_measure', ['revenue', 'margin']),
        'score_buckets': rfm_lifecycle.rfm_int_var('score_buckets', 2, 100),
        'trailing_revenue_days': rfm_lifecycle.rfm_int_var('trailing_revenue_days', 1, 36500),
        'configured': rfm_lifecycle.rfm_configured_text(['lookback_days', 'score_buckets', 'trailing_revenue_days']),
    }) }}
{% endmacro %}


{% macro rfm_threshold_settings() %}
    {#- The range of each threshold, and of its value when 'auto' has nothing to learn from. -#}
    {%- set ranges = {
        'loyal_min_orders': [3, 100000],
        'new_customer_days': [1, 36500],
        'inactive_days_regular': [1, 36500],
        'inactive_days_loyal': [1, 36500],
        'lost_days': [2, 36500],
    } -%}
    {%- set fallback_var = var('auto_fallback_thresholds') -%}
    {%- if fallback_var is not mapping -%}
        {%- set fallback_var = rfm_lifecycle.rfm_var_error('auto_fallback_thresholds', fallback_var,
            'a mapping of threshold name to a whole number', {}) -%}
    {%- endif -%}
    {%- set thresholds = {} -%}
    {%- set fallback = {} -%}
    {%- for name, bounds in ranges.items() -%}
        {%- do thresholds.update({name: rfm_lifecycle.rfm_int_var(name, bounds[0], bounds[1], allow_auto=true)}) -%}
        {%- do fallback.update({name: rfm_lifecycle.rfm_int_var(
            'auto_fallback_thresholds.' ~ name, bounds[0], bounds[1], value=fallback_var.get(name), use_var=false)}) -%}
    {%- endfor -%}
    {#- Strictly between 0 and 1: no probability is below 0, and every one is below 1. -#}
    {%- set below_probability = rfm_lifecycle.rfm_decimal_var('inactive_below_return_probability', 0, 1, 6) -%}
    {%- if below_probability in ['0', '1'] -%}
        {%- set below_probability = rfm_lifecycle.rfm_var_error('inactive_below_return_probability',
            var('inactive_below_return_probability'),
            'a number strictly between 0 and 1 with at most 6 decimals', '0.5') -%}
    {%- endif -%}
    {#- Fixed thresholds are checked against each other here; auto ones by data tests on lifecycle_thresholds. -#}
    {%- set lost_days = thresholds.lost_days -%}
    {%- if lost_days != 'auto' -%}
        {%- for other in ['new_customer_days', 'inactive_days_regular', 'inactive_days_loyal'] -%}
            {%- if thresholds[other] != 'auto' and thresholds[other] >= lost_days -%}
                {{ rfm_lifecycle.rfm_var_error('lost_days', lost_days,
                    'more days than ' ~ other ~ ' (' ~ thresholds[other] ~ ')') }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return({
        'thresholds': thresholds,
        'fallback': fallback,
        'inactivity_mode': rfm_lifecycle.rfm_choice_var('inactivity_mode', ['tier', 'cycle', 'probability']),
        'inactive_below_return_probability': below_probability,
        'cycle_multiplier': rfm_lifecycle.rfm_decimal_var('cycle_multiplier', 0.5, 100, 2),
        'cycle_min_days': rfm_lifecycle.rfm_int_var('cycle_min_days', 1, 36500),
        'auto_new_customer_percentile': rfm_lifecycle.rfm_decimal_var('auto_new_customer_percentile', 0.01, 1, 3),
        'auto_inactive_percentile': rfm_lifecycle.rfm_decimal_var('auto_inactive_percentile', 0.01, 1, 3),
        'auto_loyal_percentile': rfm_lifecycle.rfm_decimal_var('auto_loyal_percentile', 0.01, 1, 3),
        'auto_lost_percentile': rfm_lifecycle.rfm_decimal_var('auto_lost_percentile', 0.01, 1, 3),
        'configured': rfm_lifecycle.rfm_configured_text(
            thresholds.keys() | list + ['cycle_multiplier', 'cycle_min_days', 'inactive_below_return_probability']),
    }) }}
{% endmacro %}


{% macro rfm_history_settings() %}
    {#- Lifecycle over time: segment_history and repeat_purchase_curve. -#}
    {{ return({
        'period_grain': rfm_lifecycle.rfm_choice_var('history_period_grain', ['month', 'week', 'day']),
        'periods': rfm_lifecycle.rfm_int_var('history_periods', 1, 5000),
        'repeat_curve_bucket_days': rfm_lifecycle.rfm_int_var('repeat_curve_bucket_days', 1, 366),
        'repeat_curve_buckets': rfm_lifecycle.rfm_int_var('repeat_curve_buckets', 1, 1000),
        'repeat_curve_knee_drop': rfm_lifecycle.rfm_decimal_var('repeat_curve_knee_drop', 0.01, 0.99, 3),
    }) }}
{% endmacro %}


{% macro rfm_cohort_settings() %}
    {#-
        Acquisition cohorts (docs/cohorts.md). max_periods bounds the periods
        since acquisition any cohort can reach: from min_order_date (no order
        is older) to the later of max_order_date and as_of_date (no as-of date
        is later), so the grid of cells is generated without reading data.
    -#}
    {%- set grain = rfm_lifecycle.rfm_choice_var('cohort_grain', ['month', 'week', 'quarter']) -%}
    {%- set input = rfm_lifecycle.rfm_input_settings() -%}
    {%- set as_of_date = rfm_lifecycle.rfm_scoring_settings().as_of_date -%}
    {%- set last_date = [input.max_order_date, as_of_date or input.max_order_date] | max -%}
    {%- set first = modules.datetime.datetime.strptime(input.min_order_date, '%Y-%m-%d') -%}
    {%- set last = modules.datetime.datetime.strptime(last_date, '%Y-%m-%d') -%}
    {%- set months = (last.year - first.year) * 12 + last.month - first.month -%}
    {%- set max_periods = {
        'month': months + 1,
        'quarter': (months // 3) + 2,
        'week': ((last - first).days // 7) + 2,
    }[grain] -%}
    {{ return({'cohort_grain': grain, 'max_periods': [max_periods, 1] | max}) }}
{% endmacro %}


{% macro rfm_return_settings() %}
    {#-
        Will they come back? (docs/return_probability.md): return_curves and
        the return columns of customer_segments. max_curve_days bounds the
        days since a last order any curve can reach (the longest possible gap,
        from min_order_date to the later of max_order_date and as_of_date,
        plus the horizon), so the day grid is generated without reading data.
        The rhythm prior is returned in hundredths of an order, so the SQL that
        shrinks a customer's rhythm stays in whole numbers.
    -#}
    {%- set horizon = rfm_lifecycle.rfm_int_var('return_horizon_days', 1, 3650) -%}
    {%- set input = rfm_lifecycle.rfm_input_settings() -%}
    {%- set as_of_date = rfm_lifecycle.rfm_scoring_settings().as_of_date -%}
    {%- set last_date = [input.max_order_date, as_of_date or input.max_order_date] | max -%}
    {%- set first = modules.datetime.datetime.strptime(input.min_order_date, '%Y-%m-%d') -%}
    {%- set last = modules.datetime.datetime.strptime(last_date, '%Y-%m-%d') -%}
    {{ return({
        'return_horizon_days': horizon,
        'return_curve_max_orders': rfm_lifecycle.rfm_int_var('return_curve_max_orders', 1, 100),
        'order_value_prior_orders': rfm_lifecycle.rfm_int_var('order_value_prior_orders', 0, 1000),
        'order_rhythm_prior_hundredths': (
            rfm_lifecycle.rfm_decimal_var('order_rhythm_prior_orders', 0, 1000, 2) | float * 100) | round | int,
        'order_rhythm_min_customers': rfm_lifecycle.rfm_int_var('order_rhythm_min_customers', 1, 100000000),
        'max_curve_days': [(last - first).days, 0] | max + horizon,
    }) }}
{% endmacro %}


{% macro rfm_calibration_settings() %}
    {#- Read by the calibration analyses only: a wrong value must not stop a build. -#}
    {{ return({
        'calibration_shift_days': rfm_lifecycle.rfm_int_list_var('calibration_shift_days', 1, 36500),
    }) }}
{% endmacro %}


{% macro rfm_scheme_settings() %}
    {#- docs/segment_schemes.md -#}
    {{ return({
        'rfm_segment_scheme': rfm_lifecycle.rfm_code_var('rfm_segment_scheme'),
    }) }}
{% endmacro %}


{% macro rfm_export_settings() %}
    {#- docs/exports.md -#}
    {{ return({
        'export_folder': rfm_lifecycle.rfm_path_var('export_folder'),
        'export_due_within_days': rfm_lifecycle.rfm_int_var('export_due_within_days', 0, 36500),
        'export_csv_dialect': rfm_lifecycle.rfm_choice_var('export_csv_dialect', ['standard', 'excel']),
    }) }}
{% endmacro %}


{% macro rfm_freshness_settings() %}
    {%- set settings = {
        'orders_freshness_warn_after_days': rfm_lifecycle.rfm_int_var('orders_freshness_warn_after_days', 1, 3650),
        'orders_freshness_error_after_days': rfm_lifecycle.rfm_int_var('orders_freshness_error_after_days', 1, 3650),
        'orders_loaded_at_column': rfm_lifecycle.rfm_identifier_var(
            'orders_loaded_at_column', 'column', var('orders_loaded_at_column')),
    } -%}
    {%- if settings.orders_freshness_error_after_days < settings.orders_freshness_warn_after_days -%}
        {{ rfm_lifecycle.rfm_var_error('orders_freshness_error_after_days',
            settings.orders_freshness_error_after_days,
            'at least orders_freshness_warn_after_days (' ~ settings.orders_freshness_warn_after_days ~ ')') }}
    {%- endif -%}
    {{ return(settings) }}
{% endmacro %}


{% macro rfm_configured_text(names) %}
    {#- Each var as configured, as text, for reports (lifecycle_thresholds); call it after validating them. -#}
    {%- set texts = {} -%}
    {%- for name in names -%}
        {%- do texts.update({name: var(name) | string}) -%}
    {%- endfor -%}
    {{ return(texts) }}
{% endmacro %}


{% macro rfm_sql_string(text) %}
    {#- A SQL string literal; every caller passes validated text, the escaping is a second guard. -#}
    {{ return(adapter.dispatch('rfm_sql_string', 'rfm_lifecycle')(text)) }}
{% endmacro %}

{% macro default__rfm_sql_string(text) %}
    {{ return("'" ~ (text | string | replace("'", "''")) ~ "'") }}
{% endmacro %}

{% macro spark__rfm_sql_string(text) %}
    {#- Spark reads 'a''b' as two literals run together ('ab'); it escapes with backslashes. -#}
    {{ return("'" ~ (text | string | replace("\\", "\\\\") | replace("'", "\\'")) ~ "'") }}
{% endmacro %}


{% macro rfm_date_literal(text) %}
    {{ return('cast(' ~ rfm_lifecycle.rfm_sql_string(text) ~ ' as date)') }}
{% endmacro %}


{% macro rfm_sql_string_list(values) %}
    {#- Comma-separated SQL literals; an empty list becomes a value no export uses, so `in (...)` stays valid SQL. -#}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- do literals.append(rfm_lifecycle.rfm_sql_string(value)) -%}
    {%- endfor -%}
    {{ return((literals | join(', ')) or "'(none)'") }}
{% endmacro %}


{% macro rfm_format_settings(entity) %}
    {#-
        How the entity's input writes its values (orders_format / customers_format): each key a
        value or 'auto' (detected from the input, see macros/sources/input_formats.sql).
    -#}
    {%- set name = entity ~ '_format' -%}
    {%- set choices = {
        'delimiter': ['auto', ',', ';', 'tab', '|'],
        'encoding': ['auto', 'utf-8', 'windows-1252', 'cp1252', 'latin-1', 'iso-8859-1', 'iso-8859-15', 'utf-16'],
        'decimal_separator': ['auto', '.', ','],
        'thousands_separator': ['auto', 'none', '.', ',', 'space'],
        'currency_mark': ['auto', 'none'] + rfm_lifecycle.rfm_currency_marks() | map('lower') | list,
        'negative_sign': ['auto', 'leading', 'trailing', 'parentheses'],
        'date_format': ['auto', 'yyyy-mm-dd', 'dd-mm-yyyy', 'dd/mm/yyyy', 'dd.mm.yyyy', 'mm/dd/yyyy', 'mm-dd-yyyy'],
    } -%}
    {%- set raw = var(name, none) -%}
    {%- if raw is none -%}
        {%- set raw = {} -%}
    {%- elif raw is not mapping -%}
        {%- set raw = rfm_lifecycle.rfm_var_error(name, raw,
            "a mapping of " ~ choices.keys() | join(', ') ~ " to a value or auto", {}) -%}
    {%- endif -%}
    {%- set settings = {} -%}
    {%- for key in raw if key not in choices -%}
        {%- do rfm_lifecycle.rfm_var_error(name, key, "keys among " ~ choices.keys() | join(', ')) -%}
    {%- endfor -%}
    {%- for key, allowed in choices.items() -%}
        {%- set value = raw.get(key, 'auto') -%}
        {%- set text = 'tab' if value == '\t' else ((value | string) | lower if value is string else value) -%}
        {%- if text not in allowed -%}
            {%- set text = rfm_lifecycle.rfm_var_error(name ~ '.' ~ key, value, "one of " ~ allowed | join(' ') , 'auto') -%}
        {%- elif key == 'currency_mark' and text not in ['auto', 'none'] -%}
            {#- As the export writes it: EUR, not eur. -#}
            {%- set text = text | upper -%}
        {%- endif -%}
        {%- do settings.update({key: text}) -%}
    {%- endfor -%}
    {{ return(settings) }}
{% endmacro %}
