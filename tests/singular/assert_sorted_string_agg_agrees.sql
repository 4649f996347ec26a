{#-
    rfm_sorted_string_agg (macros/cross_database/sorted_string_agg.sql) joins
    values in the same order on every engine: by the given sort keys, each
    ascending with nulls last, or by the value itself; NULL values are left
    out, and a group without a value gives NULL. The rows arrive in an order
    that is neither the expected one nor alphabetical, so an engine that
    joins in arrival order fails here. Returns the groups that differ.
-#}
{%- set cases = [
    ('keys_before_names', 'Alpha', 2, 'x'),
    ('keys_before_names', 'Zulu', 1, 'b'),
    ('keys_before_names', 'Mid', 1, 'a'),
    ('null_keys_last', 'nokey', none, 'a'),
    ('null_keys_last', 'k3null', 3, none),
    ('null_keys_last', 'k3z', 3, 'z'),
    ('null_keys_last', 'k1', 1, 'q'),
    ('null_value_left_out', 'a', 2, 'a'),
    ('null_value_left_out', none, 1, 'b'),
    ('only_null_values', none, 1, 'a'),
] -%}
{%- set expected_lists = [
    ('keys_before_names', 'Mid, Zulu, Alpha', 'Alpha, Mid, Zulu'),
    ('null_keys_last', 'k1, k3z, k3null, nokey', 'k1, k3null, k3z, nokey'),
    ('null_value_left_out', 'a', 'a'),
    ('only_null_values', none, none),
] -%}

with

cases as (

    {% for group_name, string_value, sort_order, sort_name in cases -%}
    {%- set value_sql = rfm_lifecycle.rfm_sql_string(string_value) if string_value is not none else 'null' -%}
    {%- set order_sql = sort_order if sort_order is not none else 'null' -%}
    {%- set name_sql = rfm_lifecycle.rfm_sql_string(sort_name) if sort_name is not none else 'null' -%}
    select
        cast({{ rfm_lifecycle.rfm_sql_string(group_name) }} as {{ dbt.type_string() }}) as group_name,
        cast({{ value_sql }} as {{ dbt.type_string() }}) as string_value,
        cast({{ order_sql }} as {{ dbt.type_int() }}) as sort_order,
        cast({{ name_sql }} as {{ dbt.type_string() }}) as sort_name
    {%- if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

expected as (

    {% for group_name, by_keys, by_value in expected_lists -%}
    {%- set by_keys_sql = rfm_lifecycle.rfm_sql_string(by_keys) if by_keys is not none else 'null' -%}
    {%- set by_value_sql = rfm_lifecycle.rfm_sql_string(by_value) if by_value is not none else 'null' -%}
    select
        cast({{ rfm_lifecycle.rfm_sql_string(group_name) }} as {{ dbt.type_string() }}) as group_name,
        cast({{ by_keys_sql }} as {{ dbt.type_string() }}) as expected_by_keys,
        cast({{ by_value_sql }} as {{ dbt.type_string() }}) as expected_by_value
    {%- if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

aggregated as (

    select
        group_name,
        {{ rfm_lifecycle.rfm_sorted_string_agg('string_value', "', '", ['sort_order', 'sort_name']) }} as by_keys,
        {{ rfm_lifecycle.rfm_sorted_string_agg('string_value', "', '") }} as by_value

    from cases
    group by group_name

),

compared as (

    select
        expected.group_name,
        expected.expected_by_keys,
        aggregated.by_keys,
        expected.expected_by_value,
        aggregated.by_value

    from expected
    left join aggregated
        on expected.group_name = aggregated.group_name

)

select * from compared
where
    (expected_by_keys is null) <> (by_keys is null)
    or expected_by_keys <> by_keys
    or (expected_by_value is null) <> (by_value is null)
    or expected_by_value <> by_value
