-- The as-of date resolves to exactly one row, whether it is fixed (as_of_date) or taken from the orders.
select count(*) as as_of_rows
from {{ ref('int_as_of_dates_resolved') }}
having count(*) <> 1
