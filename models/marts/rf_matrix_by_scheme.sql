{%- set buckets = rfm_lifecycle.rfm_settings().score_buckets -%}

{#-
    rf_matrix for the RFM segment schemes: per scheme every R x F cell, also
    the empty ones, with the segments the rules give it (over all M scores),
    its customers and revenue, and the segments its customers are in.
-#}

with

customers as (

    select * from {{ ref('customer_segments') }}
    where r_score is not null

),

rfm_customers as (

    select * from {{ ref('int_customers_rfm_segmented') }}

),

cells as (

    select * from {{ ref('int_segment_cells_assigned') }}

),

segments as (

    select * from {{ ref('int_rfm_segments_defined') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

scores as (

    {{ rfm_lifecycle.rfm_score_series(buckets) }}

),

schemes as (

    select distinct
        rfm_scheme,
        is_selected_scheme

    from segments

),

grid as (

    select
        schemes.rfm_scheme,
        schemes.is_selected_scheme,
        r_scores.score as r_score,
        f_scores.score as f_score

    from schemes
    cross join scores as r_scores
    cross join scores as f_scores

),

assigned_segments as (

    select distinct
        cells.rfm_scheme,
        cells.r_score,
        cells.f_score,
        cells.rfm_segment,
        segments.segment_order

    from cells
    inner join segments
        on
            cells.rfm_scheme = segments.rfm_scheme
            and cells.rfm_segment_code = segments.rfm_segment_code

),

assigned_segment_lists as (

    select
        rfm_scheme,
        r_score,
        f_score,
        {{ rfm_lifecycle.rfm_sorted_string_agg('rfm_segment', "', '", ['segment_order', 'rfm_segment']) }}
            as assigned_segments

    from assigned_segments
    group by rfm_scheme, r_score, f_score

),

customer_cells as (

    select
        rfm_customers.rfm_scheme,
        rfm_customers.r_score,
        rfm_customers.f_score,
        rfm_customers.rfm_segment,
        rfm_customers.segment_order,
        customers.monetary

    from rfm_customers
    inner join customers
        on rfm_customers.customer_id = customers.customer_id

),

cell_totals as (

    select
        rfm_scheme,
        r_score,
        f_score,
        count(*) as customers,
        sum(monetary) as revenue

    from customer_cells
    group by rfm_scheme, r_score, f_score

),

cell_segments as (

    select
        rfm_scheme,
        r_score,
        f_score,
        rfm_segment,
        segment_order,
        -- The largest segment names the cell; segment order, then name, break ties so the pick is stable.
        row_number() over (
            partition by rfm_scheme, r_score, f_score
            order by count(*) desc, segment_order asc, rfm_segment asc
        ) as size_rank

    from customer_cells
    group by rfm_scheme, r_score, f_score, rfm_segment, segment_order

),

cell_segment_lists as (

    select
        rfm_scheme,
        r_score,
        f_score,
        {{ rfm_lifecycle.rfm_sorted_string_agg('rfm_segment', "', '", ['segment_order', 'rfm_segment']) }}
            as rfm_segments

    from cell_segments
    group by rfm_scheme, r_score, f_score

),

final as (

    select
        cast(grid.rfm_scheme as {{ dbt.type_string() }}) as rfm_scheme,
        grid.is_selected_scheme,
        cast(grid.r_score as {{ dbt.type_int() }}) as r_score,
        cast(grid.f_score as {{ dbt.type_int() }}) as f_score,
        cast(assigned_segment_lists.assigned_segments as {{ dbt.type_string() }}) as assigned_segments,
        cast(coalesce(cell_totals.customers, 0) as {{ dbt.type_int() }}) as customers,
        cast(coalesce(cell_totals.revenue, 0) as decimal(38, 2)) as revenue,
        cast(cell_segment_lists.rfm_segments as {{ dbt.type_string() }}) as rfm_segments,
        cast(dominant_segments.rfm_segment as {{ dbt.type_string() }}) as dominant_segment,
        thresholds.as_of_date

    from grid
    cross join thresholds
    left join assigned_segment_lists
        on
            grid.rfm_scheme = assigned_segment_lists.rfm_scheme
            and grid.r_score = assigned_segment_lists.r_score
            and grid.f_score = assigned_segment_lists.f_score
    left join cell_totals
        on
            grid.rfm_scheme = cell_totals.rfm_scheme
            and grid.r_score = cell_totals.r_score
            and grid.f_score = cell_totals.f_score
    left join cell_segment_lists
        on
            grid.rfm_scheme = cell_segment_lists.rfm_scheme
            and grid.r_score = cell_segment_lists.r_score
            and grid.f_score = cell_segment_lists.f_score
    left join cell_segments as dominant_segments
        on
            grid.rfm_scheme = dominant_segments.rfm_scheme
            and grid.r_score = dominant_segments.r_score
            and grid.f_score = dominant_segments.f_score
            and dominant_segments.size_rank = 1

)

select * from final
