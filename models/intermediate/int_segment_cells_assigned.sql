{%- set buckets = rfm_lifecycle.rfm_settings().score_buckets -%}

{#-
    Every R-F-M score cell of every scheme (score_buckets^3 per scheme) with
    the segment of its winning rule: the matching rule with the lowest
    priority number. All rules tied at the winning priority are kept, so an
    overlap the rule check missed would show as a second row for the cell,
    which the tests on this model catch.
-#}

with

rules as (

    select * from {{ ref('int_segment_rules_validated') }}

),

scores as (

    {{ rfm_lifecycle.rfm_score_series(buckets) }}

),

cells as (

    select
        r_scores.score as r_score,
        f_scores.score as f_score,
        m_scores.score as m_score

    from scores as r_scores
    cross join scores as f_scores
    cross join scores as m_scores

),

matches as (

    select
        rules.rfm_scheme,
        cells.r_score,
        cells.f_score,
        cells.m_score,
        rules.rfm_segment_code,
        rules.rfm_segment,
        rules.rule_priority,
        min(rules.rule_priority) over (
            partition by rules.rfm_scheme, cells.r_score, cells.f_score, cells.m_score
        ) as winning_priority

    from cells
    inner join rules
        on {{ rfm_lifecycle.rfm_segment_rule_covers(
            'rules', 'cells.r_score', 'cells.f_score', 'cells.m_score', buckets) }}

),

final as (

    select
        rfm_scheme,
        cast(r_score as {{ dbt.type_int() }}) as r_score,
        cast(f_score as {{ dbt.type_int() }}) as f_score,
        cast(m_score as {{ dbt.type_int() }}) as m_score,
        rfm_segment_code,
        rfm_segment,
        rule_priority

    from matches
    where rule_priority = winning_priority

)

select * from final
