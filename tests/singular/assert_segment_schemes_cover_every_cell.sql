{%- set buckets = rfm_lifecycle.rfm_scoring_settings().score_buckets -%}
-- Every scheme of the rules seed gives each of the score_buckets^3 cells exactly one segment.
with

schemes as (

    select distinct rfm_scheme
    from {{ ref('int_segment_rules_validated') }}

),

cell_rows as (

    select
        rfm_scheme,
        r_score,
        f_score,
        m_score,
        count(*) as segments
    from {{ ref('int_segment_cells_assigned') }}
    where
        r_score between 1 and {{ buckets }}
        and f_score between 1 and {{ buckets }}
        and m_score between 1 and {{ buckets }}
    group by rfm_scheme, r_score, f_score, m_score

),

per_scheme as (

    select
        rfm_scheme,
        count(*) as covered_cells,
        max(segments) as max_segments_per_cell
    from cell_rows
    group by rfm_scheme

)

select
    schemes.rfm_scheme,
    per_scheme.covered_cells,
    per_scheme.max_segments_per_cell
from schemes
left join per_scheme
    on schemes.rfm_scheme = per_scheme.rfm_scheme
where
    coalesce(per_scheme.covered_cells, 0) <> {{ buckets ** 3 }}
    or per_scheme.max_segments_per_cell <> 1
