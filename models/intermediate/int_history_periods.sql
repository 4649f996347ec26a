{%- set settings = rfm_lifecycle.rfm_scoring_settings() -%}
{%- set history = rfm_lifecycle.rfm_history_settings() -%}
{%- set fingerprint_parts = [
    ('loyal_min_orders', 'thresholds.loyal_min_orders'),
    ('new_customer_days', 'thresholds.new_customer_days'),
    ('inactive_days_regular', 'thresholds.inactive_days_regular'),
    ('inactive_days_loyal', 'thresholds.inactive_days_loyal'),
    ('lost_days', 'thresholds.lost_days'),
    ('lookback_days', 'thresholds.lookback_days'),
    ('inactivity_mode', 'thresholds.inactivity_mode'),
    ('cycle_multiplier_percent', 'thresholds.cycle_multiplier_percent'),
    ('cycle_min_days', 'thresholds.cycle_min_days'),
    ('score_buckets', 'thresholds.score_buckets'),
] -%}
{%- set fingerprint_sql = ["'grain=" ~ history.period_grain ~ ";monetary=" ~ settings.monetary_measure ~ "'"] -%}
{%- for name, expression in fingerprint_parts -%}
{%- do fingerprint_sql.extend(["';" ~ name ~ "='", 'cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ ')']) -%}
{%- endfor -%}
{%- set threshold_settings = rfm_lifecycle.rfm_threshold_settings() -%}
{%- if threshold_settings.inactivity_mode == 'probability' -%}
{#- The learned thresholds follow from this var and the return curves (int_lifecycle_thresholds_learned). -#}
{%- do fingerprint_sql.append("';inactive_below_return_probability="
    ~ threshold_settings.inactive_below_return_probability ~ "'") -%}
{%- endif %}

{#-
    The period ends of segment_history: period 1 to history_periods, the last
    ending on the as-of date, and period 0, the end of the period before the
    first, which opens the history (the segment a customer had before period 1
    comes from it). Every row carries the settings the history is computed
    with, so a reader of segment_history can tell which ones made it.

    One more end, scored but not reported: the day before the as-of date, when
    it is not a period end already (a month or week grain and an as-of date
    that does not start a period). segment_changes compares the as-of date
    with it, so the run's own events are that day's changes (issue 14), while
    segment_history and the trends keep calendar periods.
-#}

with

as_of as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

thresholds as (

    select * from {{ ref('int_lifecycle_thresholds_resolved') }}

),

offsets as (

    {{ dbt.generate_series(history.periods + 1) }}

),

period_ends as (

    select
        {{ history.periods + 1 }} - offsets.generated_number as period_number,
        case
            when offsets.generated_number = 1 then as_of.as_of_date
            else {{ rfm_lifecycle.rfm_history_period_end_before('as_of.as_of_date', 'offsets.generated_number - 1') }}
        end as period_end_date

    from offsets
    cross join as_of
    where as_of.as_of_date is not null

),

calendar_periods as (

    -- A join on the period number, not lag() over all periods: no window without a partition (issue 18).
    select
        period_ends.period_number,
        period_ends.period_end_date,
        previous_period_ends.period_end_date as previous_period_end_date

    from period_ends
    left join period_ends as previous_period_ends
        on period_ends.period_number - 1 = previous_period_ends.period_number

),

day_before_as_of as (

    -- No period number: not a period of the history, only the state the as-of date is compared with.
    select
        {{ rfm_lifecycle.rfm_add_days('period_end_date', -1) }} as period_end_date,
        previous_period_end_date

    from calendar_periods
    where
        period_number = {{ history.periods }}
        and {{ rfm_lifecycle.rfm_add_days('period_end_date', -1) }} > previous_period_end_date

),

all_period_ends as (

    select
        period_number,
        period_end_date,
        previous_period_end_date,
        false as is_day_before_as_of
    from calendar_periods

    union all

    select
        cast(null as {{ dbt.type_int() }}) as period_number,
        period_end_date,
        previous_period_end_date,
        true as is_day_before_as_of
    from day_before_as_of

),

final as (

    select
        cast(all_period_ends.period_number as {{ dbt.type_int() }}) as period_number,
        cast(all_period_ends.period_end_date as date) as period_end_date,
        cast(all_period_ends.previous_period_end_date as date) as previous_period_end_date,
        -- The state before this one: the day before the as-of date comes between the last two period ends.
        cast(
            case
                when all_period_ends.period_number = {{ history.periods }}
                    then coalesce(day_before_as_of.period_end_date, all_period_ends.previous_period_end_date)
                else all_period_ends.previous_period_end_date
            end as date
        ) as previous_state_end_date,
        coalesce(all_period_ends.period_number >= 1, false) as is_reported,
        all_period_ends.is_day_before_as_of,
        {{ rfm_lifecycle.rfm_sql_string(history.period_grain) }} as period_grain,
        {{ dbt.concat(fingerprint_sql) }} as settings_fingerprint

    from all_period_ends
    -- At most one row.
    left join day_before_as_of
        on all_period_ends.period_number = {{ history.periods }}
    cross join thresholds

)

select * from final
