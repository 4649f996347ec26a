{%- set settings = rfm_lifecycle.rfm_scoring_settings() -%}

{#-
    What changed for each customer in each history period (int_history_periods,
    the day before the as-of date included), keyed by the period's end date.
    Period 0 takes everything before period 1, so a running total over a
    customer's rows gives their state at any period end.

    Three kinds of change:
      activity        orders, refunds and revenue dated in the period
      window exits    lookback_days after a day, its orders and money leave
                      the frequency and monetary window (an order on day x is
                      in the window of period end E while x <= E < x + lookback_days)
      known customers everyone in the customers source is known from the
                      opening period on, as a prospect until their first order
    Sparse: a period without changes has no row; the state carries forward.
-#}

with

customer_days as (

    select * from {{ ref('int_customer_days_aggregated') }}

),

periods as (

    select * from {{ ref('int_history_periods') }}

),

customers as (

    select * from {{ ref('int_customers_listed') }}

),

history_bounds as (

    select
        min(period_end_date) as opening_period_end_date,
        max(period_end_date) as last_period_end_date,
        max(case when is_day_before_as_of then period_end_date end) as day_before_as_of_date

    from periods
    having count(*) > 0

),

changes as (

    select
        customer_id,
        activity_date as change_date,
        orders,
        orders as window_orders_change,
        monetary_amount as window_monetary_change,
        net_amount,
        refund_records,
        case when orders > 0 then activity_date end as order_date,
        orders_before_tier_window

    from customer_days

    union all

    select
        customer_days.customer_id,
        {{ rfm_lifecycle.rfm_add_days('customer_days.activity_date', settings.lookback_days) }} as change_date,
        0 as orders,
        -customer_days.orders as window_orders_change,
        -customer_days.monetary_amount as window_monetary_change,
        0 as net_amount,
        0 as refund_records,
        cast(null as date) as order_date,
        cast(null as {{ dbt.type_int() }}) as orders_before_tier_window

    from customer_days
    cross join history_bounds
    where
        {{ rfm_lifecycle.rfm_add_days('customer_days.activity_date', settings.lookback_days) }}
        <= history_bounds.last_period_end_date

    union all

    select distinct
        customers.customer_id,
        history_bounds.opening_period_end_date as change_date,
        0 as orders,
        0 as window_orders_change,
        0 as window_monetary_change,
        0 as net_amount,
        0 as refund_records,
        cast(null as date) as order_date,
        cast(null as {{ dbt.type_int() }}) as orders_before_tier_window

    from customers
    cross join history_bounds
    where customers.customer_id is not null

),

changes_in_periods as (

    select
        changes.*,
        case
            when changes.change_date <= history_bounds.opening_period_end_date
                then history_bounds.opening_period_end_date
            -- The last period's changes before the as-of date go to the day before it.
            when
                changes.change_date <= history_bounds.day_before_as_of_date
                and {{ rfm_lifecycle.rfm_history_period_end('changes.change_date') }}
                > history_bounds.day_before_as_of_date
                then history_bounds.day_before_as_of_date
            -- The period holding the as-of date ends on it.
            else least(
                {{ rfm_lifecycle.rfm_history_period_end('changes.change_date') }},
                history_bounds.last_period_end_date
            )
        end as period_end_date

    from changes
    cross join history_bounds

),

final as (

    select
        customer_id,
        cast(period_end_date as date) as period_end_date,
        cast(sum(orders) as {{ dbt.type_int() }}) as orders,
        cast(sum(window_orders_change) as {{ dbt.type_int() }}) as window_orders_change,
        cast(sum(window_monetary_change) as decimal(38, 2)) as window_monetary_change,
        cast(sum(net_amount) as decimal(38, 2)) as net_amount,
        cast(sum(refund_records) as {{ dbt.type_int() }}) as refund_records,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        -- Never falls as days pass, so the largest is the one of the period's last order day.
        cast(max(orders_before_tier_window) as {{ dbt.type_int() }}) as orders_before_tier_window

    from changes_in_periods
    group by customer_id, period_end_date

)

select * from final
