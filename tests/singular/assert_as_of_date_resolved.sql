-- The as-of date is resolved and unique. It is missing when the as_of_date var is
-- not set and the input holds no valid order (every row rejected, excluded or a
-- refund): set as_of_date, or look at orders_rejected and orders_accounting, which
-- are still built. Failing here keeps the previous marts instead of dating them null.
select
    count(*) as as_of_rows,
    count(as_of_date) as resolved_rows
from {{ ref('int_as_of_dates_resolved') }}
having count(*) <> 1 or count(as_of_date) <> 1
