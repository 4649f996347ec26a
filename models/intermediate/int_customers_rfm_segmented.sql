{#-
    One row per scored customer and scheme: the RFM segment their score cell
    has in that scheme. Prospects and refund-only customers have no scores
    and no RFM segment.
-#}

with

scores as (

    select * from {{ ref('int_customers_scored') }}

),

cells as (

    select * from {{ ref('int_segment_cells_assigned') }}

),

segments as (

    select * from {{ ref('int_rfm_segments_defined') }}

),

final as (

    select
        scores.customer_id,
        cells.rfm_scheme,
        cells.rfm_segment_code,
        cells.rfm_segment,
        segments.segment_order,
        segments.is_selected_scheme,
        scores.r_score,
        scores.f_score,
        scores.m_score

    from scores
    inner join cells
        on
            scores.r_score = cells.r_score
            and scores.f_score = cells.f_score
            and scores.m_score = cells.m_score
    inner join segments
        on
            cells.rfm_scheme = segments.rfm_scheme
            and cells.rfm_segment_code = segments.rfm_segment_code

)

select * from final
