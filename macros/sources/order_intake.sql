{#-
    The intake guard: a post-hook of int_order_fates_counted, so it runs after
    every source row got its fate and before anything that reads orders. A
    daily export that went wrong upstream (decimal commas, a changed date
    format, half a file) would otherwise build green and replace every segment
    and export file with a nearly empty list.
-#}

{% macro rfm_check_order_intake(fates_relation) %}
    {%- if not execute or flags.WHICH not in ['run', 'build'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set settings = rfm_lifecycle.rfm_guard_settings() -%}
    {%- set counts = run_query(
        "select coalesce(sum(source_rows), 0),"
        ~ " coalesce(sum(case when row_status = 'rejected' then source_rows else 0 end), 0)"
        ~ " from " ~ fates_relation).rows[0] -%}
    {%- set source_rows = counts[0] | int -%}
    {%- set accepted_rows = source_rows - counts[1] | int -%}
    {%- set share = (accepted_rows / source_rows) if source_rows > 0 else 0 -%}
    {%- set unchanged = " Nothing that reads orders was rebuilt: the marts and export files stay as the previous"
        ~ " build left them." -%}
    {%- if source_rows == 0 or share < settings.min_accepted_share | float -%}
        {{ exceptions.raise_compiler_error(
            "rfm_lifecycle: only " ~ rfm_lifecycle.rfm_percent(share) ~ " of the " ~ source_rows
            ~ " order rows were accepted (" ~ accepted_rows ~ "); min_accepted_share is "
            ~ settings.min_accepted_share ~ ". " ~ rfm_lifecycle.rfm_top_rejection(fates_relation, source_rows)
            ~ unchanged ~ " The rejected rows with their raw values are in "
            ~ rfm_lifecycle.rfm_model_relation('int_order_rows_rejected') ~ "."
        ) }}
    {%- endif -%}
    {%- set previous_rows = rfm_lifecycle.rfm_previous_accepted_rows() -%}
    {%- if previous_rows > 0 and accepted_rows < previous_rows * (1 - settings.max_accepted_drop | float) -%}
        {{ exceptions.raise_compiler_error(
            "rfm_lifecycle: the accepted order rows fell from " ~ previous_rows ~ " in the previous build to "
            ~ accepted_rows ~ " (-" ~ rfm_lifecycle.rfm_percent(1 - accepted_rows / previous_rows)
            ~ "); max_accepted_drop is " ~ settings.max_accepted_drop ~ ". Is the export complete? "
            ~ (rfm_lifecycle.rfm_top_rejection(fates_relation, source_rows)
                if source_rows - accepted_rows > 0.05 * source_rows else '')
            ~ unchanged ~ " If the smaller input is right (another shop, a shorter export), build once with"
            ~ " --vars '{max_accepted_drop: 1}'."
        ) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{% macro rfm_top_rejection(fates_relation, source_rows) %}
    {#- The most frequent rejection reason (ties by name) as a sentence with its likely fix. -#}
    {%- set top = run_query(
        "select rejection_reason, source_rows from " ~ fates_relation
        ~ " where row_status = 'rejected' order by source_rows desc, rejection_reason limit 1").rows -%}
    {%- if top | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {{ return("Most rejected: " ~ rfm_lifecycle.rfm_percent(top[0][1] / source_rows) ~ " '" ~ top[0][0] ~ "' ("
        ~ top[0][1] ~ " rows): " ~ rfm_lifecycle.rfm_rejection_hint(top[0][0]) ~ ".") }}
{% endmacro %}


{% macro rfm_rejection_hint(reason) %}
    {#- The likely fix per rejection reason (int_order_rows_validated, int_orders_classified name them). -#}
    {%- set column = (reason.split(' ') | last) if reason.startswith('missing ') else none -%}
    {%- if reason == 'unparseable amount' or reason == 'unparseable margin' -%}
        {{ return("decimal commas, thousands dots, a currency mark or a minus after the number? set"
            ~ " orders_format.decimal_separator, orders_format.thousands_separator, orders_format.currency_mark"
            ~ " or orders_format.negative_sign") }}
    {%- elif reason == 'unparseable order_date' -%}
        {{ return("another date format? set orders_format.date_format (e.g. dd-mm-yyyy)") }}
    {%- elif reason == 'order_date out of range' -%}
        {{ return("day and month swapped, or a two-digit year? check orders_format.date_format, min_order_date"
            ~ " and max_order_date") }}
    {%- elif reason == 'missing amount' -%}
        {{ return("is the column mapped? set orders_columns.amount to the export's column name; or is the"
            ~ " order's total written on one row of each order only (Shopify's Total)? set amount_grain: order") }}
    {%- elif reason == 'conflicting amounts for one order' -%}
        {{ return("the rows of one order write different amounts: is the amount each line's own? set"
            ~ " amount_grain: line") }}
    {%- elif column is not none -%}
        {{ return("is the column mapped? set orders_columns." ~ column ~ " to the export's column name") }}
    {%- elif 'scientific notation' in reason -%}
        {{ return("a spreadsheet turned long numbers into 1.23E+11: export the id column as text") }}
    {%- elif reason.startswith('placeholder') -%}
        {{ return("the export writes a placeholder where the id is missing (0 for a guest checkout?): map the"
            ~ " id to a column every order has, such as the e-mail address, or fix the export") }}
    {%- else -%}
        {{ return("see int_order_rows_rejected for the rows") }}
    {%- endif -%}
{% endmacro %}


{% macro rfm_previous_accepted_rows() %}
    {#- The accepted rows of the previous build into this target: its orders_accounting, still in place. -#}
    {%- set relation = rfm_lifecycle.rfm_model_relation('orders_accounting') -%}
    {%- if relation is none -%}
        {{ return(0) }}
    {%- endif -%}
    {{ return(run_query("select coalesce(sum(source_rows), 0) from " ~ relation
        ~ " where row_status <> 'rejected'").rows[0][0] | int) }}
{% endmacro %}


{% macro rfm_model_relation(model_name) %}
    {#- The relation of one of this project's models as it stands in the warehouse now, or none. -#}
    {%- set node = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('package_name', 'equalto', 'rfm_lifecycle')
        | selectattr('name', 'equalto', model_name) | first -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{% endmacro %}


{% macro rfm_percent(fraction) %}
    {{ return('%.1f%%' | format(fraction * 100)) }}
{% endmacro %}
