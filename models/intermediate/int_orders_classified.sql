{#-
    One row per order id among the rows that passed the row checks, with the
    fate of each of its rows counted, not listed:
      rejected         the order cannot be attributed or totalled
                       (rejection_reason; the rows are in int_order_rows_rejected)
      excluded_status  a row whose status is in excluded_statuses
      duplicate        a row identical to another row of the order after cleaning
      kept             the order itself: its first line
      merged           every further line, summed into it
    Rows are grouped into lines and lines into orders by hash aggregation; no
    row is sorted or written on its own.
-#}

with

valid_rows as (

    select
        order_id,
        customer_id,
        line_id,
        order_date_text,
        order_date,
        amount,
        status,
        margin,
        is_excluded_status

    from {{ ref('int_order_rows_validated') }}
    where validation_reason is null

),

lines as (

    -- One group per line. A line id names the line, so its rows are copies of one another or
    -- conflicting versions of it; a row without a line id is a line of its own, told apart by
    -- its values, and the rows identical to it are its copies.
    select
        order_id,
        is_excluded_status,
        line_id,
        count(*) as source_rows,
        sum(amount) as source_amount,
        min(customer_id) as min_customer_id,
        max(customer_id) as max_customer_id,
        {{ rfm_lifecycle.rfm_values_differ('order_date_text') }}
        or {{ rfm_lifecycle.rfm_values_differ('amount') }}
        or {{ rfm_lifecycle.rfm_values_differ('status') }}
        or {{ rfm_lifecycle.rfm_values_differ('margin') }} as has_conflicting_versions,
        min(order_date) as order_date,
        min(order_date_text) as order_date_text,
        min(amount) as amount,
        min(status) as status,
        min(margin) as margin

    from valid_rows
    group by
        order_id,
        is_excluded_status,
        line_id,
        case when line_id is null then customer_id end,
        case when line_id is null then order_date_text end,
        case when line_id is null then amount end,
        case when line_id is null then status end,
        case when line_id is null then margin end

),

orders as (

    select
        order_id,
        min(min_customer_id) as customer_id,
        min(min_customer_id) <> max(max_customer_id) as has_customer_conflict,
        max(case when not is_excluded_status and has_conflicting_versions then 1 else 0 end) = 1
            as has_line_conflict,
        sum(case when is_excluded_status then source_rows else 0 end) as excluded_rows,
        sum(case when is_excluded_status then source_amount else 0 end) as excluded_amount,
        sum(case when is_excluded_status then 0 else source_rows end) as included_rows,
        sum(case when is_excluded_status then 0 else source_amount end) as included_amount,
        sum(case when is_excluded_status then 0 else 1 end) as lines,
        sum(case when is_excluded_status then 0 else amount end) as net_amount,
        sum(case when is_excluded_status then null else margin end) as net_margin,
        sum(case when not is_excluded_status and amount < 0 then 1 else 0 end) as refund_lines,
        min(case when is_excluded_status then null else order_date end) as order_date,
        -- The order's first line, the kept row: in line order, then by date and amount, the way
        -- a person reads the order; text and status only break the last ties.
        {{ rfm_lifecycle.rfm_first_by('amount', [
            'line_id is null', "coalesce(line_id, '')",
            'order_date', 'amount',
            'margin is null', 'coalesce(margin, 0)',
            'order_date_text',
            'status is null', "coalesce(status, '')",
        ], 'not is_excluded_status') }} as first_line_amount

    from lines
    group by order_id

),

final as (

    -- A rejected order has no lines: its amounts and date stay empty rather than half-known.
    select
        order_id,
        customer_id,
        case when not has_customer_conflict and not has_line_conflict then order_date end as order_date,
        case
            when has_customer_conflict then 'order_id used by several customers'
            when has_line_conflict then 'conflicting rows for one line_id'
        end as rejection_reason,
        has_customer_conflict,
        has_line_conflict,
        case
            when has_customer_conflict then excluded_rows + included_rows
            when has_line_conflict then included_rows
            else 0
        end as rejected_rows,
        case when has_customer_conflict then 0 else excluded_rows end as excluded_status_rows,
        case when has_customer_conflict then 0 else excluded_amount end as excluded_status_amount,
        case when has_customer_conflict or has_line_conflict then 0 else lines end as order_lines,
        case when has_customer_conflict or has_line_conflict then 0 else included_rows - lines end
            as duplicate_rows,
        case when has_customer_conflict or has_line_conflict then 0 else included_amount - net_amount end
            as duplicate_amount,
        case when not has_customer_conflict and not has_line_conflict then first_line_amount end
            as first_line_amount,
        case when not has_customer_conflict and not has_line_conflict then net_amount end as net_amount,
        case when not has_customer_conflict and not has_line_conflict then net_margin end as net_margin,
        case when not has_customer_conflict and not has_line_conflict then refund_lines end as refund_lines

    from orders

)

select * from final
