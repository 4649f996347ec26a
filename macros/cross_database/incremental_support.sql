{#-
    How segment_history is kept. It appends new period ends and deletes stale
    ones (delete+insert with a pre-hook delete). Spark tables without Delta
    Lake can do neither a delete nor delete+insert, so there the history is
    rebuilt whole on every run: the same rows, at the cost of a full build.
-#}

{% macro rfm_history_materialization() %}
    {{ return(adapter.dispatch('rfm_history_materialization', 'rfm_lifecycle')()) }}
{% endmacro %}

{% macro default__rfm_history_materialization() %}
    {{ return('incremental') }}
{% endmacro %}

{% macro spark__rfm_history_materialization() %}
    {{ return('table') }}
{% endmacro %}
