{#-
    Ratios computed in integers, then scaled, so every engine returns the same
    digits (float division and decimal division round differently per engine).
-#}

{% macro rfm_ceil_div(numerator, denominator) -%}
    {#- Whole numbers >= 0 over whole numbers > 0. -#}
    cast(floor(({{ numerator }} + {{ denominator }} - 1) / ({{ denominator }})) as {{ dbt.type_bigint() }})
{%- endmacro %}


{% macro rfm_rounded_ratio(numerator, denominator, scale=2) -%}
    {#- numerator / denominator rounded half up to `scale` decimals; whole numbers >= 0 in. -#}
    {%- set factor = 10 ** scale -%}
    {#- Multiplying by a decimal literal keeps the value a decimal; dividing would turn it into a float on DuckDB. -#}
    cast(
        cast(
            floor((2 * {{ factor }} * ({{ numerator }}) + ({{ denominator }})) / (2 * ({{ denominator }})))
            as decimal(18, 0)
        ) * {{ ('0.' ~ '0' * (scale - 1) ~ '1') if scale > 0 else '1' }}
        as decimal(18, {{ scale }})
    )
{%- endmacro %}


{% macro rfm_rounded_signed_ratio(numerator, denominator, scale=2) -%}
    {#- As rfm_rounded_ratio for a whole-number numerator of either sign: rounded half away from zero. -#}
    case
        when ({{ numerator }}) < 0
            then -{{ rfm_lifecycle.rfm_rounded_ratio('-(' ~ numerator ~ ')', denominator, scale) }}
        else {{ rfm_lifecycle.rfm_rounded_ratio(numerator, denominator, scale) }}
    end
{%- endmacro %}
