{%- set buckets = rfm_lifecycle.rfm_scoring_settings().score_buckets -%}

{#-
    The R x F grid per scheme: for the lifecycle (segment_scheme 'lifecycle')
    and each RFM scheme every cell, also the empty ones, with its scored
    customers and revenue and the segments they are in (counted in
    int_rf_cells_aggregated) and, for an RFM scheme, the segments its rules
    give the cell (over all M scores).
-#}

with

segments as (

    select * from {{ ref('int_scheme_segments_defined') }}

),

cells as (

    select * from {{ ref('int_segment_cells_assigned') }}

),

cell_customers as (

    select * from {{ ref('int_rf_cells_aggregated') }}

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
        {{ rfm_lifecycle.rfm_sorted_string_agg(
            'segment_name', "', '", ['segment_order', rfm_lifecycle.rfm_code_point_order('segment_name')]
        ) }} as assigned_segments

    from assigned_segments
    group by segment_scheme, r_score, f_score

),

final as (

    select
        cast(grid.segment_scheme as {{ dbt.type_string() }}) as segment_scheme,
        grid.is_selected_scheme,
        cast(grid.r_score as {{ dbt.type_int() }}) as r_score,
        cast(grid.f_score as {{ dbt.type_int() }}) as f_score,
        cast(assigned_segment_lists.assigned_segments as {{ dbt.type_string() }}) as assigned_segments,
        cast(coalesce(cell_customers.customers, 0) as {{ dbt.type_int() }}) as customers,
        cast(coalesce(cell_customers.revenue, 0) as decimal(38, 2)) as revenue,
        cast(cell_customers.segments as {{ dbt.type_string() }}) as segments,
        cast(cell_customers.dominant_segment as {{ dbt.type_string() }}) as dominant_segment,
        thresholds.as_of_date

    from grid
    cross join thresholds
    left join assigned_segment_lists
        on
            grid.segment_scheme = assigned_segment_lists.segment_scheme
            and grid.r_score = assigned_segment_lists.r_score
            and grid.f_score = assigned_segment_lists.f_score
    left join cell_customers
        on
            grid.segment_scheme = cell_customers.segment_scheme
            and grid.r_score = cell_customers.r_score
            and grid.f_score = cell_customers.f_score

)

select * from final
