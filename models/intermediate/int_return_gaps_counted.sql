{#-
    The gaps between orders up to the as-of date, counted per order-count
    group and length in days: the raw material of the Kaplan-Meier curves in
    return_curves. The rule is written once, for any as-of dates, in
    macros/returns/return_curves.sql; this is its case of the one as-of date
    of the run (the back-test's is int_backtest_return_gaps_counted).
-#}

{{ rfm_lifecycle.rfm_return_gaps_counted(ref('int_order_gaps'), ref('int_as_of_dates_resolved')) }}
