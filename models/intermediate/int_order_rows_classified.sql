{%- set settings = rfm_lifecycle.rfm_settings() -%}
{%- set excluded_statuses = rfm_lifecycle.rfm_sql_string_list(settings.excluded_statuses) -%}

{#-
    Every source row gets exactly one fate here, which the accounting test and
    the orders_accounting mart check:
      rejected         cannot be used (rejection_reason says why)
      excluded_status  its status is in excluded_statuses
      duplicate        identical to an earlier row after cleaning
      kept             the first row of an order
      merged           a further line of that order, summed into it
-#}

with

order_rows as (

    select * from {{ ref('stg_orders') }}

),

validated as (

    select
        *,
        case
            when order_id is null then 'missing order_id'
            when customer_id is null then 'missing customer_id'
            when nullif({{ rfm_lifecycle.rfm_trim('source_order_date') }}, '') is null then 'missing order_date'
            when order_date is null then 'unparseable order_date'
            when
                order_date < {{ rfm_lifecycle.rfm_date_literal(settings.min_order_date) }}
                or order_date > {{ rfm_lifecycle.rfm_date_literal(settings.max_order_date) }}
                then 'order_date out of range'
            when nullif({{ rfm_lifecycle.rfm_trim('source_amount') }}, '') is null then 'missing amount'
            when amount is null then 'unparseable amount'
            when
                nullif({{ rfm_lifecycle.rfm_trim('source_margin') }}, '') is not null and margin is null
                then 'unparseable margin'
        end as validation_reason,
        coalesce(status in ({{ excluded_statuses }}), false) as is_excluded_status

    from order_rows

),

conflicts_checked as (

    -- One order_id with rows for two customers cannot be attributed: reject every row of the order,
    -- its excluded-status rows too (rejection comes first among the fates).
    select
        *,
        case
            when validation_reason is null
                then
                    min(customer_id) over (partition by order_id, validation_reason)
                    <> max(customer_id) over (partition by order_id, validation_reason)
            else false
        end as has_customer_conflict

    from validated

),

line_contents as (

    -- What a row says about its line, after cleaning: equal for exact copies, different for versions.
    select
        *,
        {{ dbt.concat([
            "coalesce(" ~ rfm_lifecycle.rfm_trim('source_order_date') ~ ", '')", "'|'",
            "coalesce(cast(amount as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(status, '')", "'|'",
            "coalesce(cast(margin as " ~ dbt.type_string() ~ "), '')",
        ]) }} as line_content

    from conflicts_checked

),

lines_checked as (

    -- A line id holds one row (exact copies aside). Two different rows for one line of one order are
    -- conflicting versions of that line, so the order's total cannot be known.
    select
        *,
        min(line_content) over (
            partition by order_id, line_id, validation_reason, has_customer_conflict, is_excluded_status
        ) as first_line_version,
        max(line_content) over (
            partition by order_id, line_id, validation_reason, has_customer_conflict, is_excluded_status
        ) as last_line_version

    from line_contents

),

line_conflicts_checked as (

    -- Reject the whole order, as for an order id used by several customers.
    select
        *,
        case
            when validation_reason is null and not has_customer_conflict and not is_excluded_status
                then max(
                    case
                        when line_id is not null and first_line_version <> last_line_version then 1 else 0
                    end
                ) over (
                    partition by order_id, validation_reason, has_customer_conflict, is_excluded_status
                ) = 1
            else false
        end as has_line_conflict

    from lines_checked

),

deduplicated as (

    select
        *,
        case
            when
                validation_reason is null and not is_excluded_status and not has_customer_conflict
                and not has_line_conflict
                then row_number() over (
                    partition by
                        order_id, customer_id, {{ rfm_lifecycle.rfm_trim('source_order_date') }},
                        amount, status, margin, line_id,
                        validation_reason, is_excluded_status, has_customer_conflict, has_line_conflict
                    -- Raw values break the tie, so which spelling survives does not depend on file order.
                    order by
                        source_customer_id asc nulls last,
                        source_order_id asc nulls last,
                        source_amount asc nulls last,
                        source_status asc nulls last,
                        source_margin asc nulls last,
                        source_line_id asc nulls last
                )
        end as copy_number

    from line_conflicts_checked

),

lines_numbered as (

    select
        *,
        case
            when copy_number = 1
                then row_number() over (
                    partition by order_id, copy_number
                    order by
                        line_id asc nulls last,
                        order_date asc nulls last,
                        amount asc nulls last,
                        margin asc nulls last,
                        source_customer_id asc nulls last,
                        source_order_date asc nulls last
                )
        end as line_number

    from deduplicated

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
            when copy_number > 1 then 'duplicate'
            when line_number = 1 then 'kept'
            else 'merged'
        end as row_status,
        coalesce(
            validation_reason,
            case
                when has_customer_conflict then 'order_id used by several customers'
                when not is_excluded_status and has_line_conflict then 'conflicting rows for one line_id'
            end
        ) as rejection_reason

    from lines_numbered

)

select * from final
