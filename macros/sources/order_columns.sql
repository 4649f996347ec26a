{#-
    The orders input contract, written once: stg_orders maps and casts these
    columns, the quarantine shows them as they arrived (source_<column>), and
    the README's data contract describes them in this order.
-#}

{% macro rfm_order_columns(kind='all') %}
    {%- set required = ['order_id', 'customer_id', 'order_date', 'amount'] -%}
    {%- set optional = ['status', 'margin', 'line_id'] -%}
    {%- if kind == 'required' -%}
        {{ return(required) }}
    {%- elif kind == 'optional' -%}
        {{ return(optional) }}
    {%- endif -%}
    {{ return(required + optional) }}
{% endmacro %}


{% macro rfm_source_order_columns() %}
    {#- The raw text of each contract column, as stg_orders names it. -#}
    {%- set names = [] -%}
    {%- for column in rfm_lifecycle.rfm_order_columns() -%}
        {%- do names.append('source_' ~ column) -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}
