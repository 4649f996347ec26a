{#-
    Every var that reaches SQL passes through one of these macros. A value of
    the wrong shape stops the node that reads it, at compile time, with a
    message that names the var, instead of being pasted into SQL.

    dbt renders every model while parsing the project (execute is false), and
    a raise there would stop every model, not only those that read the var. So
    while parsing, a wrong value gives a harmless stand-in of the right shape
    (the parse only collects refs and configs); the node that reads the var
    raises when it is compiled, before its SQL runs.
-#}

{% macro rfm_raise_var_error(name, value, expected) %}
    {{ exceptions.raise_compiler_error(
        "rfm_lifecycle: var '" ~ name ~ "' is " ~ ((value | string)[:80] | tojson | replace('\\u0027', "'"))
        ~ ", expected " ~ expected ~ "."
    ) }}
{% endmacro %}


{% macro rfm_var_error(name, value, expected, stand_in=none) %}
    {#- Raises when a node is compiled or run; while parsing, returns the stand-in. -#}
    {%- if execute -%}
        {{ rfm_lifecycle.rfm_raise_var_error(name, value, expected) }}
    {%- endif -%}
    {{ return(stand_in) }}
{% endmacro %}


{% macro rfm_is_text(value) %}
    {{ return(value is string) }}
{% endmacro %}


{% macro rfm_date_var(name, value=none, use_var=true, relative_days=false) %}
    {#- Returns 'YYYY-MM-DD' or none. YAML may already hand over a date. With relative_days,
        'today' and 'yesterday' are the run's day and the day before it (UTC, from
        run_started_at): a scheduled run keeps the same vars every day, so dbt keeps its
        partial parse, and the day is still fixed when the run starts. -#}
    {%- set raw = var(name, none) if use_var else value -%}
    {%- if raw is none or (raw is string and raw | trim == '') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set days_back = {'today': 0, 'yesterday': 1} -%}
    {%- if relative_days and raw is string and raw | trim | lower in days_back -%}
        {%- set day = run_started_at - modules.datetime.timedelta(days=days_back[raw | trim | lower]) -%}
        {{ return(day.strftime('%Y-%m-%d')) }}
    {%- endif -%}
    {%- set expected = "a date written YYYY-MM-DD" ~ (", 'today' or 'yesterday'" if relative_days else "") -%}
    {%- if raw is not string and not (raw.year is defined and raw.month is defined) -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw, expected, none)) }}
    {%- endif -%}
    {%- set text = (raw | string) | trim -%}
    {%- set match = modules.re.fullmatch('([0-9]{4})-([0-9]{2})-([0-9]{2})', text) -%}
    {%- if not match -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw, expected, none)) }}
    {%- endif -%}
    {%- set year = match.group(1) | int -%}
    {%- set month = match.group(2) | int -%}
    {%- set day = match.group(3) | int -%}
    {%- set is_leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 -%}
    {%- set month_days = [31, 29 if is_leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
    {%- if year < 1 or month < 1 or month > 12 or day < 1 or day > month_days[month - 1] -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw, expected | replace('a date', 'a calendar date', 1), none)) }}
    {%- endif -%}
    {{ return(text) }}
{% endmacro %}


{% macro rfm_whole_number(value, min_value, max_value) %}
    {#- The value as an int when it is a whole number from min_value to max_value, else none (true is no number). -#}
    {%- if value is none or value is sameas true or value is sameas false -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = (value | string) | trim -%}
    {%- if not modules.re.fullmatch('[0-9]{1,9}', text) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set number = text | int -%}
    {{ return(number if min_value <= number <= max_value else none) }}
{% endmacro %}


{% macro rfm_int_var(name, min_value, max_value, allow_auto=false, value=none, use_var=true) %}
    {#- Returns an int, or the string 'auto' when allowed. use_var=false checks `value` (an entry of a mapping var). -#}
    {%- set raw = var(name, none) if use_var else value -%}
    {%- if allow_auto and raw is string and raw | trim | lower == 'auto' -%}
        {{ return('auto') }}
    {%- endif -%}
    {%- set number = rfm_lifecycle.rfm_whole_number(raw, min_value, max_value) -%}
    {%- if number is none -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw, "a whole number from " ~ min_value ~ " to " ~ max_value
            ~ (" or 'auto'" if allow_auto else ""), min_value)) }}
    {%- endif -%}
    {{ return(number) }}
{% endmacro %}


{% macro rfm_int_list_var(name, min_value, max_value) %}
    {#- A non-empty list of whole numbers (a single number is taken as a list of one), sorted, without repeats. -#}
    {%- set raw = var(name, none) -%}
    {%- set expected = "a list of whole numbers from " ~ min_value ~ " to " ~ max_value -%}
    {%- set items = [raw] if (raw is number or raw is string) else raw -%}
    {%- if raw is none or raw is sameas true or raw is sameas false or raw is mapping or items is not iterable
        or items | length == 0 -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw, expected, [min_value])) }}
    {%- endif -%}
    {%- set numbers = [] -%}
    {%- for item in items -%}
        {%- set number = rfm_lifecycle.rfm_whole_number(item, min_value, max_value) -%}
        {%- if number is none -%}
            {{ return(rfm_lifecycle.rfm_var_error(name, raw, expected, [min_value])) }}
        {%- endif -%}
        {%- if number not in numbers -%}
            {%- do numbers.append(number) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(numbers | sort) }}
{% endmacro %}


