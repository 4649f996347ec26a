{#-
    The safe casts follow one rule on every engine (macros/cross_database/safe_casts.sql), and so does
    the trim every input value gets first (macros/cross_database/whitespace.sql: Unicode's whitespace,
    no-break spaces included, never a zero-width space): each case below must give the expected value,
    or null, on whichever engine runs the test.
-#}
{%- set trim_cases = [
    (' C001', 'C001'),
    ('C001\t', 'C001'),
    ('\tC001\r\n', 'C001'),
    ('\x0bC001\x0c', 'C001'),
    ('C 001', 'C 001'),
    ('  ', ''),
    ('\u00a0C001\u00a0', 'C001'),
    ('\u3000C 001\u202f\u2028', 'C 001'),
    ('\u0085\u2007C\u00a0001\u205f\u1680', 'C\u00a0001'),
    ('\u00e9C001\u00a0', '\u00e9C001'),
    ('\u200bC001\u200b', '\u200bC001\u200b'),
    ('\u20ac 12,50\u00a0', '\u20ac 12,50'),
    ('\u00a0\t', ''),
] -%}
{%- set date_cases = [
    ('2024-01-05', '2024-01-05'),
    (' 2024-01-05 ', '2024-01-05'),
    ('2024-1-5', '2024-01-05'),
    ('2024-01-05 13:45:00', '2024-01-05'),
    ('2024-01-05T13:45:00', '2024-01-05'),
    ('2024-01-05 13:45', '2024-01-05'),
    ('2024-01-05 13:45:00.123456', '2024-01-05'),
    ('2024-01-05T00:30:00Z', '2024-01-05'),
    ('2024-01-05 00:30:00+02:00', '2024-01-05'),
    ('2024-01-05 23:30:00-0500', '2024-01-05'),
    ('2024-02-29', '2024-02-29'),
    ('2000-02-29', '2000-02-29'),
    ('1900-02-29', none),
    ('2023-02-29', none),
    ('2024-04-31', none),
    ('2024-13-45', none),
    ('2024-00-10', none),
    ('2024-01-00', none),
    ('0999-01-01', none),
    ('20240105', none),
    ('05/01/2024', none),
    ('2024/01/05', none),
    ('2024-01-05 24:00:00', none),
    ('2024-01-05 garbage', none),
    ('not a date', none),
    ('infinity', none),
    ('', none),
] -%}
{%- set amount_cases = [
    ('12.50', '12.50'),
    (' -3.10 ', '-3.10'),
    ('+4', '4.00'),
    ('.5', '0.50'),
    ('5.', '5.00'),
    ('12.345', '12.35'),
    ('-12.345', '-12.35'),
    ('1e3', '1000.00'),
    ('2.5E-1', '0.25'),
    ('0.125e1', '1.25'),
    ('9999999999999999.99', '9999999999999999.99'),
    ('9999999999999999.995', none),
    ('10000000000000000', none),
    ('1e16', none),
    ('1e999', none),
    ('12,50,0', none),
    ('1,000', none),
    ('1_000', none),
    ('12.3.4', none),
    ('- 5', none),
    ('$5', none),
    ('0x10', none),
    ('1.5d', none),
    ('NaN', none),
    ('inf', none),
    ('n/a', none),
    ('', none),
] -%}
{#-
    Amounts in a localized format (macros/sources/input_formats.sql), then cast: with a currency mark, and
    negative amounts written the ERP way (12,50-) and the accounting way ((12,50)), with and without a mark.
-#}
{%- set localized_formats = {
    'dutch_euro': {'decimal_separator': ',', 'thousands_separator': '.', 'currency_mark': '€'},
    'plain_code': {'decimal_separator': '.', 'thousands_separator': 'none', 'currency_mark': 'EUR'},
    'erp': {'decimal_separator': ',', 'thousands_separator': '.', 'currency_mark': 'none',
        'negative_sign': 'trailing'},
    'erp_euro': {'decimal_separator': ',', 'thousands_separator': '.', 'currency_mark': '€',
        'negative_sign': 'trailing'},
    'accounting': {'decimal_separator': '.', 'thousands_separator': ',', 'currency_mark': '$',
        'negative_sign': 'parentheses'},
    'plain_parentheses': {'decimal_separator': '.', 'thousands_separator': 'none', 'currency_mark': 'none',
        'negative_sign': 'parentheses'},
    'spaced_euro': {'decimal_separator': ',', 'thousands_separator': 'space', 'currency_mark': '€'},
} -%}
{%- set localized_cases = [
    ('dutch_euro', '€ 1.234,50', '1234.50'),
    ('dutch_euro', '€ -12,50', '-12.50'),
    ('dutch_euro', '-€ 12,50', '-12.50'),
    ('dutch_euro', '12,50 €', '12.50'),
    ('dutch_euro', '€12,50', '12.50'),
    ('dutch_euro', '1.234,50', '1234.50'),
    ('dutch_euro', '€\u00a01.234,50', '1234.50'),
    ('dutch_euro', '€\u00a0-12,50', '-12.50'),
    ('dutch_euro', '12,50\u202f€', '12.50'),
    ('dutch_euro', '12€50', none),
    ('dutch_euro', '€ 2,50 €', none),
    ('dutch_euro', '€', none),
    ('dutch_euro', '$ 3,00', none),
    ('plain_code', 'EUR 12.50', '12.50'),
    ('plain_code', '12.50 EUR', '12.50'),
    ('plain_code', '-EUR 5', '-5.00'),
    ('plain_code', 'EUR', none),
    ('plain_code', '€ 12.50', none),
    ('erp', '1.234,50-', '-1234.50'),
    ('erp', '12,50 -', '-12.50'),
    ('erp', '-12,50', '-12.50'),
    ('erp', '12,50', '12.50'),
    ('erp', '-12,50-', none),
    ('erp', '12-50', none),
    ('erp', '-', none),
    ('erp', '(12,50)', none),
    ('erp_euro', '€ 12,50-', '-12.50'),
    ('erp_euro', '12,50- €', '-12.50'),
    ('erp_euro', '€ -12,50', '-12.50'),
    ('erp_euro', '€ -', none),
    ('accounting', '($1,234.50)', '-1234.50'),
    ('accounting', '$(12.50)', '-12.50'),
    ('accounting', '$ (12.50)', '-12.50'),
    ('accounting', '(12.50) $', '-12.50'),
    ('accounting', '(12.50 $)', '-12.50'),
    ('accounting', '($ 1,234.50)', '-1234.50'),
    ('accounting', '-$12.50', '-12.50'),
    ('accounting', '$1,234.50', '1234.50'),
    ('accounting', '(-12.50)', none),
    ('accounting', '()', none),
    ('accounting', '12.50-', none),
    ('plain_parentheses', '(7)', '-7.00'),
    ('plain_parentheses', '( 7.25 )', '-7.25'),
    ('plain_parentheses', '(7', none),
    ('spaced_euro', '1 234,50 €', '1234.50'),
    ('spaced_euro', '1\u202f234\u202f567,89\u00a0€', '1234567.89'),
    ('spaced_euro', '-1\u00a0234,50 €', '-1234.50'),
    ('spaced_euro', '€ 12,50', '12.50'),
    ('spaced_euro', '1234,50', '1234.50'),
    ('spaced_euro', '1\u00a0\u00a0234,50', none),
    ('spaced_euro', '1\u200b234,50', none),
    ('spaced_euro', '12\u00a034,50', none),
    ('spaced_euro', '1.234,50', none),
] -%}
{#- Each case is read in its format's select below: a case under an unknown name would never be checked. -#}
{%- for format_name, raw_text, expected in localized_cases if format_name not in localized_formats -%}
    {{ exceptions.raise_compiler_error("assert_safe_casts_agree: no format named " ~ format_name) }}
{%- endfor -%}

with

date_cases as (

    {% for raw_text, expected in date_cases -%}
    select
        {{ rfm_lifecycle.rfm_sql_string(raw_text) }} as raw_text,
        {{ rfm_lifecycle.rfm_date_literal(expected) if expected is not none else 'cast(null as date)' }}
            as expected_date
    {%- if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

amount_cases as (

    {% for raw_text, expected in amount_cases -%}
    select
        {{ rfm_lifecycle.rfm_sql_string(raw_text) }} as raw_text,
        cast({{ expected if expected is not none else 'null' }} as {{ rfm_lifecycle.rfm_type_amount() }})
            as expected_amount
    {%- if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

localized_cases as (

    {% for format_name, raw_text, expected in localized_cases -%}
    select
        {{ rfm_lifecycle.rfm_sql_string(format_name) }} as format_name,
        {{ rfm_lifecycle.rfm_sql_string(raw_text) }} as raw_text,
        cast({{ expected if expected is not none else 'null' }} as {{ rfm_lifecycle.rfm_type_amount() }})
            as expected_amount
    {%- if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

localized_amounts_parsed as (

    {% for format_name, formats in localized_formats.items() -%}
    select
        'localized amount' as cast_kind,
        raw_text,
        expected_amount,
        {{ rfm_lifecycle.rfm_try_cast_amount(
            rfm_lifecycle.rfm_localized_amount(rfm_lifecycle.rfm_negative_amount('raw_text', formats), formats)) }}
            as parsed_amount
    from localized_cases
    where format_name = {{ rfm_lifecycle.rfm_sql_string(format_name) }}
    {%- if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

trim_cases as (

    {% for raw_text, expected in trim_cases -%}
    select
        {{ rfm_lifecycle.rfm_sql_string(raw_text) }} as raw_text,
        {{ rfm_lifecycle.rfm_sql_string(expected) }} as expected_text
    {%- if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

trimmed as (

    select
        raw_text,
        expected_text,
        {{ rfm_lifecycle.rfm_trim('raw_text') }} as trimmed_text
    from trim_cases

),

dates_parsed as (

    select
        raw_text,
        expected_date,
        {{ rfm_lifecycle.rfm_try_cast_date('trim(raw_text)') }} as parsed_date
    from date_cases

),

amounts_parsed as (

    select
        'amount' as cast_kind,
        raw_text,
        expected_amount,
        {{ rfm_lifecycle.rfm_try_cast_amount('trim(raw_text)') }} as parsed_amount
    from amount_cases

    union all

    select * from localized_amounts_parsed

)

select
    'date' as cast_kind,
    raw_text,
    cast(expected_date as {{ dbt.type_string() }}) as expected_value,
    cast(parsed_date as {{ dbt.type_string() }}) as parsed_value
from dates_parsed
where
    (expected_date is null) <> (parsed_date is null)
    or expected_date <> parsed_date

union all

select
    cast_kind,
    raw_text,
    cast(expected_amount as {{ dbt.type_string() }}) as expected_value,
    cast(parsed_amount as {{ dbt.type_string() }}) as parsed_value
from amounts_parsed
where
    (expected_amount is null) <> (parsed_amount is null)
    or expected_amount <> parsed_amount

union all

select
    'trim' as cast_kind,
    raw_text,
    expected_text as expected_value,
    trimmed_text as parsed_value
from trimmed
where trimmed_text <> expected_text
