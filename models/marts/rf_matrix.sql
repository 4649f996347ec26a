{%- set buckets = rfm_lifecycle.rfm_settings().score_buckets -%}

{#- The R x F grid: every cell, also the empty ones, with its customers, revenue and lifecycle segments. -#}

with

customers as (

    select * from {{ ref('customer_segments') }}
    where r_score is not null

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

scores as (

    {%- for score in range(1, buckets + 1) %}
    select {{ score }} as score
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

grid as (

    select
        r_scores.score as r_score,
        f_scores.score as f_score

    from scores as r_scores
    cross join scores as f_scores

),

cell_totals as (

    select
        r_score,
        f_score,
        count(*) as customers,
        sum(monetary) as revenue

    from customers
    group by r_score, f_score

),

cell_segments as (

    select
        r_score,
        f_score,
        lifecycle_segment,
        count(*) as customers,
        -- The largest segment names the cell; the name breaks ties so the pick is stable.
        row_number() over (
            partition by r_score, f_score
            order by count(*) desc, lifecycle_segment asc
        ) as size_rank

    from customers
    group by r_score, f_score, lifecycle_segment

),

cell_segment_lists as (

    select
        r_score,
        f_score,
        {{ rfm_lifecycle.rfm_sorted_string_agg('lifecycle_segment', "', '") }} as lifecycle_segments

    from cell_segments
    group by r_score, f_score

),

final as (

    select
        cast(grid.r_score as {{ dbt.type_int() }}) as r_score,
        cast(grid.f_score as {{ dbt.type_int() }}) as f_score,
        cast(coalesce(cell_totals.customers, 0) as {{ dbt.type_int() }}) as customers,
        cast(coalesce(cell_totals.revenue, 0) as decimal(38, 2)) as revenue,
        cast(cell_segment_lists.lifecycle_segments as {{ dbt.type_string() }}) as lifecycle_segments,
        cast(dominant_segments.lifecycle_segment as {{ dbt.type_string() }}) as dominant_segment,
        thresholds.as_of_date

    from grid
    cross join thresholds
    left join cell_totals
        on
            grid.r_score = cell_totals.r_score
            and grid.f_score = cell_totals.f_score
    left join cell_segment_lists
        on
            grid.r_score = cell_segment_lists.r_score
            and grid.f_score = cell_segment_lists.f_score
    left join cell_segments as dominant_segments
        on
            grid.r_score = dominant_segments.r_score
            and grid.f_score = dominant_segments.f_score
            and dominant_segments.size_rank = 1

)

select * from final
