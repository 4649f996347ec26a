{#-
    How the orders input writes amounts and dates: orders_format.decimal_separator,
    thousands_separator, currency_mark and date_format, each detected from the
    input when 'auto'.

    Detection reads the first 100,000 rows (any engine, the input as it is) and
    counts values that can only be read one way:
      decimal comma  12,5  12,50  1.234,50  1.234.567   (a comma not followed by
                     exactly three digits, or dots grouping thousands)
      decimal point  12.5  12.50  1,234.50  1,234,567
      ambiguous      1.250  1,250   (one separator, three digits after it)
      currency mark  € 1.234,50  € -12,50  -€ 12,50  12,50 €  EUR 12,50: a mark of
                     rfm_currency_marks() at the start or end of the amount. Amounts
                     in two currencies cannot be added up, so two marks stop the run;
                     the separators are counted on the amounts without their mark.
      negative sign  12,50- (a minus after the number: SAP and other ERP systems) or
                     (12,50) (accounting format), beside the usual -12,50. Neither can
                     be read another way; the form seen is read, and both forms seen
                     without a 90% majority stop the run.
      dates          2024-03-05 (year first), or day and month first with -, / or .:
                     a first part above 12 says day-first, a second part above 12
                     month-first.
    The reading with evidence wins when it holds at least 90% of the values with
    evidence (the other values will be rejected as unparseable, not misread).
    Evidence both ways without such a majority, or only ambiguous values, stops
    the run with a message that names the var to set: never a silent misread. The conversions below check each value against
    the format in force, so a value written another way is rejected as
    unparseable, not misread. With the plain contract's formats (decimal point,
    no thousands separator, ISO dates) nothing is converted.
-#}

{% macro rfm_detection_sample_rows() %}
    {{ return(100000) }}
{% endmacro %}


