{%- set buckets = rfm_lifecycle.rfm_scoring_settings().score_buckets -%}

{#-
    The R x F grid per scheme: for the lifecycle (segment_scheme 'lifecycle')
    and each RFM scheme every cell, also the empty ones, with its scored
    customers and revenue, the segments they are in and, for an RFM scheme,
    the segments its rules give the cell (over all M scores).
-#}

with

customers as (

    select * from {{ ref('int_customer_scheme_segments') }}
    where r_score is not null

),

segments as (

    select * from {{ ref('int_scheme_segments_defined') }}

),

cells as (

    select * from {{ ref('int_segment_cells_assigned') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

scores as (

    {{ rfm_lifecycle.rfm_score_series(buckets) }}

),

schemes as (

    select distinct
        segment_scheme,
        is_selected_scheme

    from segments

),

grid as (

    select
        schemes.segment_scheme,
        schemes.is_selected_scheme,
        r_scores.score as r_score,
        f_scores.score as f_score

    from schemes
    cross join scores as r_scores
    cross join scores as f_scores

),

-- Only the RFM schemes are rules on score cells; a lifecycle cell has no assigned segment.
assigned_segments as (

    select distinct
        segments.segment_scheme,
        cells.r_score,
        cells.f_score,
        segments.segment_name,
        segments.segment_order

    from cells
    inner join segments
        on
            cells.rfm_scheme = segments.segment_scheme
            and cells.rfm_segment_code = segments.segment_code

),

assigned_segment_lists as (

    select
        segment_scheme,
        r_score,
        f_score,
        {{ rfm_lifecycle.rfm_sorted_string_agg('segment_name', "', '", ['segment_order', 'segment_name']) }}
            as assigned_segments

    from assigned_segments
    group by segment_scheme, r_score, f_score

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
            order by count(*) desc, list_order asc, segment_name asc
        ) as size_rank

    from customer_cells
    group by segment_scheme, r_score, f_score, segment_name, list_order

),

cell_segment_lists as (

    select
        segment_scheme,
        r_score,
        f_score,
        {{ rfm_lifecycle.rfm_sorted_string_agg('segment_name', "', '", ['list_order', 'segment_name']) }}
            as segments

    from cell_segments
    group by segment_scheme, r_score, f_score

),

final as (

    select
        cast(grid.segment_scheme as {{ dbt.type_string() }}) as segment_scheme,
        grid.is_selected_scheme,
        cast(grid.r_score as {{ dbt.type_int() }}) as r_score,
        cast(grid.f_score as {{ dbt.type_int() }}) as f_score,
        cast(assigned_segment_lists.assigned_segments as {{ dbt.type_string() }}) as assigned_segments,
        cast(coalesce(cell_totals.customers, 0) as {{ dbt.type_int() }}) as customers,
        cast(coalesce(cell_totals.revenue, 0) as decimal(38, 2)) as revenue,
        cast(cell_segment_lists.segments as {{ dbt.type_string() }}) as segments,
        cast(dominant_segments.segment_name as {{ dbt.type_string() }}) as dominant_segment,
        thresholds.as_of_date

    from grid
    cross join thresholds
    left join assigned_segment_lists
        on
            grid.segment_scheme = assigned_segment_lists.segment_scheme
            and grid.r_score = assigned_segment_lists.r_score
            and grid.f_score = assigned_segment_lists.f_score
    left join cell_totals
        on
            grid.segment_scheme = cell_totals.segment_scheme
            and grid.r_score = cell_totals.r_score
            and grid.f_score = cell_totals.f_score
    left join cell_segment_lists
        on
            grid.segment_scheme = cell_segment_lists.segment_scheme
            and grid.r_score = cell_segment_lists.r_score
            and grid.f_score = cell_segment_lists.f_score
    left join cell_segments as dominant_segments
        on
            grid.segment_scheme = dominant_segments.segment_scheme
            and grid.r_score = dominant_segments.r_score
            and grid.f_score = dominant_segments.f_score
            and dominant_segments.size_rank = 1

)

select * from final
