{#-
    Ratios computed in integers, then scaled, so every engine returns the same
    digits (float division and decimal division round differently per engine:
    DuckDB turns decimal / decimal into a double, Spark caps the scale of a
    quotient, PostgreSQL keeps about 20 digits).

    The money rule (DECISIONLOG 0.4.0): amounts are decimals with scale 2;
    sums come before divisions; a ratio of amounts is worked out in whole
    numbers (whole cents times whole factors over a whole denominator, in a
    wide integer type: DuckDB hugeint, PostgreSQL numeric, Spark
    decimal(38, 0)), and rounded once, half away from zero, to cents at the end.
-#}

{% macro rfm_ceil_div(numerator, denominator) -%}
    {#- Whole numbers >= 0 over whole numbers > 0. -#}
    cast(floor(({{ numerator }} + {{ denominator }} - 1) / ({{ denominator }})) as {{ dbt.type_bigint() }})
{%- endmacro %}


{% macro rfm_wide_integer(expression) %}
    {#- A whole number in the engine's widest exact integer type (up to 38 digits). -#}
    {{ return(adapter.dispatch('rfm_wide_integer', 'rfm_lifecycle')(expression)) }}
{% endmacro %}

{% macro default__rfm_wide_integer(expression) -%}
    cast(({{ expression }}) as decimal(38, 0))
{%- endmacro %}

{% macro duckdb__rfm_wide_integer(expression) -%}
    {#- hugeint: exact integer arithmetic; decimal / decimal would be a double. -#}
    cast(({{ expression }}) as hugeint)
{%- endmacro %}

{% macro postgres__rfm_wide_integer(expression) -%}
    cast(({{ expression }}) as numeric(38, 0))
{%- endmacro %}


{% macro rfm_integer_div(numerator, denominator) %}
    {#- floor(numerator / denominator), exactly, for wide integers numerator >= 0 and denominator > 0. -#}
    {{ return(adapter.dispatch('rfm_integer_div', 'rfm_lifecycle')(numerator, denominator)) }}
{% endmacro %}

{% macro default__rfm_integer_div(numerator, denominator) -%}
    {#-
        Spark and the rest: the remainder is exact on decimal(38, 0), and a
        quotient with no remainder is a whole number the decimal division
        keeps (Spark gives it 32 integer digits), whatever scale it rounds to.
    -#}
    cast((({{ numerator }}) - ({{ numerator }}) % ({{ denominator }})) / ({{ denominator }}) as decimal(38, 0))
{%- endmacro %}

{% macro duckdb__rfm_integer_div(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}

{% macro postgres__rfm_integer_div(numerator, denominator) -%}
    div({{ numerator }}, {{ denominator }})
{%- endmacro %}


{% macro rfm_money_cents(amount) -%}
    {#- A money amount (scale 2) as whole cents in a wide integer. -#}
    {{ rfm_lifecycle.rfm_wide_integer('(' ~ amount ~ ') * 100') }}
{%- endmacro %}


{% macro rfm_money_ratio(cents_numerator, denominator) -%}
    {#-
        The one rounding of money: cents_numerator / denominator whole cents,
        rounded half away from zero, as decimal(38, 2). Both are wide integers
        (rfm_wide_integer, rfm_money_cents, or products of them); the
        numerator of either sign, the denominator > 0.
    -#}
    {%- set numerator = '(' ~ cents_numerator ~ ')' -%}
    {%- set divisor = '(2 * (' ~ denominator ~ '))' -%}
    cast(
        cast(
            case
                when {{ numerator }} < 0
                    then -{{ rfm_lifecycle.rfm_integer_div('2 * -' ~ numerator ~ ' + (' ~ denominator ~ ')', divisor) }}
                else {{ rfm_lifecycle.rfm_integer_div('2 * ' ~ numerator ~ ' + (' ~ denominator ~ ')', divisor) }}
            end as decimal(38, 0)
        ) * 0.01 as decimal(38, 2)
    )
{%- endmacro %}


{% macro rfm_rounded_ratio(numerator, denominator, scale=2) -%}
    {#- numerator / denominator rounded half up to `scale` decimals; whole numbers >= 0 in. -#}
    {%- set factor = 10 ** scale -%}
    {#- Multiplying by a decimal literal keeps the value a decimal; dividing would turn it into a float on DuckDB. -#}
    cast(
        cast(
            {{ rfm_lifecycle.rfm_integer_div(
                '2 * ' ~ factor ~ ' * ' ~ rfm_lifecycle.rfm_wide_integer(numerator) ~ ' + '
                ~ rfm_lifecycle.rfm_wide_integer(denominator),
                '2 * ' ~ rfm_lifecycle.rfm_wide_integer(denominator)) }}
            as decimal(18, 0)
        ) * {{ ('0.' ~ '0' * (scale - 1) ~ '1') if scale > 0 else '1' }}
        as decimal(18, {{ scale }})
    )
{%- endmacro %}


{% macro rfm_rounded_money_per(amount, denominator) -%}
    {#-
        A money amount of either sign over a whole number > 0, rounded half
        away from zero to cents, as decimal(38, 2): rfm_money_ratio on whole
        cents in a wide integer, so sums of the largest accepted amounts
        (decimal(18, 2)) do not overflow.
    -#}
    {{ rfm_lifecycle.rfm_money_ratio(rfm_lifecycle.rfm_money_cents(amount), rfm_lifecycle.rfm_wide_integer(denominator)) }}
{%- endmacro %}
