{#-
    Every segment of every scheme, one row each: the lifecycle (its action
    paths seed) as the scheme 'lifecycle', then the RFM schemes of the rules
    seed. The summary marts start from this list, so empty segments show too.
-#}

with

action_paths as (

    select * from {{ ref('segment_action_paths') }}

),

rfm_segments as (

    select * from {{ ref('int_rfm_segments_defined') }}

),

lifecycle_segments as (

    select
        'lifecycle' as segment_scheme,
        segment as segment_code,
        segment as segment_name,
        segment_order,
        -- customer_segments and the exports always carry the lifecycle.
        true as is_selected_scheme,
        cast(null as {{ dbt.type_int() }}) as rule_count,
        phase as action_phase,
        goal as action_goal,
        action as action_description,
        channel as action_channel,
        trigger as action_trigger

    from action_paths

),

scheme_segments as (

    select
        rfm_scheme as segment_scheme,
        rfm_segment_code as segment_code,
        rfm_segment as segment_name,
        segment_order,
        is_selected_scheme,
        rule_count,
        action_phase,
        action_goal,
        action_description,
        action_channel,
        action_trigger

    from rfm_segments

),

unioned as (

    select * from lifecycle_segments
    union all
    select * from scheme_segments

),

final as (

    select
        cast(segment_scheme as {{ dbt.type_string() }}) as segment_scheme,
        cast(segment_code as {{ dbt.type_string() }}) as segment_code,
        cast(segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(segment_order as {{ dbt.type_int() }}) as segment_order,
        is_selected_scheme,
        cast(rule_count as {{ dbt.type_int() }}) as rule_count,
        cast(action_phase as {{ dbt.type_string() }}) as action_phase,
        cast(action_goal as {{ dbt.type_string() }}) as action_goal,
        cast(action_description as {{ dbt.type_string() }}) as action_description,
        cast(action_channel as {{ dbt.type_string() }}) as action_channel,
        cast(action_trigger as {{ dbt.type_string() }}) as action_trigger

    from unioned

)

select * from final
