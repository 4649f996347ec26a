{#-
    The Kaplan-Meier curve of every order-count group as of the run's as-of
    date, one row per day since the last order (macros/returns/return_curves.sql,
    its case of one date; the back-test's is int_backtest_return_days_estimated).
-#}

{{ rfm_lifecycle.rfm_return_days_estimated(ref('int_return_gaps_counted')) }}
