{#-
    One row per export file, also for empty segments (a tool then reads an
    empty list, not last run's): every lifecycle segment, every segment of the
    chosen RFM scheme, due_today, and entered_today__<segment file> for every
    segment file (the customers who entered the segment in the run's own
    period, from segment_changes). Written as manifest.csv after the files, by
    the on-run-end hook, once every node of the run passed
    (rfm_write_exports_after_checks in macros/exports/export_files.sql).
-#}
{%- do rfm_lifecycle.rfm_check_export_folder() %}

with

contacts as (

    select * from {{ ref('export_contacts') }}

),

lifecycle_segments as (

    select * from {{ ref('segment_action_paths') }}

),

rfm_segments as (

    select * from {{ ref('int_rfm_segments_defined') }}
    where is_selected_scheme

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

segment_files as (

    select
        {{ dbt.concat(["'lifecycle__'", 'segment']) }} as export_file,
        'segment' as export_kind,
        'lifecycle' as segment_scheme,
        segment as segment_code,
        segment as segment_name

    from lifecycle_segments

    union all

    select
        {{ dbt.concat(['rfm_scheme', "'__'", 'rfm_segment_code']) }} as export_file,
        'segment' as export_kind,
        rfm_scheme as segment_scheme,
        rfm_segment_code as segment_code,
        rfm_segment as segment_name

    from rfm_segments

),

files as (

    select * from segment_files

    union all

    select
        {{ dbt.concat(["'entered_today__'", 'export_file']) }} as export_file,
        'entered' as export_kind,
        segment_scheme,
        segment_code,
        segment_name

    from segment_files

    union all

    select
        'due_today' as export_file,
        'due' as export_kind,
        'lifecycle' as segment_scheme,
        cast(null as {{ dbt.type_string() }}) as segment_code,
        cast(null as {{ dbt.type_string() }}) as segment_name

),

file_rows as (

    select
        export_file,
        count(*) as customers

    from contacts
    group by export_file

),

final as (

    select
        cast(files.export_file as {{ dbt.type_string() }}) as export_file,
        cast(files.export_kind as {{ dbt.type_string() }}) as export_kind,
        cast(files.segment_scheme as {{ dbt.type_string() }}) as segment_scheme,
        cast(files.segment_code as {{ dbt.type_string() }}) as segment_code,
        cast(files.segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(coalesce(file_rows.customers, 0) as {{ dbt.type_int() }}) as customers,
        cast({{ dbt.concat(['files.export_file', "'.csv'"]) }} as {{ dbt.type_string() }}) as csv_file,
        cast({{ dbt.concat(['files.export_file', "'.parquet'"]) }} as {{ dbt.type_string() }}) as parquet_file,
        thresholds.as_of_date

    from files
    cross join thresholds
    left join file_rows
        on files.export_file = file_rows.export_file

)

select * from final
