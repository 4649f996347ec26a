{%- set scheme = rfm_lifecycle.rfm_scheme_settings().rfm_segment_scheme -%}

{#-
    The segment change log a CRM or a mailing tool reads (docs/segment_changes.md):
    one row per customer and scored period end on which the customer's
    lifecycle segment or RFM segment (the scheme in force) differs from the one
    at the scored period end before, or on which the customer first appears
    (previous lifecycle segment 'none').

    The scored period ends are segment_history's and the day before the as-of
    date (int_customer_periods_segmented). So the run's own rows
    (changed_on_date = as_of_date) are the changes of that day against the day
    before, whatever history_period_grain is: "entered today". The changes of
    the open period before that day are one row dated the day before; closed
    periods keep their end dates from run to run, so their events are the same
    in every run.

    A plain table rebuilt from the history on every run: a rerun, a back-fill
    of an older date or a full refresh gives that date's log, never duplicates.

    The RFM segment at the first reported period end's predecessor (period 0)
    is not scored, so on the first reported period end only the lifecycle
    segment (and first appearances) can make an event.
-#}

with

history as (

    select * from {{ ref('int_customer_periods_segmented') }}

),

cells as (

    select * from {{ ref('int_segment_cells_assigned') }}

),

action_paths as (

    select * from {{ ref('segment_action_paths') }}

),

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

-- Every score cell of the scheme in force, with its segment (one row per cell; tested on int_segment_cells_assigned).
selected_cells as (

    select * from cells
    where is_selected_scheme

),

history_segmented as (

    -- Customers without scores (prospects) have no RFM segment: empty, as in customer_segments.
    select
        history.customer_id,
        history.period_end_date,
        history.period_start_date,
        history.previous_segment as previous_lifecycle_segment,
        history.lifecycle_segment,
        history.is_reactivated,
        selected_cells.rfm_segment_code,
        selected_cells.rfm_segment

    from history
    left join selected_cells
        on
            history.r_score = selected_cells.r_score
            and history.f_score = selected_cells.f_score
            and history.m_score = selected_cells.m_score

),

with_previous as (

    -- period_end_date is unique per customer (tested on segment_history), so the order has no ties.
    select
        history_segmented.*,
        lag(history_segmented.period_end_date) over customer_periods as previous_row_period_end_date,
        lag(history_segmented.rfm_segment_code) over customer_periods as previous_rfm_segment_code,
        lag(history_segmented.rfm_segment) over customer_periods as previous_rfm_segment

    from history_segmented
    window customer_periods as (
        partition by history_segmented.customer_id
        order by history_segmented.period_end_date asc
    )

),

flagged as (

    select
        with_previous.*,
        with_previous.previous_lifecycle_segment = 'none' as is_first_appearance,
        with_previous.previous_lifecycle_segment <> with_previous.lifecycle_segment as is_lifecycle_change,
        -- An RFM change needs the RFM segment at the previous period end: a row of this customer before.
        coalesce(
            with_previous.previous_row_period_end_date is not null
            and coalesce(with_previous.previous_rfm_segment_code, '')
            <> coalesce(with_previous.rfm_segment_code, ''),
            false
        ) as is_rfm_change

    from with_previous

),

final as (

    select
        cast(flagged.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(flagged.period_end_date as date) as changed_on_date,
        cast(flagged.period_start_date as date) as period_start_date,
        cast(flagged.previous_lifecycle_segment as {{ dbt.type_string() }}) as previous_lifecycle_segment,
        cast(flagged.lifecycle_segment as {{ dbt.type_string() }}) as lifecycle_segment,
        cast(flagged.previous_rfm_segment_code as {{ dbt.type_string() }}) as previous_rfm_segment_code,
        cast(flagged.rfm_segment_code as {{ dbt.type_string() }}) as rfm_segment_code,
        cast(flagged.previous_rfm_segment as {{ dbt.type_string() }}) as previous_rfm_segment,
        cast(flagged.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
        cast({{ rfm_lifecycle.rfm_sql_string(scheme) }} as {{ dbt.type_string() }}) as rfm_scheme,
        flagged.is_first_appearance,
        flagged.is_lifecycle_change,
        flagged.is_rfm_change,
        flagged.is_reactivated,
        cast(action_paths.phase as {{ dbt.type_string() }}) as action_phase,
        cast(action_paths.goal as {{ dbt.type_string() }}) as action_goal,
        cast(action_paths.action as {{ dbt.type_string() }}) as action_description,
        cast(action_paths.channel as {{ dbt.type_string() }}) as action_channel,
        cast(action_paths.trigger as {{ dbt.type_string() }}) as action_trigger,
        cast(as_of.as_of_date as date) as as_of_date

    from flagged
    cross join as_of
    left join action_paths
        on flagged.lifecycle_segment = action_paths.segment
    where flagged.is_lifecycle_change or flagged.is_rfm_change

)

select * from final
