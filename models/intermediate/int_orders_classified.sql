{%- set is_order_grain = rfm_lifecycle.rfm_input_settings().amount_grain == 'order' -%}
{#- By order, a line may leave the amount blank: 0 for the accounting, and no null to sort differently per engine. -#}
{%- set line_amount = 'coalesce(amount, 0)' if is_order_grain else 'amount' -%}
{#-
    One row per order id among the rows that passed the row checks, with the
    fate of each of its rows counted, not listed: rejected with the order
    (rejection_reason), excluded by status, duplicate, or a line of the order
    (the first kept, the others merged). By line the order's amount is the sum
    of its lines; with amount_grain order, the one amount they write. Two hash
    aggregations, rows into distinct rows and those into orders; no row is
    sorted or written on its own.
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

distinct_rows as (

    -- Exact copies collapse into one row that remembers how many arrived.
    select
        order_id,
        customer_id,
        line_id,
        order_date_text,
        amount,
        status,
        margin,
        is_excluded_status,
        count(*) as copies,
        min(order_date) as order_date

    from valid_rows
    group by order_id, customer_id, line_id, order_date_text, amount, status, margin, is_excluded_status

),

orders as (

    -- The distinct rows whose status is not excluded are the order's lines. Two of them with one
    -- line id are conflicting versions of that line.
    select
        order_id,
        min(customer_id) as customer_id,
        min(customer_id) <> max(customer_id) as has_customer_conflict,
        count(line_id) filter (where not is_excluded_status)
        > count(distinct line_id) filter (where not is_excluded_status) as has_line_conflict,
        coalesce(sum(copies) filter (where is_excluded_status), 0) as excluded_rows,
        coalesce(sum(amount * copies) filter (where is_excluded_status), 0) as excluded_amount,
        coalesce(sum(copies) filter (where not is_excluded_status), 0) as included_rows,
        coalesce(sum(amount * copies) filter (where not is_excluded_status), 0) as included_amount,
        count(*) filter (where not is_excluded_status) as line_count,
        coalesce(sum(amount) filter (where not is_excluded_status), 0) as lines_amount,
        {%- if is_order_grain %}
        min(amount) filter (where not is_excluded_status) as net_amount,
        min(margin) filter (where not is_excluded_status) as net_margin,
        coalesce(
            min(amount) filter (where not is_excluded_status) <> max(amount) filter (where not is_excluded_status)
            or min(margin) filter (where not is_excluded_status) <> max(margin) filter (where not is_excluded_status),
            false
        ) as has_amount_conflict,
        {%- else %}
        sum(margin) filter (where not is_excluded_status) as net_margin,
        false as has_amount_conflict,
        {%- endif %}
        count(*) filter (where not is_excluded_status and amount < 0) as refund_lines,
        min(order_date) filter (where not is_excluded_status) as order_date,
        -- The kept row is the order's first line: the lowest line id (as text), else the earliest, then
        -- the smallest. Later tie breakers of that order cannot change the amount.
        coalesce(
            {{ rfm_lifecycle.rfm_first_by(
                line_amount, [rfm_lifecycle.rfm_code_point_order('line_id')], 'not is_excluded_status and line_id is not null'
            ) }},
            {{ rfm_lifecycle.rfm_first_by(line_amount, ['order_date', line_amount], 'not is_excluded_status') }}
        ) as first_line_amount

    from distinct_rows
    group by order_id

),

judged as (

    -- The first reason that applies; by line, the order's amount is what its lines wrote.
    select
        *,
        {%- if not is_order_grain %}
        lines_amount as net_amount,
        {%- endif %}
        case
            when has_customer_conflict then 'order_id used by several customers'
            when has_line_conflict then 'conflicting rows for one line_id'
            {%- if is_order_grain %}
            when has_amount_conflict then 'conflicting amounts for one order'
            when line_count > 0 and net_amount is null then 'missing amount'
            {%- endif %}
        end as rejection_reason

    from orders

),

final as (

    -- A rejected order has no lines: its amounts and date stay empty rather than half-known. One
    -- scale for every amount: PostgreSQL's numeric keeps the scale of whatever was summed.
    select
        order_id,
        customer_id,
        has_customer_conflict,
        has_line_conflict,
        has_amount_conflict,
        cast(case when has_customer_conflict then 0 else excluded_amount end as decimal(38, 2))
            as excluded_status_amount,
        cast(case when rejection_reason is null then included_amount - lines_amount else 0 end as decimal(38, 2))
            as duplicate_amount,
        cast(case when rejection_reason is null then first_line_amount end as decimal(38, 2)) as first_line_amount,
        cast(case when rejection_reason is null then lines_amount end as decimal(38, 2)) as lines_amount,
        cast(case when rejection_reason is null then net_amount end as decimal(38, 2)) as net_amount,
        cast(case when rejection_reason is null then net_margin end as decimal(38, 2)) as net_margin,
        rejection_reason,
        case when rejection_reason is null then order_date end as order_date,
        case
            when has_customer_conflict then excluded_rows + included_rows
            when rejection_reason is not null then included_rows
            else 0
        end as rejected_rows,
        case when has_customer_conflict then 0 else excluded_rows end as excluded_status_rows,
        case when rejection_reason is null then line_count else 0 end as order_lines,
        case when rejection_reason is null then included_rows - line_count else 0 end as duplicate_rows,
        case when rejection_reason is null then refund_lines end as refund_lines

    from judged

)

select * from final
