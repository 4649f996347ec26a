{#-
    How the two incremental models are kept: segment_history (delete+insert
    with a pre-hook delete of stale periods) and int_order_rows_classified
    (append after a pre-hook delete of stale regions). Both delete rows, which
    Spark file tables without Delta Lake cannot do, so on Spark they are
    rebuilt whole on every run: the same rows, at the cost of a full build.
-#}

{% macro rfm_incremental_materialization() %}
    {{ return(adapter.dispatch('rfm_incremental_materialization', 'rfm_lifecycle')()) }}
{% endmacro %}

{% macro default__rfm_incremental_materialization() %}
    {{ return('incremental') }}
{% endmacro %}

{% macro spark__rfm_incremental_materialization() %}
    {{ return('table') }}
{% endmacro %}
