{%- set buckets = rfm_lifecycle.rfm_scoring_settings().score_buckets -%}

{#-
    Every R-F-M score cell of every scheme (score_buckets^3 per scheme) with
    the segment of its winning rule: the matching rule with the lowest
    priority number. Rules are matched once per scaled cell (the cell read on
    the scheme's score_scale), then every actual cell takes its scaled cell's
    segment. All rules tied at the winning priority are kept, so an overlap
    the rule check missed would show as a second row for the cell, and a gap
    as a missing cell; the tests on this model catch both.
-#}

with

rules as (

    select * from {{ ref('int_segment_rules_validated') }}

),

{{ rfm_lifecycle.rfm_segment_scaled_cells('rules', buckets, 'rfm_scheme') }},

matches as (

    select
        scaled_cells.scheme_name,
        scaled_cells.r_scaled,
        scaled_cells.f_scaled,
        scaled_cells.m_scaled,
        rules.rfm_segment_code,
        rules.rfm_segment,
        rules.rule_priority,
        rules.is_selected_scheme,
        min(rules.rule_priority) over (
            partition by scaled_cells.scheme_name, scaled_cells.r_scaled, scaled_cells.f_scaled, scaled_cells.m_scaled
        ) as winning_priority

    from scaled_cells
    inner join rules
        on
            scaled_cells.scheme_name = rules.rfm_scheme
            and {{ rfm_lifecycle.rfm_segment_rule_covers(
                'rules', 'scaled_cells.r_scaled', 'scaled_cells.f_scaled', 'scaled_cells.m_scaled') }}

),

winners as (

    select * from matches
    where rule_priority = winning_priority

),

final as (

    select
        actual_cells.scheme_name as rfm_scheme,
        cast(actual_cells.r_score as {{ dbt.type_int() }}) as r_score,
        cast(actual_cells.f_score as {{ dbt.type_int() }}) as f_score,
        cast(actual_cells.m_score as {{ dbt.type_int() }}) as m_score,
        winners.rfm_segment_code,
        winners.rfm_segment,
        winners.rule_priority,
        winners.is_selected_scheme

    from actual_cells
    inner join winners
        on
            actual_cells.scheme_name = winners.scheme_name
            and actual_cells.r_scaled = winners.r_scaled
            and actual_cells.f_scaled = winners.f_scaled
            and actual_cells.m_scaled = winners.m_scaled

)

select * from final
