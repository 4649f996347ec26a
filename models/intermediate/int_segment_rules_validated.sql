{%- set buckets = rfm_lifecycle.rfm_scoring_settings().score_buckets -%}
{%- set scheme = rfm_lifecycle.rfm_scheme_settings().rfm_segment_scheme -%}
{#- Stops the build here, before any rule is used, when a scheme leaves a cell without a segment or with two. -#}
{%- do rfm_lifecycle.rfm_assert_segment_rules(
    ref('rfm_segment_rules'), buckets, scheme) -%}

{#- The RFM segment rules of every scheme, checked, with project column names. -#}

with

rules as (

    select * from {{ ref('rfm_segment_rules') }}

),

final as (

    select
        cast(scheme as {{ dbt.type_string() }}) as rfm_scheme,
        cast(segment as {{ dbt.type_string() }}) as rfm_segment,
        cast(segment_code as {{ dbt.type_string() }}) as rfm_segment_code,
        cast(segment_order as {{ dbt.type_int() }}) as segment_order,
        cast(priority as {{ dbt.type_int() }}) as rule_priority,
        cast(score_scale as {{ dbt.type_int() }}) as score_scale,
        cast(r_min as {{ dbt.type_int() }}) as r_min,
        cast(r_max as {{ dbt.type_int() }}) as r_max,
        cast(f_min as {{ dbt.type_int() }}) as f_min,
        cast(f_max as {{ dbt.type_int() }}) as f_max,
        cast(m_min as {{ dbt.type_int() }}) as m_min,
        cast(m_max as {{ dbt.type_int() }}) as m_max,
        cast(phase as {{ dbt.type_string() }}) as action_phase,
        cast(goal as {{ dbt.type_string() }}) as action_goal,
        cast(action as {{ dbt.type_string() }}) as action_description,
        cast(channel as {{ dbt.type_string() }}) as action_channel,
        cast(trigger as {{ dbt.type_string() }}) as action_trigger,
        scheme = {{ rfm_lifecycle.rfm_sql_string(scheme) }} as is_selected_scheme

    from rules

)

select * from final
