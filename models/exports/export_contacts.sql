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
    lifecycle action path. entered_today__<file> holds the customers of the
    segment file <file> who entered that segment in the run's own period
    (segment_changes rows with changed_on_date = the as-of date): the
    lifecycle files on a lifecycle change, the RFM files on an RFM change.
    The export_files post-hook writes the files.
-#}

with

customers as (

    select * from {{ ref('customer_segments') }}

),

changes as (

    select * from {{ ref('segment_changes') }}

),

-- The run's own changes: the state on the as-of date against the previous period end.
changes_today as (

    select * from changes
    where changed_on_date = as_of_date

),

scheme_customers as (

    select * from {{ ref('int_customer_scheme_segments') }}

),

-- The lifecycle and the RFM scheme in force: the schemes customer_segments carries.
segments as (

    select * from {{ ref('int_scheme_segments_defined') }}
    where is_selected_scheme

),

segment_rows as (

    select
        {{ dbt.concat(['segments.segment_scheme', "'__'", 'segments.segment_code']) }} as export_file,
        scheme_customers.customer_id,
        segments.segment_scheme,
        segments.segment_code,
        segments.segment_name,
        segments.action_phase,
        segments.action_goal,
        segments.action_description,
        segments.action_channel,
        segments.action_trigger

    from scheme_customers
    inner join segments
        on
            scheme_customers.segment_scheme = segments.segment_scheme
            and scheme_customers.segment_code = segments.segment_code

),

due_rows as (

    select
        'due_today' as export_file,
        segment_rows.{{ file_columns | join(',\n        segment_rows.') }}

    from segment_rows
    inner join customers
        on segment_rows.customer_id = customers.customer_id
    where
        segment_rows.segment_scheme = 'lifecycle'
        and customers.days_until_transition <= {{ settings.export_due_within_days }}

),

entered_rows as (

    select
        {{ dbt.concat(["'entered_today__'", 'segment_rows.export_file']) }} as export_file,
        segment_rows.{{ file_columns | join(',\n        segment_rows.') }}

    from segment_rows
    inner join changes_today
        on segment_rows.customer_id = changes_today.customer_id
    where
        (segment_rows.segment_scheme = 'lifecycle' and changes_today.is_lifecycle_change)
        or (segment_rows.segment_scheme <> 'lifecycle' and changes_today.is_rfm_change)

),

file_rows as (

    select * from segment_rows
    union all
    select * from due_rows
    union all
    select * from entered_rows

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
