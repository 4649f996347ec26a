{#-
    The Kaplan-Meier curves per back-test date: the rule of
    int_return_days_estimated (macros/returns/return_curves.sql) on the gaps
    as seen from each date.
-#}

{{ rfm_lifecycle.rfm_return_days_estimated(ref('int_backtest_return_gaps_counted'), per_date=true) }}
