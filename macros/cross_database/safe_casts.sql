{#-
    Casts that return null instead of failing, so a dirty value becomes a
    rejected row with a reason rather than a failed build.
-#}

{% macro rfm_try_cast_date(text_expression) %}
    {{ return(adapter.dispatch('rfm_try_cast_date', 'rfm_lifecycle')(text_expression)) }}
{% endmacro %}

{% macro default__rfm_try_cast_date(text_expression) -%}
    coalesce(
        try_cast({{ text_expression }} as date),
        cast(try_cast({{ text_expression }} as {{ dbt.type_timestamp() }}) as date)
    )
{%- endmacro %}


{% macro rfm_try_cast_amount(text_expression) %}
    {{ return(adapter.dispatch('rfm_try_cast_amount', 'rfm_lifecycle')(text_expression)) }}
{% endmacro %}

{% macro default__rfm_try_cast_amount(text_expression) -%}
    {#- Plain decimals first, so exact values never pass through a float; scientific notation second. -#}
    coalesce(
        try_cast({{ text_expression }} as {{ rfm_lifecycle.rfm_type_amount() }}),
        try_cast(try_cast({{ text_expression }} as {{ dbt.type_float() }}) as {{ rfm_lifecycle.rfm_type_amount() }})
    )
{%- endmacro %}


{% macro rfm_type_amount() %}
    {#- Money with cents; sums widen on their own. Wider values are rejected as out of range. -#}
    {{ return(adapter.dispatch('rfm_type_amount', 'rfm_lifecycle')()) }}
{% endmacro %}

{% macro default__rfm_type_amount() -%}
    decimal(18, 2)
{%- endmacro %}
