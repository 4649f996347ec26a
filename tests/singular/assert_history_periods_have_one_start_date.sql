-- A period of segment_history is a calendar period: every customer's row of one period end starts on the same
-- day, whether the customer was known before it or first appeared in it (also on the as-of date).
select
    period_end_date,
    count(distinct period_start_date) as start_dates
from {{ ref('segment_history') }}
group by period_end_date
having count(distinct period_start_date) > 1
