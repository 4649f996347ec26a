-- The run's own changes (changed_on_date = as_of_date) end in the customer's state in customer_segments:
-- the same lifecycle segment and the same RFM segment of the scheme in force.
with

changes as (

    select * from {{ ref('segment_changes') }}
    where changed_on_date = as_of_date

),

customers as (

    select * from {{ ref('customer_segments') }}

)

select
    changes.customer_id,
    changes.lifecycle_segment,
    customers.lifecycle_segment as customer_lifecycle_segment,
    changes.rfm_segment,
    customers.rfm_segment as customer_rfm_segment
from changes
left join customers
    on changes.customer_id = customers.customer_id
where
    customers.customer_id is null
    or changes.lifecycle_segment <> customers.lifecycle_segment
    or coalesce(changes.rfm_segment, '') <> coalesce(customers.rfm_segment, '')
