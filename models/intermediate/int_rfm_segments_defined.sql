{#- One row per segment of every scheme; the checked rules repeat these attributes on every rule of a segment. -#}

with

rules as (

    select * from {{ ref('int_segment_rules_validated') }}

),

final as (

    select
        rfm_scheme,
        rfm_segment_code,
        rfm_segment,
        segment_order,
        score_scale,
        action_phase,
        action_goal,
        action_description,
        action_channel,
        action_trigger,
        is_selected_scheme,
        count(*) as rule_count

    from rules
    group by
        rfm_scheme,
        rfm_segment_code,
        rfm_segment,
        segment_order,
        score_scale,
        action_phase,
        action_goal,
        action_description,
        action_channel,
        action_trigger,
        is_selected_scheme

)

select * from final
