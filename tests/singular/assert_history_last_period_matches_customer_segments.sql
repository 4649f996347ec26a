-- The last period of segment_history is customer_segments: same customers, values, scores and segments.
{%- set columns = [
    'customer_id', 'first_order_date', 'last_order_date', 'recency_days', 'frequency', 'tier_frequency',
    'monetary', 'lifetime_orders', 'lifetime_revenue', 'r_score', 'f_score', 'm_score',
    'lifecycle_segment', 'has_refunds',
] %}
with

as_of as (

    select as_of_date from {{ ref('int_as_of_dates_resolved') }}

),

last_period as (

    select {{ columns | join(', ') }}
    from {{ ref('segment_history') }}
    where period_end_date in (select as_of.as_of_date from as_of)

),

segments as (

    select {{ columns | join(', ') }}
    from {{ ref('customer_segments') }}

),

history_only as (

    select * from last_period
    {{ dbt.except() }}
    select * from segments

),

segments_only as (

    select * from segments
    {{ dbt.except() }}
    select * from last_period

)

select
    'only in segment_history' as found,
    history_only.*
from history_only

union all

select
    'only in customer_segments' as found,
    segments_only.*
from segments_only
