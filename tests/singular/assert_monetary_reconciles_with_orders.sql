{%- set settings = rfm_lifecycle.rfm_scoring_settings() -%}
{%- set measure = 'net_margin' if settings.monetary_measure == 'margin' else 'net_amount' -%}
-- The sum of monetary equals the net amount of the kept orders and refunds in the window.
with

window_orders as (

    select coalesce(sum(orders.{{ measure }}), 0) as amount
    from {{ ref('int_orders_netted') }} as orders
    inner join {{ ref('int_as_of_dates_resolved') }} as as_of
        on orders.order_date between as_of.window_start_date and as_of.as_of_date

),

segmented as (

    select coalesce(sum(monetary), 0) as amount
    from {{ ref('customer_segments') }}

)

select
    window_orders.amount as window_amount,
    segmented.amount as monetary_amount
from window_orders
cross join segmented
where window_orders.amount <> segmented.amount
