{#-
    int_order_rows_classified is kept incrementally by order-date region: the
    first ten characters of a row's order_date text as it arrived (the day of
    an ISO date; '' when there is none). Untrimmed on purpose: the region only
    has to be a fixed function of the raw row that puts a day's rows together,
    and a trim of every row on every run would cost more than the rest.

    A run compares each region's row count and fingerprint in the input with
    the classified rows, deletes the regions that differ (pre-hook), and
    classifies again every region no longer in the table. An order spanning
    regions is classified from all its rows, and every region it touches is
    redone with it, so a refund line or a copy of an old row that arrives today
    corrects the old order too. The result equals a full build
    (tests/python/test_incremental_state.py). On Spark the table is rebuilt
    whole (rfm_incremental_materialization).
-#}

{% macro rfm_order_date_region(source_order_date) -%}
    coalesce(substring({{ source_order_date }}, 1, 10), '')
{%- endmacro %}


{% macro rfm_classification_settings() %}
    {#-
        The settings that decide a row's fate. A max_order_date left to the run
        date moves every day; the rows it decides are redone by the pre-hook.
        The column mapping needs no entry: another mapping gives other raw
        values, and so other fingerprints.
    -#}
    {%- set settings = rfm_lifecycle.rfm_input_settings() -%}
    {%- set parts = [
        'v1',
        settings.excluded_statuses | join(','),
        settings.min_order_date,
        settings.customer_id_case_sensitive | string,
        rfm_lifecycle.rfm_date_var('max_order_date') or 'the run date',
    ] -%}
    {{ return(rfm_lifecycle.rfm_sql_string(parts | join('|'))) }}
{% endmacro %}


{% macro rfm_source_rows_fingerprint() %}
    {{ return(adapter.dispatch('rfm_source_rows_fingerprint', 'rfm_lifecycle')()) }}
{% endmacro %}

{% macro default__rfm_source_rows_fingerprint() -%}
    {#- Without a row hash: the total length of the raw values (with the count beside it, a weaker check). -#}
    sum(
        coalesce(length(source_order_id), 0) + coalesce(length(source_customer_id), 0)
        + coalesce(length(source_order_date), 0) + coalesce(length(source_amount), 0)
        + coalesce(length(source_status), 0) + coalesce(length(source_margin), 0)
        + coalesce(length(source_line_id), 0)
    )
{%- endmacro %}

{% macro duckdb__rfm_source_rows_fingerprint() -%}
    sum(hash(
        source_order_id, source_customer_id, source_order_date, source_amount,
        source_status, source_margin, source_line_id
    ))
{%- endmacro %}

{% macro postgres__rfm_source_rows_fingerprint() -%}
    sum(hashtextextended(
        concat_ws(chr(31),
            coalesce(source_order_id, chr(30)), coalesce(source_customer_id, chr(30)),
            coalesce(source_order_date, chr(30)), coalesce(source_amount, chr(30)),
            coalesce(source_status, chr(30)), coalesce(source_margin, chr(30)),
            coalesce(source_line_id, chr(30))),
        0
    ))
{%- endmacro %}


{% macro rfm_delete_stale_order_regions() %}
    {#-
        Pre-hook of int_order_rows_classified on an incremental run: deletes
        every region whose input rows are not the rows it was classified
        from, every region when a setting that decides fates changed, and the
        regions holding rows rejected as out of range (a max_order_date left
        to the run date moves every day).
    -#}
    {%- if is_incremental() -%}
        {%- set region = rfm_lifecycle.rfm_order_date_region('source_order_date') -%}
        delete from {{ this }}
        where order_date_region in (
            with

            input_rows as (
                select
                    order_id,
                    {{ region }} as order_date_region,
                    source_order_id,
                    source_customer_id,
                    source_order_date,
                    source_amount,
                    source_status,
                    source_margin,
                    source_line_id
                from {{ ref('stg_orders') }}
            ),

            input_regions as (
                select
                    order_date_region,
                    count(*) as row_count,
                    {{ rfm_lifecycle.rfm_source_rows_fingerprint() }} as fingerprint
                from input_rows
                group by order_date_region
            ),

            classified_regions as (
                select
                    order_date_region,
                    count(*) as row_count,
                    {{ rfm_lifecycle.rfm_source_rows_fingerprint() }} as fingerprint,
                    min(classification_settings) as first_settings,
                    max(classification_settings) as last_settings,
                    max(case when rejection_reason = 'order_date out of range' then 1 else 0 end)
                        as has_out_of_range_rows
                from {{ this }}
                group by order_date_region
            ),

            stale_regions as (
                select classified_regions.order_date_region
                from classified_regions
                left join input_regions
                    on classified_regions.order_date_region = input_regions.order_date_region
                where
                    input_regions.order_date_region is null
                    or input_regions.row_count <> classified_regions.row_count
                    or input_regions.fingerprint <> classified_regions.fingerprint
                    or classified_regions.first_settings <> {{ rfm_lifecycle.rfm_classification_settings() }}
                    or classified_regions.last_settings <> {{ rfm_lifecycle.rfm_classification_settings() }}
                    or classified_regions.has_out_of_range_rows = 1
            ),

            new_regions as (
                select input_regions.order_date_region
                from input_regions
                left join classified_regions
                    on input_regions.order_date_region = classified_regions.order_date_region
                where classified_regions.order_date_region is null
            ),

            -- Orders with a row in a changed region: every region holding one of their rows is redone.
            touched_orders as (
                select order_id
                from input_rows
                where
                    order_id is not null
                    and order_date_region in (
                        select order_date_region from stale_regions
                        union all
                        select order_date_region from new_regions
                    )
                union
                select order_id
                from {{ this }}
                where
                    order_id is not null
                    and order_date_region in (select order_date_region from stale_regions)
            )

            select order_date_region from stale_regions
            union
            select order_date_region
            from {{ this }}
            where order_id in (select order_id from touched_orders)
        )
    {%- endif -%}
{% endmacro %}
