{#-
    NTILE with ties kept together: every row gets the bucket NTILE(buckets)
    would give the first row of its tie group. The position of that row is
    rank() (the same for all equal values), so equal values always share a
    score and no tie breaker can change the result. Buckets run 1..buckets
    along `order_by`, so order worst first to make the top bucket the best.
-#}
{% macro rfm_tie_safe_ntile(order_by, buckets, partition_by=none) -%}
    {%- set window = "over (" ~ ("partition by " ~ partition_by ~ " " if partition_by else "") -%}
    {%- set position = "(rank() " ~ window ~ "order by " ~ order_by ~ ") - 1)" -%}
    {%- set total = "count(*) " ~ window ~ ")" -%}
    {%- set per_bucket = "floor(" ~ total ~ " / " ~ buckets ~ ")" -%}
    {%- set remainder = "(" ~ total ~ " - " ~ per_bucket ~ " * " ~ buckets ~ ")" -%}
    {#- NTILE gives the first `remainder` buckets one row more than the others. -#}
    cast(
        case
            when {{ position }} < {{ remainder }} * ({{ per_bucket }} + 1)
                then floor({{ position }} / ({{ per_bucket }} + 1)) + 1
            else {{ remainder }}
                + floor(({{ position }} - {{ remainder }} * ({{ per_bucket }} + 1)) / nullif({{ per_bucket }}, 0))
                + 1
        end
        as {{ dbt.type_int() }}
    )
{%- endmacro %}


{% macro rfm_score_letter(score, buckets) -%}
    {#- A = the best score. Scales wider than the alphabet fall back to the number. -#}
    {%- if buckets <= 26 -%}
        substring('ABCDEFGHIJKLMNOPQRSTUVWXYZ', {{ buckets }} + 1 - {{ score }}, 1)
    {%- else -%}
        cast({{ score }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
