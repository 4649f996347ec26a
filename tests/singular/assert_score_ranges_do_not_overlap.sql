-- A better score always means a strictly better value: the ranges of neighbouring scores never overlap.
with

ranges as (

    select
        measure,
        score,
        min_value,
        max_value,
        lead(min_value) over (partition by measure order by score asc) as next_min_value,
        lead(max_value) over (partition by measure order by score asc) as next_max_value
    from {{ ref('rfm_score_ranges') }}

)

select *
from ranges
where
    (measure = 'recency_days' and next_max_value >= min_value)
    or (measure <> 'recency_days' and next_min_value <= max_value)
