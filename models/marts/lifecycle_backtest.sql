{#-
    The back-test of the lifecycle segments (docs/return_probability.md): per
    back-test date (a reported period end of segment_history with
    return_horizon_days days of data after it) and lifecycle segment, the
    customers the segment held on that day, using only the data up to it, and
    what they did in the horizon after it: how many ordered, their orders and
    net revenue; and beside them what return_probability, from curves built
    from the data up to that day, predicted for them (mean probability and
    expected orders over the customers with a prediction: all but
    prospects). Shares and means are sums over counts, rounded once.
-#}

with

followed as (

    select * from {{ ref('int_backtest_customers_followed') }}

),

segments_counted as (

    select
        backtest_date,
        horizon_end_date,
        return_horizon_days,
        lifecycle_segment,
        count(*) as customers,
        sum(case when has_ordered_in_horizon then 1 else 0 end) as customers_ordered,
        sum(orders_in_horizon) as orders_in_horizon,
        sum(revenue_in_horizon) as revenue_in_horizon,
        sum(case when return_probability is not null then 1 else 0 end) as customers_predicted,
        sum(cast(return_probability * 1000000 as {{ dbt.type_bigint() }})) as probability_millionths,
        sum(cast(expected_orders_in_horizon * 1000000 as {{ dbt.type_bigint() }})) as expected_orders_millionths

    from followed
    group by backtest_date, horizon_end_date, return_horizon_days, lifecycle_segment

),

final as (

    select
        cast(segments_counted.backtest_date as date) as backtest_date,
        cast(segments_counted.horizon_end_date as date) as horizon_end_date,
        cast(segments_counted.lifecycle_segment as {{ dbt.type_string() }}) as lifecycle_segment,
        cast(segments_counted.customers as {{ dbt.type_int() }}) as customers,
        cast(segments_counted.customers_ordered as {{ dbt.type_int() }}) as customers_ordered,
        cast(
            {{ rfm_lifecycle.rfm_rounded_ratio('segments_counted.customers_ordered', 'segments_counted.customers', 6) }}
            as decimal(18, 6)
        ) as ordered_share,
        cast(segments_counted.orders_in_horizon as {{ dbt.type_int() }}) as orders_in_horizon,
        cast(
            {{ rfm_lifecycle.rfm_rounded_ratio('segments_counted.orders_in_horizon', 'segments_counted.customers', 6) }}
            as decimal(18, 6)
        ) as orders_per_customer,
        cast(segments_counted.revenue_in_horizon as decimal(38, 2)) as revenue_in_horizon,
        {{ rfm_lifecycle.rfm_rounded_money_per('segments_counted.revenue_in_horizon', 'segments_counted.customers') }}
            as revenue_per_customer,
        cast(
            case
                when segments_counted.customers_predicted > 0
                    then {{ rfm_lifecycle.rfm_rounded_ratio(
                        'segments_counted.probability_millionths', 'segments_counted.customers_predicted * 1000000', 6) }}
            end as decimal(18, 6)
        ) as predicted_share,
        cast(
            case
                when segments_counted.customers_predicted > 0
                    then {{ rfm_lifecycle.rfm_rounded_ratio(
                        'segments_counted.expected_orders_millionths',
                        'segments_counted.customers_predicted * 1000000', 6) }}
            end as decimal(18, 6)
        ) as expected_orders_per_customer,
        cast(segments_counted.return_horizon_days as {{ dbt.type_int() }}) as return_horizon_days

    from segments_counted

)

select * from final