{% macro rfm_currency_marks() %}
    {#- The marks an amount may carry (Excel's currency format writes € 1.234,50); orders_format.currency_mark. -#}
    {{ return(['€', '$', '£', 'EUR', 'USD', 'GBP', 'CHF']) }}
{% endmacro %}


{% macro rfm_group_spaces() %}
    {#-
        The spaces that group thousands (1 234,50) and stand beside a currency mark: a space, a no-break
        space (Excel and Windows in French and other locales) and a narrow no-break space (newer locales,
        JavaScript's Intl.NumberFormat, which web shops use to show prices: 1 234,50 €).
    -#}
    {{ return([' ', '\u00a0', '\u202f']) }}
{% endmacro %}


{% macro rfm_trim_group_spaces(expression, side) %}
    {#- The spaces of rfm_group_spaces() off one side ('leading' or 'trailing') of the text. -#}
    {{ return(adapter.dispatch('rfm_trim_group_spaces', 'rfm_lifecycle')(expression, side)) }}
{% endmacro %}

{% macro default__rfm_trim_group_spaces(expression, side) -%}
    {{ 'ltrim' if side == 'leading' else 'rtrim' }}({{ expression }},
        {{- ' ' ~ rfm_lifecycle.rfm_sql_string(rfm_lifecycle.rfm_group_spaces() | join('')) }})
{%- endmacro %}

{% macro spark__rfm_trim_group_spaces(expression, side) -%}
    {#- Spark's ltrim and rtrim take no characters. -#}
    trim({{ side }} {{ rfm_lifecycle.rfm_sql_string(rfm_lifecycle.rfm_group_spaces() | join('')) }} from {{ expression }})
{%- endmacro %}


{% macro rfm_unmarked_amount(text_expression, marks, in_parentheses=false) -%}
    {#-
        The amount text without one of the marks at its start (€ 12,50, € -12,50, -€ 12,50) or end
        (12,50 €), with the spaces beside the mark; in_parentheses also just inside a parenthesis
        (($ 12.50) and (12.50 $) become (12.50)). Any other text is returned as it is: a mark inside
        the number (12€50) or a second mark stays, and the amount is rejected as unparseable.
    -#}
    case
        {%- for mark in marks %}
        {%- set size = mark | length %}
        when {{ text_expression }} like {{ rfm_lifecycle.rfm_sql_string(mark ~ '%') }}
            then {{ rfm_lifecycle.rfm_trim_group_spaces('substring(' ~ text_expression ~ ', ' ~ (size + 1) ~ ')', 'leading') }}
        when {{ text_expression }} like {{ rfm_lifecycle.rfm_sql_string('-' ~ mark ~ '%') }}
            then '-' || {{ rfm_lifecycle.rfm_trim_group_spaces(
                'substring(' ~ text_expression ~ ', ' ~ (size + 2) ~ ')', 'leading') }}
        when {{ text_expression }} like {{ rfm_lifecycle.rfm_sql_string('%' ~ mark) }}
            then {{ rfm_lifecycle.rfm_trim_group_spaces('substring(' ~ text_expression ~ ', 1, length('
                ~ text_expression ~ ') - ' ~ size ~ ')', 'trailing') }}
        {%- if in_parentheses %}
        when {{ text_expression }} like {{ rfm_lifecycle.rfm_sql_string('(' ~ mark ~ '%') }}
            then '(' || {{ rfm_lifecycle.rfm_trim_group_spaces(
                'substring(' ~ text_expression ~ ', ' ~ (size + 2) ~ ')', 'leading') }}
        when {{ text_expression }} like {{ rfm_lifecycle.rfm_sql_string('%' ~ mark ~ ')') }}
            then {{ rfm_lifecycle.rfm_trim_group_spaces('substring(' ~ text_expression ~ ', 1, length('
                ~ text_expression ~ ') - ' ~ (size + 1) ~ ')', 'trailing') }} || ')'
        {%- endif %}
        {%- endfor %}
        else {{ text_expression }}
    end
{%- endmacro %}


{% macro rfm_signed_amount(text_expression, forms) -%}
    {#-
        A negative amount written with a minus after the number (12,50-) or in parentheses ((12,50)),
        for each form in forms ('trailing', 'parentheses'), with the minus first; any other text as it
        is. What is left is checked by the amount pattern, so -12,50- or (-12,50) is rejected.
    -#}
    case
        {%- if 'trailing' in forms %}
        when {{ text_expression }} like '%-' and not {{ text_expression }} like '-%'
            then '-' || rtrim(substring({{ text_expression }}, 1, length({{ text_expression }}) - 1))
        {%- endif %}
        {%- if 'parentheses' in forms %}
        when {{ text_expression }} like '(%)'
            then '-' || trim(substring({{ text_expression }}, 2, length({{ text_expression }}) - 2))
        {%- endif %}
        else {{ text_expression }}
    end
{%- endmacro %}


{% macro rfm_negative_amount(text_expression, formats) -%}
    {#-
        The amount text without the currency mark in force and with its minus first (formats, as
        rfm_value_formats gives them): € 12,50- and 12,50- €, ($ 12.50), $ (12.50) and (12.50) $ all
        read as minus. Unchanged when neither a mark nor another negative sign is in force.
    -#}
    {%- set forms = [] if formats.get('negative_sign', 'leading') == 'leading' else [formats.negative_sign] -%}
    {%- set marks = [] if formats.get('currency_mark', 'none') == 'none' else [formats.currency_mark] -%}
    {%- set unmarked = rfm_lifecycle.rfm_unmarked_amount(text_expression, marks, 'parentheses' in forms)
        if marks else text_expression -%}
    {{ rfm_lifecycle.rfm_signed_amount(unmarked, forms) if forms else unmarked }}
{%- endmacro %}


{% macro rfm_value_formats(entity, relation, columns) %}
    {%- set settings = rfm_lifecycle.rfm_format_settings(entity) -%}
    {%- set found = {
        'decimal_separator': settings.decimal_separator, 'thousands_separator': settings.thousands_separator,
        'currency_mark': settings.currency_mark, 'negative_sign': settings.negative_sign,
        'date_format': settings.date_format, 'evidence': {},
    } -%}
    {%- if not execute or columns.amount is not defined -%}
        {%- for key in ['decimal_separator', 'thousands_separator', 'currency_mark', 'negative_sign',
            'date_format'] if found[key] == 'auto' -%}
            {%- do found.update({key: {'decimal_separator': '.', 'thousands_separator': 'none',
                'currency_mark': 'none', 'negative_sign': 'leading', 'date_format': 'yyyy-mm-dd'}[key]}) -%}
        {%- endfor -%}
        {{ return(found) }}
    {%- endif -%}
    {%- set marks = rfm_lifecycle.rfm_currency_marks() -%}
    {%- set m = rfm_lifecycle.rfm_full_match -%}
    {%- set amount = rfm_lifecycle.rfm_trim('cast(' ~ columns.amount ~ ' as ' ~ dbt.type_string() ~ ')') -%}
    {%- set day_text = "split_part(" ~ rfm_lifecycle.rfm_trim('cast(' ~ columns.order_date ~ ' as '
        ~ dbt.type_string() ~ ')') ~ ", ' ', 1)" -%}
    {%- set day_first = "'^[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}$'" -%}
    {%- set minus_last = "'^[^-]*[0-9] ?-$'" -%}
    {%- set parenthesized = "'^[(][^()]*[0-9][^()]*[)]$'" -%}
    {%- set both_signs = ['trailing', 'parentheses'] -%}
    {%- set space_class = '[' ~ rfm_lifecycle.rfm_group_spaces() | join('') ~ ']' -%}
    {%- set measures = {
        'comma_decimals': m('amount_text', "'^[+-]?([0-9]+,([0-9]{1,2}|[0-9]{4,})|[0-9]{1,3}([.][0-9]{3})+,[0-9]+|[0-9]{1,3}([.][0-9]{3}){2,})$'"),
        'point_decimals': m('amount_text', "'^[+-]?([0-9]*[.]([0-9]{1,2}|[0-9]{4,})|[0-9]{1,3}(,[0-9]{3})+[.][0-9]+|[0-9]{1,3}(,[0-9]{3}){2,})$'"),
        'ambiguous_amounts': m('amount_text', "'^[+-]?[0-9]{1,3}[.,][0-9]{3}$'"),
        'thousands_points': m('amount_text', "'^[+-]?[0-9]{1,3}([.][0-9]{3})+(,[0-9]*)?$'"),
        'thousands_commas': m('amount_text', "'^[+-]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]*)?$'"),
        'thousands_spaces': m('amount_text', "'^[+-]?[0-9]{1,3}(" ~ space_class ~ "[0-9]{3})+([.,][0-9]*)?$'"),
        'minus_last_amounts': '(' ~ m('marked_text', minus_last) ~ ' or ' ~ m('unmarked_text', minus_last) ~ ')',
        'parenthesized_amounts': '(' ~ m('marked_text', parenthesized) ~ ' or '
            ~ m('unmarked_text', parenthesized) ~ ')',
        'year_first_dates': m('day_text', "'^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$'"),
        'hyphen_dates': m('day_text', "'^[0-9]{1,2}-[0-9]{1,2}-[0-9]{4}$'"),
        'slash_dates': m('day_text', "'^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$'"),
        'dot_dates': m('day_text', "'^[0-9]{1,2}[.][0-9]{1,2}[.][0-9]{4}$'"),
    } -%}
    {%- do measures.update({'all_amounts': 'marked_text is not null'}) -%}
    {%- for position in range(marks | length) -%}
        {%- set mark = marks[position] -%}
        {%- do measures.update({'currency_mark_' ~ position: "(marked_text like "
            ~ rfm_lifecycle.rfm_sql_string(mark ~ '%')
            ~ " or marked_text like " ~ rfm_lifecycle.rfm_sql_string('-' ~ mark ~ '%')
            ~ " or marked_text like " ~ rfm_lifecycle.rfm_sql_string('%' ~ mark)
            ~ " or marked_text like " ~ rfm_lifecycle.rfm_sql_string('(' ~ mark ~ '%')
            ~ " or marked_text like " ~ rfm_lifecycle.rfm_sql_string('%' ~ mark ~ ')') ~ ")"}) -%}
    {%- endfor -%}
    {%- set parts = "replace(replace(day_text, '/', '-'), '.', '-')" -%}
    {%- set query -%}
        select
            {%- for name, condition in measures.items() %}
            count(case when {{ condition }} then 1 end) as {{ name }},
            {%- endfor %}
            max(case when {{ m('day_text', day_first) }} then cast(split_part({{ parts }}, '-', 1) as integer) end)
                as max_first_part,
            max(case when {{ m('day_text', day_first) }} then cast(split_part({{ parts }}, '-', 2) as integer) end)
                as max_second_part
        from (
            select
                marked_text,
                unmarked_text,
                {{ rfm_lifecycle.rfm_signed_amount('unmarked_text', both_signs) }} as amount_text,
                day_text
            from (
                select
                    marked_text,
                    {{ rfm_lifecycle.rfm_unmarked_amount('marked_text', marks, in_parentheses=true) }}
                        as unmarked_text,
                    day_text
                from (
                    select
                        {{ amount }} as marked_text,
                        {{ day_text }} as day_text
                    from {{ relation }}
                    limit {{ rfm_lifecycle.rfm_detection_sample_rows() }}
                ) as sampled
            ) as unmarked
        ) as signed
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- set evidence = {} -%}
    {%- for name in measures.keys() | list + ['max_first_part', 'max_second_part'] -%}
        {%- do evidence.update({name: row[name] or 0}) -%}
    {%- endfor -%}
    {%- do found.update({'evidence': evidence}) -%}
    {%- set label = "rfm_lifecycle: the " ~ entity ~ " input" -%}
    {%- if found.decimal_separator == 'auto' -%}
        {%- if evidence.comma_decimals > 0 and evidence.point_decimals > 0
            and evidence.comma_decimals < 9 * evidence.point_decimals
            and evidence.point_decimals < 9 * evidence.comma_decimals -%}
            {{ exceptions.raise_compiler_error(label ~ " writes amounts with a decimal comma ("
                ~ evidence.comma_decimals ~ " values such as 12,50) and with a decimal point (" ~ evidence.point_decimals
                ~ " values such as 12.50). Set " ~ entity ~ "_format.decimal_separator to ',' or '.';"
                ~ " the values written the other way will be rejected as unparseable.") }}
        {%- elif evidence.comma_decimals > evidence.point_decimals -%}
            {%- do found.update({'decimal_separator': ','}) -%}
        {%- elif evidence.point_decimals > 0 or evidence.ambiguous_amounts == 0 -%}
            {%- do found.update({'decimal_separator': '.'}) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(label ~ " writes its amounts only as values such as 1.250 or 1,250 ("
                ~ evidence.ambiguous_amounts ~ "), which are one thousand two hundred and fifty with a decimal"
                ~ " comma and one and a quarter with a decimal point. Set " ~ entity
                ~ "_format.decimal_separator: ',' (Dutch, German exports) or '.'"
                ~ " (with thousands_separator if the export groups thousands).") }}
        {%- endif -%}
    {%- endif -%}
    {%- if found.thousands_separator == 'auto' -%}
        {%- if found.decimal_separator == ',' -%}
            {%- set thousands = 'space' if evidence.thousands_spaces > 0 and evidence.thousands_points == 0
                else '.' if evidence.thousands_points > 0 or evidence.ambiguous_amounts > 0 else 'none' -%}
        {%- else -%}
            {%- set thousands = 'space' if evidence.thousands_spaces > 0 and evidence.thousands_commas == 0
                else ',' if evidence.thousands_commas > 0 else 'none' -%}
        {%- endif -%}
        {%- do found.update({'thousands_separator': thousands}) -%}
    {%- endif -%}
    {%- if found.currency_mark == 'auto' -%}
        {#-
            One mark seen: it is taken off (harmless where there is one currency). Several: one that holds
            90% of the marked amounts is taken off and the others are rejected; stray marks on under 10%
            of all amounts are all rejected; otherwise the file is in two currencies and the run stops.
        -#}
        {%- set seen = [] -%}
        {%- for position in range(marks | length) if evidence['currency_mark_' ~ position] > 0 -%}
            {%- do seen.append((marks[position], evidence['currency_mark_' ~ position])) -%}
        {%- endfor -%}
        {%- set marked = seen | sum(attribute=1) -%}
        {%- set leading = seen | max(attribute=1) if seen else none -%}
        {%- if seen | length > 1 and leading[1] * 10 >= marked * 9 -%}
            {%- set seen = [leading] -%}
        {%- elif seen | length > 1 and marked * 10 < evidence.all_amounts -%}
            {%- set seen = [] -%}
        {%- endif -%}
        {%- if seen | length > 1 -%}
            {%- set counts = [] -%}
            {%- for mark, count in seen -%}
                {%- do counts.append(mark ~ ': ' ~ count) -%}
            {%- endfor -%}
            {{ exceptions.raise_compiler_error(label ~ " writes amounts with more than one currency mark ("
                ~ counts | join(', ') ~ " in the first " ~ rfm_lifecycle.rfm_detection_sample_rows() ~ " rows)."
                ~ " Amounts in two currencies cannot be added up: convert them to one first, or set "
                ~ entity ~ "_format.currency_mark to the mark to read; amounts with another mark will be"
                ~ " rejected as unparseable.") }}
        {%- endif -%}
        {%- do found.update({'currency_mark': seen[0][0] if seen else 'none'}) -%}
    {%- endif -%}
    {%- if found.negative_sign == 'auto' -%}
        {#- Both forms can only mean a negative amount; a file that writes both stops as for the separators. -#}
        {%- set trailing, parentheses = evidence.minus_last_amounts, evidence.parenthesized_amounts -%}
        {%- if trailing > 0 and parentheses > 0 and trailing < 9 * parentheses and parentheses < 9 * trailing -%}
            {{ exceptions.raise_compiler_error(label ~ " writes negative amounts with a minus after the number ("
                ~ trailing ~ " values such as 12,50-) and in parentheses (" ~ parentheses ~ " values such as (12,50))."
                ~ " Set " ~ entity ~ "_format.negative_sign to trailing or parentheses;"
                ~ " the values written the other way will be rejected as unparseable.") }}
        {%- endif -%}
        {%- do found.update({'negative_sign': 'trailing' if trailing > parentheses
            else 'parentheses' if parentheses > 0 else 'leading'}) -%}
    {%- endif -%}
    {%- if found.thousands_separator == found.decimal_separator -%}
        {{ rfm_lifecycle.rfm_var_error(entity ~ '_format.thousands_separator', found.thousands_separator,
            'a separator other than the decimal separator') }}
    {%- endif -%}
    {%- if found.date_format == 'auto' -%}
        {#- A layout counts when it holds at least 90% of the dates; the rest will be rejected as unparseable. -#}
        {%- set day_or_month_first = evidence.hyphen_dates + evidence.slash_dates + evidence.dot_dates -%}
        {%- set all_dates = day_or_month_first + evidence.year_first_dates -%}
        {%- set layouts = [] -%}
        {%- for name, separator in [('hyphen_dates', '-'), ('slash_dates', '/'), ('dot_dates', '.')]
            if evidence[name] > 0 and evidence[name] * 10 >= all_dates * 9 -%}
            {%- do layouts.append(separator) -%}
        {%- endfor -%}
        {%- if day_or_month_first == 0 or evidence.year_first_dates * 10 >= all_dates * 9 -%}
            {%- do found.update({'date_format': 'yyyy-mm-dd'}) -%}
        {%- elif layouts | length != 1 -%}
            {{ exceptions.raise_compiler_error(label ~ " writes its dates in more than one way (year first: "
                ~ evidence.year_first_dates ~ ", day or month first with " ~ layouts | join(' and ')
                ~ "). Set " ~ entity ~ "_format.date_format (yyyy-mm-dd, dd-mm-yyyy, dd/mm/yyyy, dd.mm.yyyy,"
                ~ " mm/dd/yyyy, mm-dd-yyyy); dates written another way will be rejected as unparseable.") }}
        {%- elif evidence.max_first_part > 12 and evidence.max_second_part <= 12 -%}
            {%- do found.update({'date_format': 'dd' ~ layouts[0] ~ 'mm' ~ layouts[0] ~ 'yyyy'}) -%}
        {%- elif evidence.max_second_part > 12 and evidence.max_first_part <= 12 -%}
            {%- do found.update({'date_format': 'mm' ~ layouts[0] ~ 'dd' ~ layouts[0] ~ 'yyyy'}) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(label ~ " writes dates such as 05" ~ layouts[0] ~ "03"
                ~ layouts[0] ~ "2024, and no day in it tells the day from the month. Set " ~ entity
                ~ "_format.date_format: dd" ~ layouts[0] ~ "mm" ~ layouts[0] ~ "yyyy (Dutch, German exports) or mm"
                ~ layouts[0] ~ "dd" ~ layouts[0] ~ "yyyy.") }}
        {%- endif -%}
    {%- endif -%}
    {%- if found.date_format not in ['yyyy-mm-dd', 'dd-mm-yyyy', 'dd/mm/yyyy', 'dd.mm.yyyy', 'mm/dd/yyyy', 'mm-dd-yyyy'] -%}
        {{ exceptions.raise_compiler_error(label ~ ": date format " ~ found.date_format ~ " is not supported.") }}
    {%- endif -%}
    {{ return(found) }}
{% endmacro %}


{% macro rfm_localized_amount(text_expression, formats) -%}
    {#-
        The amount text in the plain contract's form (1234.50), or null when it is not written in the
        format in force; its sign and currency mark already read by rfm_negative_amount.
    -#}
    {%- set decimal = formats.decimal_separator -%}
    {%- set thousands = none if formats.thousands_separator == 'none' else formats.thousands_separator -%}
    {%- if decimal == '.' and thousands is none -%}
        {{ text_expression }}
    {%- else -%}
        {%- set spaces = rfm_lifecycle.rfm_group_spaces() if thousands == 'space' else [thousands] -%}
        {%- set as_class = {'.': '[.]', ',': ',', 'space': '[' ~ spaces | join('') ~ ']'} -%}
        {%- set integer_part = '([0-9]{1,3}(' ~ as_class[thousands] ~ '[0-9]{3})+|[0-9]+)' if thousands else '[0-9]+' -%}
        {%- set pattern = "'^[+-]?" ~ integer_part ~ "(" ~ as_class[decimal] ~ "[0-9]+)?([eE][+-]?[0-9]{1,3})?$'" -%}
        {%- set plain = namespace(text=text_expression) -%}
        {%- for separator in (spaces if thousands else []) -%}
            {%- set plain.text = "replace(" ~ plain.text ~ ", " ~ rfm_lifecycle.rfm_sql_string(separator) ~ ", '')" -%}
        {%- endfor -%}
        {%- set plain = plain.text -%}
        case
            when {{ rfm_lifecycle.rfm_full_match(text_expression, pattern) }}
                then {{ plain if decimal == '.' else "replace(" ~ plain ~ ", ',', '.')" }}
        end
    {%- endif -%}
{%- endmacro %}


{% macro rfm_localized_date_text(text_expression, formats) -%}
    {#- The date text year first (2024-03-05 14:22:10), or null when it is not written in the format in force. -#}
    {%- set date_format = formats.date_format -%}
    {%- if date_format == 'yyyy-mm-dd' -%}
        {{ text_expression }}
    {%- else -%}
        {%- set separator = date_format[2] -%}
        {%- set class = '[.]' if separator == '.' else separator -%}
        {%- set sep = rfm_lifecycle.rfm_sql_string(separator) -%}
        {%- set day_position, month_position = (1, 2) if date_format.startswith('dd') else (2, 1) -%}
        {%- set year_and_time = "split_part(" ~ text_expression ~ ", " ~ sep ~ ", 3)" -%}
        case
            when {{ rfm_lifecycle.rfm_full_match(text_expression,
                "'^[0-9]{1,2}" ~ class ~ "[0-9]{1,2}" ~ class ~ "[0-9]{4}([ T][0-9:]+)?$'") }}
                then
                    substring({{ year_and_time }}, 1, 4)
                    || '-' || lpad(split_part({{ text_expression }}, {{ sep }}, {{ month_position }}), 2, '0')
                    || '-' || lpad(split_part({{ text_expression }}, {{ sep }}, {{ day_position }}), 2, '0')
                    || substring({{ year_and_time }}, 5)
        end
    {%- endif -%}
{%- endmacro %}


{% macro rfm_input_format_rows(entity) %}
    {#- The rows of input_formats for one input: (input, setting, configured, in force, set by, evidence). -#}
    {%- set settings = rfm_lifecycle.rfm_format_settings(entity) -%}
    {%- set path = rfm_lifecycle.rfm_input_path(entity) -%}
    {%- set rows = [] -%}
    {%- if entity == 'customers' and not rfm_lifecycle.rfm_customers_source_enabled() -%}
        {{ return(rows) }}
    {%- endif -%}
    {%- if path is not none and target.type == 'duckdb' -%}
        {%- set plan = rfm_lifecycle.rfm_file_read_plan(path, entity ~ '_path', check_input=false) -%}
        {%- do rows.append((entity, 'source', path, (plan.files | join(', ')) or path, 'configured', none)) -%}
        {%- do rows.append((entity, 'file_kind', none, plan.kind, 'detected', 'from the file name')) -%}
        {%- if plan.kind == 'csv' -%}
            {%- do rows.append((entity, 'encoding', settings.encoding, plan.encoding,
                'configured' if settings.encoding != 'auto' else 'detected',
                'read through a UTF-8 copy' if plan.encoding != 'utf-8' else 'every byte sequence is UTF-8'
                    if plan.plugin else 'UTF-8 assumed: plugins/rfm_files.py is not loaded')) -%}
            {%- do rows.append((entity, 'byte_order_mark', none, 'yes' if plan.bom else 'no', 'detected', none)) -%}
            {%- do rows.append((entity, 'excel_sep_line', none, plan.sep_line or 'none', 'detected',
                'the first line is skipped' if plan.sep_line else none)) -%}
        {%- endif -%}
        {%- if plan.kind != 'parquet' -%}
            {%- set delimiter = plan.delimiter if plan.delimiter is not none else run_query(
                "select Delimiter from sniff_csv(" ~ rfm_lifecycle.rfm_sql_string(plan.read_paths[0]) ~ ")"
            ).columns[0].values()[0] -%}
            {%- do rows.append((entity, 'delimiter', settings.delimiter,
                'tab' if delimiter == '\t' else delimiter,
                'configured' if settings.delimiter != 'auto' else 'detected',
                'from the sep= line' if plan.sep_line and settings.delimiter == 'auto'
                    else 'sniffed by DuckDB' if settings.delimiter == 'auto' else none)) -%}
        {%- endif -%}
    {%- else -%}
        {%- do rows.append((entity, 'source', none, rfm_lifecycle.rfm_input_relation(entity, check_input=false) | string,
            'configured', none)) -%}
    {%- endif -%}
    {%- if entity == 'orders' -%}
        {%- set relation = rfm_lifecycle.rfm_input_relation('orders', check_input=false) -%}
        {%- set columns = rfm_lifecycle.rfm_input_columns('orders', relation,
            required=rfm_lifecycle.rfm_order_columns('required'), optional=rfm_lifecycle.rfm_order_columns('optional')) -%}
        {%- set found = rfm_lifecycle.rfm_value_formats('orders', relation, columns) -%}
        {%- set e = found.evidence -%}
        {%- set amounts = 'in the first ' ~ rfm_lifecycle.rfm_detection_sample_rows() ~ ' rows: '
            ~ (e.comma_decimals or 0) ~ ' amounts with a decimal comma, ' ~ (e.point_decimals or 0)
            ~ ' with a decimal point, ' ~ (e.ambiguous_amounts or 0) ~ ' either way (1.250)' -%}
        {%- for key in ['decimal_separator', 'thousands_separator'] -%}
            {%- do rows.append((entity, key, settings[key], found[key],
                'configured' if settings[key] != 'auto' else 'detected', amounts)) -%}
        {%- endfor -%}
        {%- set marks = rfm_lifecycle.rfm_currency_marks() -%}
        {%- set marked = [] -%}
        {%- for position in range(marks | length) if e['currency_mark_' ~ position] -%}
            {%- do marked.append(e['currency_mark_' ~ position] ~ ' amounts with ' ~ marks[position]) -%}
        {%- endfor -%}
        {%- do rows.append((entity, 'currency_mark', settings.currency_mark, found.currency_mark,
            'configured' if settings.currency_mark != 'auto' else 'detected',
            'in the first ' ~ rfm_lifecycle.rfm_detection_sample_rows() ~ ' rows: '
            ~ ((marked | join(', ')) if marked else 'no amount with a currency mark'))) -%}
        {%- do rows.append((entity, 'negative_sign', settings.negative_sign, found.negative_sign,
            'configured' if settings.negative_sign != 'auto' else 'detected',
            'in the first ' ~ rfm_lifecycle.rfm_detection_sample_rows() ~ ' rows: ' ~ (e.minus_last_amounts or 0)
            ~ ' amounts with a minus after the number (12,50-), ' ~ (e.parenthesized_amounts or 0)
            ~ ' in parentheses ((12,50))')) -%}
        {%- do rows.append((entity, 'date_format', settings.date_format, found.date_format,
            'configured' if settings.date_format != 'auto' else 'detected',
            'in the first ' ~ rfm_lifecycle.rfm_detection_sample_rows() ~ ' rows: ' ~ (e.year_first_dates or 0)
            ~ ' dates year first, ' ~ ((e.hyphen_dates or 0) + (e.slash_dates or 0) + (e.dot_dates or 0))
            ~ ' day or month first (largest first part ' ~ (e.max_first_part or 0) ~ ', second part '
            ~ (e.max_second_part or 0) ~ ')')) -%}
        {%- set grain = rfm_lifecycle.rfm_input_settings().amount_grain -%}
        {%- do rows.append((entity, 'amount_grain', grain, grain, 'configured',
            "the amount column holds each row's own amount, summed per order" if grain == 'line'
            else "the amount column holds the order's total, written on one or more of its rows")) -%}
    {%- endif -%}
    {{ return(rows) }}
{% endmacro %}


{% macro rfm_input_format_selects(rows) %}
    {#- One `select` of literals per row of input_formats, in order. -#}
    {%- set selects = [] -%}
    {%- for row in rows -%}
        {%- set values = [] -%}
        {%- for value in row -%}
            {%- do values.append('null' if value is none else rfm_lifecycle.rfm_sql_string(value)) -%}
        {%- endfor -%}
        {%- do selects.append(
            'select ' ~ loop.index ~ ' as setting_order, ' ~ values[0] ~ ' as input_name, ' ~ values[1]
            ~ ' as setting_name, ' ~ values[2] ~ ' as configured_value, ' ~ values[3] ~ ' as value_in_force, '
            ~ values[4] ~ ' as set_by, ' ~ values[5] ~ ' as evidence') -%}
    {%- endfor -%}
    {{ return(selects) }}
{% endmacro %}
