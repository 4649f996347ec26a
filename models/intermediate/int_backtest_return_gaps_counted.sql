{#-
    The gaps between orders as seen from each back-test date, counted per
    date, order-count group and length: the same rule as
    int_return_gaps_counted (macros/returns/return_curves.sql), with every
    back-test date as an as-of date. From each date only the orders up to it
    count, and a gap whose next order came after it is censored there.
-#}

{{ rfm_lifecycle.rfm_return_gaps_counted(
    ref('int_order_gaps'),
    '(select backtest_date as as_of_date from ' ~ ref('int_backtest_dates') ~ ') as backtest_dates',
    per_date=true) }}
