{%- set settings = rfm_lifecycle.rfm_export_settings() -%}
{%- set scheme = rfm_lifecycle.rfm_scheme_settings().rfm_segment_scheme -%}
{%- set entered_prefix = rfm_lifecycle.rfm_sql_string('entered_today__' ~ scheme ~ '__') -%}
-- The export rows are exactly: every customer once in the lifecycle files, every scored customer once in
-- the files of the chosen scheme, the customers due within export_due_within_days in due_today, and in
-- entered_today__<file> the customers of <file> whose segment of that scheme changed on the as-of date.
with

customers as (

    select * from {{ ref('customer_segments') }}

),

contacts as (

    select * from {{ ref('export_contacts') }}

),

expected as (

    select
        {{ dbt.concat(["'lifecycle__'", 'lifecycle_segment']) }} as export_file,
        customer_id,
        lifecycle_segment as segment_code
    from customers

    union all

    select
        {{ dbt.concat([rfm_lifecycle.rfm_sql_string(scheme), "'__'", 'rfm.rfm_segment_code']) }}
            as export_file,
        customers.customer_id,
        rfm.rfm_segment_code as segment_code
    from customers
    inner join {{ ref('int_customers_rfm_segmented') }} as rfm
        on
            customers.customer_id = rfm.customer_id
            and rfm.is_selected_scheme

    union all

    select
        'due_today' as export_file,
        customer_id,
        lifecycle_segment as segment_code
    from customers
    where days_until_transition between 1 and {{ settings.export_due_within_days }}

    union all

    select
        {{ dbt.concat(["'entered_today__lifecycle__'", 'changes.lifecycle_segment']) }} as export_file,
        changes.customer_id,
        changes.lifecycle_segment as segment_code
    from {{ ref('segment_changes') }} as changes
    where changes.changed_on_date = changes.as_of_date and changes.is_lifecycle_change

    union all

    select
        {{ dbt.concat([entered_prefix, 'changes.rfm_segment_code']) }} as export_file,
        changes.customer_id,
        changes.rfm_segment_code as segment_code
    from {{ ref('segment_changes') }} as changes
    where
        changes.changed_on_date = changes.as_of_date
        and changes.is_rfm_change
        and changes.rfm_segment_code is not null

),

file_totals as (

    select coalesce(sum(customers), 0) as customer_count
    from {{ ref('export_files') }}

),

contact_totals as (

    select count(*) as customer_count
    from contacts

),

mismatches as (

    select
        coalesce(expected.export_file, contacts.export_file) as export_file,
        coalesce(expected.customer_id, contacts.customer_id) as customer_id,
        expected.segment_code as expected_segment_code,
        contacts.segment_code
    from expected
    full outer join contacts
        on
            expected.export_file = contacts.export_file
            and expected.customer_id = contacts.customer_id
    where
        expected.customer_id is null
        or contacts.customer_id is null
        or expected.segment_code <> contacts.segment_code

    union all

    select
        'export_files' as export_file,
        cast(file_totals.customer_count as {{ dbt.type_string() }}) as customer_id,
        cast(contact_totals.customer_count as {{ dbt.type_string() }}) as expected_segment_code,
        'row counts differ' as segment_code
    from file_totals
    cross join contact_totals
    where file_totals.customer_count <> contact_totals.customer_count

)

select * from mismatches
