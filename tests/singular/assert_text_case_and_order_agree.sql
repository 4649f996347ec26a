{#-
    Lower case and text order are the same on every engine and under every
    database collation (macros/cross_database/text_case_and_order.sql):
    rfm_lower folds each letter by Unicode's simple mapping, also where ICU,
    Java or a C-locale PostgreSQL would not (a word-final sigma, a dotted
    capital I, letters beyond ASCII); rfm_lower_word gives the same in Jinja;
    and rfm_code_point_order / rfm_code_point_min sort upper case before lower
    case before accented letters, where a language collation puts 'c001' before
    'C001'. Returns every check that differs.
-#}
{%- set lowered = [
    ('H001', 'h001'),
    ('ÜNÏCØDÉ-客户', 'ünïcødé-客户'),
    ('ΟΔΟΣ', 'οδοσ'),
    ('İSTANBUL', 'istanbul'),
    ('STRAẞE', 'straße'),
    ('ǅ', 'ǆ'),
    ('RÜCKERSTATTET', 'rückerstattet'),
] -%}
{%- set spellings = ['c001', 'é', 'C001', 'z', 'Z'] -%}

with

lowered_cases as (

    {% for text, expected in lowered -%}
    select
        cast({{ rfm_lifecycle.rfm_sql_string(text) }} as {{ dbt.type_string() }}) as input_text,
        cast({{ rfm_lifecycle.rfm_sql_string(expected) }} as {{ dbt.type_string() }}) as expected_text,
        cast({{ rfm_lifecycle.rfm_sql_string(rfm_lifecycle.rfm_lower_word(text)) }} as {{ dbt.type_string() }})
            as jinja_text
    {%- if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

spelling_cases as (

    {% for spelling in spellings -%}
    select
        cast({{ rfm_lifecycle.rfm_sql_string(spelling) }} as {{ dbt.type_string() }}) as spelling,
        {{ loop.index }} as arrival_order
    {%- if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

lowered_checks as (

    select
        'lower ' || input_text as check_name,
        expected_text as expected_value,
        {{ rfm_lifecycle.rfm_lower('input_text') }} as actual_value

    from lowered_cases

    union all

    select
        'lower in Jinja ' || input_text as check_name,
        expected_text as expected_value,
        jinja_text as actual_value

    from lowered_cases

),

ordered_checks as (

    select
        'least spelling' as check_name,
        cast('C001' as {{ dbt.type_string() }}) as expected_value,
        {{ rfm_lifecycle.rfm_code_point_min('spelling') }} as actual_value

    from spelling_cases

    union all

    select
        'spellings in order' as check_name,
        cast('C001, Z, c001, z, é' as {{ dbt.type_string() }}) as expected_value,
        {{ rfm_lifecycle.rfm_sorted_string_agg('spelling', "', '", [rfm_lifecycle.rfm_code_point_order('spelling')]) }}
            as actual_value

    from spelling_cases

    union all

    select
        'first spelling' as check_name,
        cast('3' as {{ dbt.type_string() }}) as expected_value,
        cast(
            {{ rfm_lifecycle.rfm_first_by('arrival_order', [rfm_lifecycle.rfm_code_point_order('spelling')], '1 = 1') }}
            as {{ dbt.type_string() }}
        ) as actual_value

    from spelling_cases

),

final as (

    select * from lowered_checks
    union all
    select * from ordered_checks

)

select * from final
where actual_value is null or actual_value <> expected_value
