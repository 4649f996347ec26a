{%- set settings = rfm_lifecycle.rfm_settings() -%}
{%- set columns = rfm_lifecycle.rfm_export_columns() -%}

{#-
    Every row of every export file; export_file names the file. Per lifecycle
    segment (lifecycle__<segment>) and per segment of the chosen RFM scheme
    (<scheme>__<segment_code>) one row per customer in it, with the segment's
    action path; due_today holds the customers whose next_transition_date is
    1 to export_due_within_days days after the as-of date, with their
    lifecycle action path. The export_files post-hook writes the files.
-#}

with

customers as (

    select * from {{ ref('customer_segments') }}

),

rfm_customers as (

    select * from {{ ref('int_customers_rfm_segmented') }}
    where is_selected_scheme

),

rfm_segments as (

    select * from {{ ref('int_rfm_segments_defined') }}
    where is_selected_scheme

),

lifecycle_rows as (

    select
        {{ dbt.concat(["'lifecycle__'", 'customers.lifecycle_segment']) }} as export_file,
        customers.customer_id,
        'lifecycle' as segment_scheme,
        customers.lifecycle_segment as segment_code,
        customers.lifecycle_segment as segment_name,
        customers.action_phase,
        customers.action_goal,
        customers.action_description,
        customers.action_channel,
        customers.action_trigger,
        customers.lifecycle_segment,
        customers.rfm_segment,
        customers.next_segment_if_no_order,
        customers.next_transition_date,
        customers.days_until_transition,
        customers.last_order_date,
        customers.recency_days,
        customers.frequency,
        customers.monetary,
        customers.r_score,
        customers.f_score,
        customers.m_score,
        customers.as_of_date

    from customers

),

rfm_rows as (

    select
        {{ dbt.concat(['rfm_customers.rfm_scheme', "'__'", 'rfm_customers.rfm_segment_code']) }} as export_file,
        customers.customer_id,
        rfm_customers.rfm_scheme as segment_scheme,
        rfm_customers.rfm_segment_code as segment_code,
        rfm_customers.rfm_segment as segment_name,
        rfm_segments.action_phase,
        rfm_segments.action_goal,
        rfm_segments.action_description,
        rfm_segments.action_channel,
        rfm_segments.action_trigger,
        customers.lifecycle_segment,
        customers.rfm_segment,
        customers.next_segment_if_no_order,
        customers.next_transition_date,
        customers.days_until_transition,
        customers.last_order_date,
        customers.recency_days,
        customers.frequency,
        customers.monetary,
        customers.r_score,
        customers.f_score,
        customers.m_score,
        customers.as_of_date

    from rfm_customers
    inner join customers
        on rfm_customers.customer_id = customers.customer_id
    inner join rfm_segments
        on rfm_customers.rfm_segment_code = rfm_segments.rfm_segment_code

),

due_rows as (

    select
        'due_today' as export_file,
        {{ columns | join(',\n        ') }}

    from lifecycle_rows
    where days_until_transition <= {{ settings.export_due_within_days }}

),

export_rows as (

    select * from lifecycle_rows
    union all
    select * from rfm_rows
    union all
    select * from due_rows

),

final as (

    select
        cast(export_file as {{ dbt.type_string() }}) as export_file,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(segment_scheme as {{ dbt.type_string() }}) as segment_scheme,
        cast(segment_code as {{ dbt.type_string() }}) as segment_code,
        cast(segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(action_phase as {{ dbt.type_string() }}) as action_phase,
        cast(action_goal as {{ dbt.type_string() }}) as action_goal,
        cast(action_description as {{ dbt.type_string() }}) as action_description,
        cast(action_channel as {{ dbt.type_string() }}) as action_channel,
        cast(action_trigger as {{ dbt.type_string() }}) as action_trigger,
        cast(lifecycle_segment as {{ dbt.type_string() }}) as lifecycle_segment,
        cast(rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
        cast(next_segment_if_no_order as {{ dbt.type_string() }}) as next_segment_if_no_order,
        cast(next_transition_date as date) as next_transition_date,
        cast(days_until_transition as {{ dbt.type_int() }}) as days_until_transition,
        cast(last_order_date as date) as last_order_date,
        cast(recency_days as {{ dbt.type_int() }}) as recency_days,
        cast(frequency as {{ dbt.type_int() }}) as frequency,
        cast(monetary as decimal(38, 2)) as monetary,
        cast(r_score as {{ dbt.type_int() }}) as r_score,
        cast(f_score as {{ dbt.type_int() }}) as f_score,
        cast(m_score as {{ dbt.type_int() }}) as m_score,
        cast(as_of_date as date) as as_of_date

    from export_rows

)

select * from final
