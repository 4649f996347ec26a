{%- set settings = rfm_lifecycle.rfm_export_settings() -%}
{%- set columns = rfm_lifecycle.rfm_export_columns() -%}
{#- The columns that tell the file and its segment; the other export columns are the customer's (customer_segments). -#}
{%- set file_columns = [
    'customer_id', 'segment_scheme', 'segment_code', 'segment_name',
    'action_phase', 'action_goal', 'action_description', 'action_channel', 'action_trigger',
] -%}
{%- set casts = [] -%}
{%- for column, data_type in columns.items() -%}
{%- set relation = 'file_rows' if column in file_columns else 'customers' -%}
{%- do casts.append('cast(' ~ relation ~ '.' ~ column ~ ' as ' ~ data_type ~ ') as ' ~ column) -%}
{%- endfor -%}

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
        {{ dbt.concat(["'lifecycle__'", 'lifecycle_segment']) }} as export_file,
        customer_id,
        'lifecycle' as segment_scheme,
        lifecycle_segment as segment_code,
        lifecycle_segment as segment_name,
        action_phase,
        action_goal,
        action_description,
        action_channel,
        action_trigger

    from customers

),

rfm_rows as (

    select
        {{ dbt.concat(['rfm_customers.rfm_scheme', "'__'", 'rfm_customers.rfm_segment_code']) }} as export_file,
        rfm_customers.customer_id,
        rfm_customers.rfm_scheme as segment_scheme,
        rfm_customers.rfm_segment_code as segment_code,
        rfm_customers.rfm_segment as segment_name,
        rfm_segments.action_phase,
        rfm_segments.action_goal,
        rfm_segments.action_description,
        rfm_segments.action_channel,
        rfm_segments.action_trigger

    from rfm_customers
    inner join rfm_segments
        on rfm_customers.rfm_segment_code = rfm_segments.rfm_segment_code

),

due_rows as (

    select
        'due_today' as export_file,
        lifecycle_rows.{{ file_columns | join(',\n        lifecycle_rows.') }}

    from lifecycle_rows
    inner join customers
        on lifecycle_rows.customer_id = customers.customer_id
    where customers.days_until_transition <= {{ settings.export_due_within_days }}

),

file_rows as (

    select * from lifecycle_rows
    union all
    select * from rfm_rows
    union all
    select * from due_rows

),

final as (

    select
        cast(file_rows.export_file as {{ dbt.type_string() }}) as export_file,
        {{ casts | join(',\n        ') }}

    from file_rows
    inner join customers
        on file_rows.customer_id = customers.customer_id

)

select * from final
