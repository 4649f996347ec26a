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


{% macro rfm_rounded_money_per(amount, denominator) -%}
    {#-
        A money amount of either sign over a whole number > 0, rounded half
        away from zero to cents, as decimal(38, 2). Worked in whole cents: the
        factor 2 is the only growth, so an amount up to the largest accepted
        (decimal(18, 2)) stays within a bigint.
    -#}
    {%- set cents = 'cast((' ~ amount ~ ') * 100 as ' ~ dbt.type_bigint() ~ ')' -%}
    cast(
        cast(
            case
                when {{ cents }} < 0
                    then -floor((2 * -{{ cents }} + ({{ denominator }})) / (2 * ({{ denominator }})))
                else floor((2 * {{ cents }} + ({{ denominator }})) / (2 * ({{ denominator }})))
            end as decimal(38, 0)
        ) * 0.01 as decimal(38, 2)
    )
{%- endmacro %}
