{{ config(
    materialized=rfm_lifecycle.rfm_incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ rfm_lifecycle.rfm_delete_stale_order_regions() }}",
) }}
{%- set settings = rfm_lifecycle.rfm_input_settings() -%}
{%- set excluded_statuses = rfm_lifecycle.rfm_sql_string_list(settings.excluded_statuses) -%}
{%- set margin_text = 'coalesce(cast(margin as ' ~ dbt.type_string() ~ "), '')" -%}

{#-
    Every source row gets exactly one fate here, which the accounting test and
    the orders_accounting mart check:
      rejected         cannot be used (rejection_reason says why)
      excluded_status  its status is in excluded_statuses
      duplicate        identical to an earlier row after cleaning
      kept             the first row of an order
      merged           a further line of that order, summed into it
    Conflicts are rare, so they are found by grouping and joined back as short
    lists of order ids; the rows of an order are sorted only once.

    Incremental by order-date region (macros/incremental/order_rows_state.sql):
    the pre-hook deletes the regions whose input changed, and a run classifies
    the regions missing from the table, each order from all of its rows.
-#}

with

order_rows as (

    select
        *,
        {{ rfm_lifecycle.rfm_order_date_region('source_order_date') }} as order_date_region

    from {{ ref('stg_orders') }}

),

{% if is_incremental() -%}
row_keys as (

    -- Only the two values that pick the rows to classify: the wide rows are read once, below.
    select
        order_id,
        order_date_region

    from order_rows

),

classified_regions as (

    select distinct order_date_region from {{ this }}

),

regions_to_classify as (

    select distinct row_keys.order_date_region
    from row_keys
    left join classified_regions
        on row_keys.order_date_region = classified_regions.order_date_region
    where classified_regions.order_date_region is null

),

orders_to_classify as (

    select distinct row_keys.order_id
    from row_keys
    inner join regions_to_classify
        on row_keys.order_date_region = regions_to_classify.order_date_region
    where row_keys.order_id is not null

),

rows_to_classify as (

    -- Every row of those orders, also in regions already classified, so each order is judged whole.
    select *
    from order_rows
    where
        order_id in (select orders_to_classify.order_id from orders_to_classify)
        or (
            order_id is null
            and order_date_region in (select regions_to_classify.order_date_region from regions_to_classify)
        )

),
{%- else -%}
rows_to_classify as (

    select * from order_rows

),
{%- endif %}

validated as (

    select
        *,
        case
            when order_id is null then 'missing order_id'
            when customer_id is null then 'missing customer_id'
            when order_date_text is null then 'missing order_date'
            when order_date is null then 'unparseable order_date'
            when
                order_date < {{ rfm_lifecycle.rfm_date_literal(settings.min_order_date) }}
                or order_date > {{ rfm_lifecycle.rfm_date_literal(settings.max_order_date) }}
                then 'order_date out of range'
            when not has_amount_text then 'missing amount'
            when amount is null then 'unparseable amount'
            when has_margin_text and margin is null then 'unparseable margin'
        end as validation_reason,
        coalesce(status in ({{ excluded_statuses }}), false) as is_excluded_status

    from rows_to_classify

),

customer_conflicts as (

    -- One order_id with rows for two customers cannot be attributed: every row of the order is
    -- rejected, its excluded-status rows too (rejection comes first among the fates).
    select order_id

    from validated
    where validation_reason is null
    group by order_id
    having min(customer_id) <> max(customer_id)

),

conflicting_line_versions as (

    -- A line id holds one row (exact copies aside). Two different rows for one line of one order are
    -- conflicting versions of that line, so the order's total cannot be known: reject the order.
    select
        order_id,
        line_id

    from validated
    where validation_reason is null and not is_excluded_status and line_id is not null
    group by order_id, line_id
    having
        min(order_date_text) <> max(order_date_text)
        or min(amount) <> max(amount)
        or min(coalesce(status, '')) <> max(coalesce(status, ''))
        or min({{ margin_text }}) <> max({{ margin_text }})

),

line_conflicts as (

    select distinct order_id
    from conflicting_line_versions

),

conflicts_flagged as (

    select
        validated.*,
        validated.validation_reason is null
        and customer_conflicts.order_id is not null as has_customer_conflict,
        validated.validation_reason is null
        and not validated.is_excluded_status
        and line_conflicts.order_id is not null as has_line_conflict

    from validated
    left join customer_conflicts
        on validated.order_id = customer_conflicts.order_id
    left join line_conflicts
        on validated.order_id = line_conflicts.order_id

),

usable_rows_marked as (

    select
        *,
        validation_reason is null
        and not is_excluded_status
        and not has_customer_conflict
        and not has_line_conflict as is_usable

    from conflicts_flagged

),

usable_rows_ordered as (

    -- The usable rows of an order in one fixed order: copies of a row sit side by side (every cleaned
    -- value is in the sort key; the customer is one per usable order), and raw values break ties, so
    -- which spelling survives and which line comes first never depend on file order.
    select
        *,
        row_number() over rows_of_order as position_in_order,
        lag(line_id) over rows_of_order as previous_line_id,
        lag(order_date_text) over rows_of_order as previous_order_date_text,
        lag(amount) over rows_of_order as previous_amount,
        lag(status) over rows_of_order as previous_status,
        lag(margin) over rows_of_order as previous_margin

    from usable_rows_marked
    window rows_of_order as (
        partition by order_id, is_usable
        order by
            line_id asc nulls last,
            order_date asc nulls last,
            amount asc nulls last,
            margin asc nulls last,
            order_date_text asc nulls last,
            status asc nulls last,
            source_customer_id asc nulls last,
            source_order_id asc nulls last,
            source_amount asc nulls last,
            source_status asc nulls last,
            source_margin asc nulls last,
            source_line_id asc nulls last,
            source_order_date asc nulls last
    )

),

copies_marked as (

    select
        *,
        coalesce(
            position_in_order > 1
            and order_date_text = previous_order_date_text
            and amount = previous_amount
            and coalesce(line_id = previous_line_id, line_id is null and previous_line_id is null)
            and coalesce(status = previous_status, status is null and previous_status is null)
            and coalesce(margin = previous_margin, margin is null and previous_margin is null),
            false
        ) as is_copy

    from usable_rows_ordered

),

final as (

    select
        source_order_id,
        source_customer_id,
        source_order_date,
        source_amount,
        source_status,
        source_margin,
        source_line_id,
        order_id,
        customer_id,
        order_date,
        amount,
        status,
        margin,
        line_id,
        case
            when validation_reason is not null then 'rejected'
            when has_customer_conflict then 'rejected'
            when is_excluded_status then 'excluded_status'
            when has_line_conflict then 'rejected'
            when is_usable and is_copy
                then 'duplicate'
            when is_usable and position_in_order = 1 then 'kept'
            else 'merged'
        end as row_status,
        coalesce(
            validation_reason,
            case
                when has_customer_conflict then 'order_id used by several customers'
                when not is_excluded_status and has_line_conflict then 'conflicting rows for one line_id'
            end
        ) as rejection_reason,
        order_date_region,
        {{ rfm_lifecycle.rfm_classification_settings() }} as classification_settings

    from copies_marked

)

select * from final
{%- if is_incremental() %}
where order_date_region in (select regions_to_classify.order_date_region from regions_to_classify)
{%- endif %}
