{#-
    One row per scheme and R x F cell with scored customers: how many, their
    revenue (monetary), the segments they are in and the largest of them. The
    lifecycle is one more scheme (segment_scheme 'lifecycle'). rf_matrix puts
    the cells on the full grid.
-#}

with

customers as (

    select * from {{ ref('int_customer_scheme_segments') }}
    where r_score is not null

),

segments as (

    select * from {{ ref('int_scheme_segments_defined') }}

),

customer_cells as (

    select
        customers.segment_scheme,
        customers.r_score,
        customers.f_score,
        customers.monetary,
        segments.segment_name,
        -- The lifecycle cells have always listed their segments by name (and
        -- broken a size tie by name); an RFM scheme's follow its segment order.
        case
            when customers.segment_scheme = 'lifecycle' then 0
            else segments.segment_order
        end as list_order

    from customers
    inner join segments
        on
            customers.segment_scheme = segments.segment_scheme
            and customers.segment_code = segments.segment_code

),

cell_totals as (

    select
        segment_scheme,
        r_score,
        f_score,
        count(*) as customers,
        sum(monetary) as revenue

    from customer_cells
    group by segment_scheme, r_score, f_score

),

cell_segments as (

    select
        segment_scheme,
        r_score,
        f_score,
        segment_name,
        list_order,
        -- The largest segment names the cell; list order, then name, break ties so the pick is stable.
        row_number() over (
            partition by segment_scheme, r_score, f_score
            order by count(*) desc, list_order asc, {{ rfm_lifecycle.rfm_code_point_order('segment_name') }} asc
        ) as size_rank

    from customer_cells
    group by segment_scheme, r_score, f_score, segment_name, list_order

),

cell_segment_lists as (

    select
        segment_scheme,
        r_score,
        f_score,
        {{ rfm_lifecycle.rfm_sorted_string_agg(
            'segment_name', "', '", ['list_order', rfm_lifecycle.rfm_code_point_order('segment_name')]
        ) }} as segments

    from cell_segments
    group by segment_scheme, r_score, f_score

),

final as (

    select
        cell_totals.segment_scheme,
        cell_totals.r_score,
        cell_totals.f_score,
        cell_totals.customers,
        cell_totals.revenue,
        cell_segment_lists.segments,
        dominant_segments.segment_name as dominant_segment

    from cell_totals
    inner join cell_segment_lists
        on
            cell_totals.segment_scheme = cell_segment_lists.segment_scheme
            and cell_totals.r_score = cell_segment_lists.r_score
            and cell_totals.f_score = cell_segment_lists.f_score
    inner join cell_segments as dominant_segments
        on
            cell_totals.segment_scheme = dominant_segments.segment_scheme
            and cell_totals.r_score = dominant_segments.r_score
            and cell_totals.f_score = dominant_segments.f_score
            and dominant_segments.size_rank = 1

)

select * from final