{% macro rfm_decimal_var(name, min_value, max_value, max_decimals=3) %}
    {#- Returns the number as a canonical decimal string, safe to paste into SQL. -#}
    {%- set raw = var(name, none) -%}
    {%- set expected = "a number from " ~ min_value ~ " to " ~ max_value
        ~ " with at most " ~ max_decimals ~ " decimals" -%}
    {%- if raw is sameas true or raw is sameas false or raw is none -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw, expected, min_value | string)) }}
    {%- endif -%}
    {%- set text = (raw | string) | trim -%}
    {%- set match = modules.re.fullmatch('([0-9]{1,9})(?:\\.([0-9]+))?', text) -%}
    {%- if not match -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw, expected, min_value | string)) }}
    {%- endif -%}
    {%- set decimals = (match.group(2) or '').rstrip('0') -%}
    {%- if decimals | length > max_decimals -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw, expected, min_value | string)) }}
    {%- endif -%}
    {%- set number = text | float -%}
    {%- if number < min_value or number > max_value -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw, expected, min_value | string)) }}
    {%- endif -%}
    {{ return(match.group(1) | int ~ ('.' ~ decimals if decimals else '')) }}
{% endmacro %}


{% macro rfm_choice_var(name, choices) %}
    {%- set raw = var(name, none) -%}
    {%- set text = (raw | string) | trim | lower -%}
    {%- if raw is not string or text not in choices -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw, "one of " ~ choices | join(', '), choices[0])) }}
    {%- endif -%}
    {{ return(text) }}
{% endmacro %}


{% macro rfm_word_list_var(name) %}
    {#- A list of plain words (letters, digits, space, _ and -), lower-cased. -#}
    {%- set raw = var(name, none) -%}
    {%- set expected = "a list of plain words (letters, digits, spaces, _ and -)" -%}
    {%- if raw is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if raw is string or raw is mapping or raw is not iterable -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw, expected, [])) }}
    {%- endif -%}
    {%- set words = [] -%}
    {%- for item in raw -%}
        {%- if item is not string or not modules.re.fullmatch('[\\w][\\w \\-]{0,63}', item | trim) -%}
            {{ return(rfm_lifecycle.rfm_var_error(name, raw, expected, [])) }}
        {%- endif -%}
        {%- do words.append(rfm_lifecycle.rfm_lower_word(item | trim)) -%}
    {%- endfor -%}
    {{ return(words) }}
{% endmacro %}


{% macro rfm_identifier_var(name, key, raw) %}
    {#- A source column name from a mapping var: letters, digits, _, space, . and -. -#}
    {%- if raw is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if raw is not string or not modules.re.fullmatch('[\\w][\\w .\\-]{0,127}', raw) -%}
        {{ return(rfm_lifecycle.rfm_var_error(name ~ "." ~ key, raw,
            "a column name (letters, digits, _, space, . and -)", none)) }}
    {%- endif -%}
    {{ return(raw) }}
{% endmacro %}


{% macro rfm_path_var(name) %}
    {#- A file path or glob; quotes and control characters are refused. -#}
    {%- set raw = var(name, none) -%}
    {%- if raw is none or (raw is string and raw | trim == '') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if raw is not string or modules.re.search("['\"\\\\;\\x00-\\x1f]", raw) -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw,
            "a file path or glob without quotes, backslashes, semicolons or control characters", none)) }}
    {%- endif -%}
    {{ return(raw | trim) }}
{% endmacro %}


{% macro rfm_relation_name_var(name) %}
    {#- Database, schema and table names of sources. -#}
    {%- set raw = var(name, none) -%}
    {%- if raw is none or (raw is string and raw | trim == '') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if raw is not string or not modules.re.fullmatch('[\\w][\\w\\-]{0,127}', raw) -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw, "a plain database, schema or table name", none)) }}
    {%- endif -%}
    {{ return(raw) }}
{% endmacro %}


{% macro rfm_code_var(name) %}
    {#- A lower-case code (scheme names): it becomes part of SQL literals and export file names. -#}
    {%- set raw = var(name, none) -%}
    {%- if raw is not string or not modules.re.fullmatch('[a-z][a-z0-9_]{0,39}', raw)
        or '__' in raw -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw,
            "a code of lower-case letters, digits and single underscores, starting with a letter (at most 40)", 'invalid')) }}
    {%- endif -%}
    {{ return(raw) }}
{% endmacro %}


{% macro rfm_bool_var(name) %}
    {%- set raw = var(name, none) -%}
    {%- if raw is not sameas true and raw is not sameas false -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw, 'true or false', false)) }}
    {%- endif -%}
    {{ return(raw) }}
{% endmacro %}


{% macro rfm_time_zone_var(name) %}
    {#- A time zone name as the IANA database writes it (UTC, Europe/Amsterdam, America/Port-au-Prince). -#}
    {%- set raw = var(name, none) -%}
    {%- if raw is not string or not modules.re.fullmatch('[A-Za-z][A-Za-z0-9_+\\-]{0,30}(/[A-Za-z0-9_+\\-]{1,30}){0,2}', raw) -%}
        {{ return(rfm_lifecycle.rfm_var_error(name, raw, "a time zone name such as UTC or Europe/Amsterdam", 'UTC')) }}
    {%- endif -%}
    {{ return(raw) }}
{% endmacro %}
