{#-
    The pre-hook of segment_history. On an incremental run it deletes the
    stored periods that a full refresh would not give as they are:
      - period ends that are no longer in the history: the partial period
        of an earlier as-of date, and periods that fell off the front;
      - every period, when the settings or resolved thresholds differ from
        the ones the rows were computed with (settings_fingerprint);
      - every period from the first one whose totals no longer match the
        input: its customers, lifetime orders, frequency, monetary value or
        lifetime revenue. A late order, refund or correction changes these for
        the period it falls in, and every later period depends on it too.
    The model then computes the periods that are missing. Corrections that
    leave all five totals of every period unchanged (an order moved to another
    customer with the same amount and date) are not seen: run with
    --full-refresh after such a correction.
-#}
{% macro rfm_history_delete_stale_periods() %}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set periods = ref('int_history_periods') -%}
    {%- set customer_periods = ref('int_customer_periods_aggregated') -%}
    delete from {{ this }}
    where
        period_end_date not in (
            select period_end_date from {{ periods }} where is_reported
        )
        or settings_fingerprint not in (
            select settings_fingerprint from {{ periods }}
        )
        or period_end_date >= (
            select min(expected.period_end_date)
            from (
                select
                    periods.period_end_date,
                    sum(coalesce(changes.new_customers, 0)) over (
                        order by periods.period_end_date asc rows between unbounded preceding and current row
                    ) as customers,
                    sum(coalesce(changes.orders, 0)) over (
                        order by periods.period_end_date asc rows between unbounded preceding and current row
                    ) as lifetime_orders,
                    sum(coalesce(changes.window_orders_change, 0)) over (
                        order by periods.period_end_date asc rows between unbounded preceding and current row
                    ) as frequency,
                    sum(coalesce(changes.window_monetary_change, 0)) over (
                        order by periods.period_end_date asc rows between unbounded preceding and current row
                    ) as monetary,
                    sum(coalesce(changes.net_amount, 0)) over (
                        order by periods.period_end_date asc rows between unbounded preceding and current row
                    ) as lifetime_revenue
                from {{ periods }} as periods
                left join (
                    select
                        customer_periods.period_end_date,
                        sum(case when customer_periods.period_end_date = firsts.first_period_end_date
                            then 1 else 0 end) as new_customers,
                        sum(customer_periods.orders) as orders,
                        sum(customer_periods.window_orders_change) as window_orders_change,
                        sum(customer_periods.window_monetary_change) as window_monetary_change,
                        sum(customer_periods.net_amount) as net_amount
                    from {{ customer_periods }} as customer_periods
                    inner join (
                        select
                            customer_id,
                            min(period_end_date) as first_period_end_date
                        from {{ customer_periods }}
                        group by customer_id
                    ) as firsts
                        on customer_periods.customer_id = firsts.customer_id
                    group by customer_periods.period_end_date
                ) as changes
                    on periods.period_end_date = changes.period_end_date
            ) as expected
            inner join (
                select
                    period_end_date,
                    count(*) as customers,
                    sum(lifetime_orders) as lifetime_orders,
                    sum(frequency) as frequency,
                    sum(monetary) as monetary,
                    sum(lifetime_revenue) as lifetime_revenue
                from {{ this }}
                group by period_end_date
            ) as stored
                on expected.period_end_date = stored.period_end_date
            where
                expected.customers <> stored.customers
                or expected.lifetime_orders <> stored.lifetime_orders
                or expected.frequency <> stored.frequency
                or expected.monetary <> stored.monetary
                or expected.lifetime_revenue <> stored.lifetime_revenue
        )
{% endmacro %}
