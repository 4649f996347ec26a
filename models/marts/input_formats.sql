{#-
    How the inputs were read on this run: the file, its encoding, delimiter and
    Excel `sep=` line, the decimal and thousands separators and the date format,
    each as configured (orders_format / customers_format) and as in force, with
    what the detection saw. Built from what staging's macros find when they compile.
-#}
{%- set selects = rfm_lifecycle.rfm_input_format_selects(
    rfm_lifecycle.rfm_input_format_rows('orders') + rfm_lifecycle.rfm_input_format_rows('customers')
) %}

with

found as (

    {{ selects | join('\n    union all\n    ') }}

),

final as (

    select
        cast(input_name as {{ dbt.type_string() }}) as input_name,
        cast(setting_name as {{ dbt.type_string() }}) as setting_name,
        cast(setting_order as {{ dbt.type_int() }}) as setting_order,
        cast(configured_value as {{ dbt.type_string() }}) as configured_value,
        cast(value_in_force as {{ dbt.type_string() }}) as value_in_force,
        cast(set_by as {{ dbt.type_string() }}) as set_by,
        cast(evidence as {{ dbt.type_string() }}) as evidence

    from found

)

select * from final
