{#-
    Will they come back? One row per order-count group and day t since the
    last order (docs/return_probability.md): the Kaplan-Meier curve of
    int_return_days_estimated and what a customer t days away can expect (h =
    return_horizon_days):
      return_probability          1 - S(t + h) / S(t)
      expected_orders_in_horizon  return_probability x mean_orders_per_return (the orders, in
                                  the horizon, of the returns observed from day t)
      days_to_even_odds           first k with S(t + k) <= S(t) / 2; empty if none
    The rule is macros/returns/return_curves.sql, written once for any as-of
    dates; this is its case of the run's as-of date (the back-test's is
    int_backtest_return_curves).
-#}

{{ rfm_lifecycle.rfm_return_curves(ref('int_return_days_estimated'), ref('int_as_of_dates_resolved')) }}
