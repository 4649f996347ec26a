{#-
    return_curves per back-test date (macros/returns/return_curves.sql): what
    a customer t days away on that date could expect, from the curves built
    from the data up to it only. as_of_date is the back-test date.
-#}

{{ rfm_lifecycle.rfm_return_curves(ref('int_backtest_return_days_estimated'), per_date=true) }}
