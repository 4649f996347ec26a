{%- set bigint = dbt.type_bigint() -%}

{#-
    How good is return_probability? Per back-test date (int_backtest_dates)
    and decile of the probability the curves built from the data up to that
    date gave each customer with an order (prospects have none): customers,
    the mean predicted probability beside the share that ordered in the
    horizon, and the mean expected orders beside the orders that followed;
    and per date (the same on every decile row of the date) the AUC of the
    probability for "ordered in the horizon".

    Everything is worked on a small table of counts per date and distinct
    probability, so no window runs over the customers:
      decile  floor(10 x customers with a lower probability / customers) + 1:
              equal probabilities share a decile (a decile may be empty)
      AUC     Mann-Whitney on average ranks: the sum over probabilities of
              customers ordered x (2 x not ordered with a lower probability
              + not ordered with the same) over 2 x ordered x not ordered;
              ties count half, exactly as the rank-sum with average ranks.
    Means are sums (in whole millionths) over counts, rounded once.
-#}

with

followed as (

    select * from {{ ref('int_backtest_customers_followed') }}
    where return_probability is not null

),

values_counted as (

    select
        backtest_date,
        return_probability,
        count(*) as customers,
        sum(case when has_ordered_in_horizon then 1 else 0 end) as customers_ordered,
        sum(orders_in_horizon) as orders_in_horizon,
        sum(cast(expected_orders_in_horizon * 1000000 as {{ bigint }})) as expected_orders_millionths

    from followed
    group by backtest_date, return_probability

),

values_summed as (

    -- Raw window sums only (Spark takes no arithmetic on a named window); the probability is unique per date.
    select
        values_counted.*,
        sum(values_counted.customers) over lower_values as customers_below,
        sum(values_counted.customers - values_counted.customers_ordered) over lower_values as not_ordered_below,
        sum(values_counted.customers) over date_values as date_customers,
        sum(values_counted.customers_ordered) over date_values as date_customers_ordered,
        sum(values_counted.orders_in_horizon) over date_values as date_orders_in_horizon,
        sum(values_counted.expected_orders_millionths) over date_values as date_expected_orders_millionths

    from values_counted
    window
        lower_values as (
            partition by values_counted.backtest_date
            order by values_counted.return_probability asc
            rows between unbounded preceding and 1 preceding
        ),
        date_values as (partition by values_counted.backtest_date)

),

values_ranked as (

    select
        *,
        cast(floor(10 * coalesce(customers_below, 0) / date_customers) as {{ dbt.type_int() }}) + 1 as decile,
        customers_ordered * (2 * coalesce(not_ordered_below, 0) + customers - customers_ordered)
            as rank_sum_part

    from values_summed

),

dates_scored as (

    select
        backtest_date,
        max(date_customers) as customers,
        max(date_customers_ordered) as customers_ordered,
        max(date_orders_in_horizon) as orders_in_horizon,
        max(date_expected_orders_millionths) as expected_orders_millionths,
        sum(rank_sum_part) as rank_sum

    from values_ranked
    group by backtest_date

),

deciles_counted as (

    select
        backtest_date,
        decile,
        sum(customers) as customers,
        sum(customers_ordered) as customers_ordered,
        sum(orders_in_horizon) as orders_in_horizon,
        sum(expected_orders_millionths) as expected_orders_millionths,
        sum(cast(return_probability * 1000000 as {{ bigint }}) * customers) as probability_millionths,
        min(return_probability) as min_return_probability,
        max(return_probability) as max_return_probability

    from values_ranked
    group by backtest_date, decile

),

final as (

    select
        cast(deciles_counted.backtest_date as date) as backtest_date,
        cast(deciles_counted.decile as {{ dbt.type_int() }}) as decile,
        cast(deciles_counted.customers as {{ dbt.type_int() }}) as customers,
        cast(deciles_counted.min_return_probability as decimal(18, 6)) as min_return_probability,
        cast(deciles_counted.max_return_probability as decimal(18, 6)) as max_return_probability,
        cast(
            {{ rfm_lifecycle.rfm_rounded_ratio(
                'deciles_counted.probability_millionths', 'deciles_counted.customers * 1000000', 6) }}
            as decimal(18, 6)
        ) as predicted_share,
        cast(deciles_counted.customers_ordered as {{ dbt.type_int() }}) as customers_ordered,
        cast(
            {{ rfm_lifecycle.rfm_rounded_ratio('deciles_counted.customers_ordered', 'deciles_counted.customers', 6) }}
            as decimal(18, 6)
        ) as ordered_share,
        cast(
            {{ rfm_lifecycle.rfm_rounded_ratio(
                'deciles_counted.expected_orders_millionths', 'deciles_counted.customers * 1000000', 6) }}
            as decimal(18, 6)
        ) as expected_orders_per_customer,
        cast(
            {{ rfm_lifecycle.rfm_rounded_ratio('deciles_counted.orders_in_horizon', 'deciles_counted.customers', 6) }}
            as decimal(18, 6)
        ) as orders_per_customer,
        cast(dates_scored.customers as {{ dbt.type_int() }}) as date_customers,
        cast(
            case
                when dates_scored.customers_ordered > 0 and dates_scored.customers_ordered < dates_scored.customers
                    then {{ rfm_lifecycle.rfm_rounded_ratio(
                        'dates_scored.rank_sum',
                        '2 * dates_scored.customers_ordered * (dates_scored.customers - dates_scored.customers_ordered)',
                        6) }}
            end as decimal(18, 6)
        ) as date_auc,
        cast(
            {{ rfm_lifecycle.rfm_rounded_ratio(
                'dates_scored.expected_orders_millionths', 'dates_scored.customers * 1000000', 6) }}
            as decimal(18, 6)
        ) as date_expected_orders_per_customer,
        cast(
            {{ rfm_lifecycle.rfm_rounded_ratio('dates_scored.orders_in_horizon', 'dates_scored.customers', 6) }}
            as decimal(18, 6)
        ) as date_orders_per_customer,
        cast({{ rfm_lifecycle.rfm_return_settings().return_horizon_days }} as {{ dbt.type_int() }})
            as return_horizon_days

    from deciles_counted
    inner join dates_scored
        on deciles_counted.backtest_date = dates_scored.backtest_date

)

select * from final
