{% macro rfm_score_letter(score, buckets) -%}
    {#- A = the best score. Scales wider than the alphabet fall back to the number. -#}
    {%- if buckets <= 26 -%}
        substring('ABCDEFGHIJKLMNOPQRSTUVWXYZ', {{ buckets }} + 1 - {{ score }}, 1)
    {%- else -%}
        cast({{ score }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
