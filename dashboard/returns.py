"""The page "Will they come back?" (dashboard/pages/5_Will_they_come_back.py): the return curves and
the back-test (docs/return_probability.md).

Every number comes from a mart: return_curves, lifecycle_backtest and
return_probability_calibration, read through dashboard/data.py; the figures are
dashboard/charts.py. A database built before these marts, or with no back-test
date yet, gets a note, not a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import binding, charts, data, uploads

BACKTEST_COLUMNS = (
    "lifecycle_segment", "customers", "customers_ordered", "ordered_share", "predicted_share",
    "orders_per_customer", "expected_orders_per_customer", "revenue_per_customer", "horizon_end_date",
)
CALIBRATION_COLUMNS = (
    "decile", "customers", "min_return_probability", "max_return_probability", "predicted_share",
    "ordered_share", "expected_orders_per_customer", "orders_per_customer",
)


def _number(value, decimals: int = 2) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):,.{decimals}f}"


@st.cache_data(show_spinner=False, max_entries=4)
def _cached(signature: tuple[str, int, int]) -> data.ReturnMarts:
    return data.load_return_marts(Path(signature[0]))


def _not_built(table: str) -> None:
    st.info(f"`{table}` is not built yet: this database was built before it. Run `{data.BUILD_COMMAND}`.")


def section_curves(marts: data.ReturnMarts) -> None:
    st.header("Return curves: the diagonal, learned")
    if marts.curves is None:
        _not_built("return_curves")
        return
    if marts.curves.empty:
        st.info("No customer with an order yet: there is no return curve to draw.")
        return
    horizon = marts.horizon_days
    st.caption(
        f"For a customer with this many orders whose last order was this many days ago: the chance of at least one "
        f"order in the next {horizon} days, learned from every pause between orders in your history "
        "(`return_curves`). The more orders, the higher the line starts and the faster it falls: a frequent buyer "
        "who stays away is a warning sooner. That is the diagonal of the RF matrix."
    )
    st.plotly_chart(charts.return_curves(marts.curves, horizon), key="return_curves")


def _choose_date(marts: data.ReturnMarts):
    dates = marts.backtest_dates
    return st.selectbox("Back-test date", dates, index=len(dates) - 1, format_func=str, key="backtest_date",
                        help="A past period end with a whole horizon of orders after it (default: the latest).")


def section_backtest(marts: data.ReturnMarts) -> None:
    st.header("Did it come true? The back-test")
    missing = [table for table in ("lifecycle_backtest", "return_probability_calibration") if table in marts.missing]
    for table in missing:
        _not_built(table)
    if missing:
        return
    horizon = marts.horizon_days
    if not marts.backtest_dates:
        st.info(
            "No back-test date yet: a back-test date is a period end with a whole horizon "
            f"({horizon or 'return_horizon_days'} days) of orders after it, and the history is shorter than that. "
            "The back-test appears once the data reaches past the horizon."
        )
        return
    st.caption(
        "On a past date every customer was segmented, and every probability computed, with only the data up to that "
        "date; here is what the customers did in the days after it."
    )
    backtest_date = _choose_date(marts)
    rows = data.backtest_rows(marts, backtest_date)
    horizon = int(rows["return_horizon_days"].iloc[0])
    sentence = data.backtest_sentence(rows, backtest_date, horizon)
    if sentence:
        st.markdown(f"**{sentence}**")
    st.plotly_chart(charts.backtest_shares(rows, backtest_date, horizon), key="backtest_shares")
    st.dataframe(rows[list(BACKTEST_COLUMNS)], hide_index=True, key="backtest_table")
    section_calibration(marts, backtest_date, horizon)


def section_calibration(marts: data.ReturnMarts, backtest_date, horizon: int) -> None:
    st.subheader("How good is the probability?")
    calibration = marts.calibration
    rows = calibration[calibration["backtest_date"] == backtest_date]
    if rows.empty:
        st.info(f"No customer with an order on {backtest_date}: nothing to rank or calibrate.")
        return
    first = rows.iloc[0]
    columns = st.columns(3)
    columns[0].metric(f"AUC on {backtest_date}", _number(first["date_auc"], 3),
                      help="The chance that a customer who ordered had a higher probability than one who did not "
                           "(0.5 is a coin, 1 is perfect). Empty when everyone or no one ordered.")
    columns[1].metric("Expected orders per customer", _number(first["date_expected_orders_per_customer"]),
                      help=f"The mean expected_orders_in_horizon on {backtest_date} (customers with an order).")
    columns[2].metric(f"Orders per customer in the {horizon} days after", _number(first["date_orders_per_customer"]))
    left, right = st.columns(2)
    left.plotly_chart(charts.backtest_auc(calibration, backtest_date), key="backtest_auc")
    right.plotly_chart(charts.backtest_orders(calibration, backtest_date), key="backtest_orders")
    st.plotly_chart(charts.calibration_deciles(rows, backtest_date), key="calibration_deciles")
    st.caption("Customers with equal probabilities share a decile, so a decile can be missing (many customers "
               "lost long ago have a probability of exactly 0, all in decile 1).")
    st.dataframe(rows[list(CALIBRATION_COLUMNS)], hide_index=True, key="calibration_table")


def page() -> None:
    st.set_page_config(page_title="RFM lifecycle · Will they come back?", layout="wide")
    binding.require_loopback()
    st.title("Will they come back?")
    path = uploads.selected_database(st.session_state)
    try:
        signature = data.database_signature(path)
        marts = _cached(signature)
    except data.DashboardDataError as error:
        st.error(error.message)
        if error.command:
            st.code(error.command, language="bash")
        return
    as_of = marts.as_of_date
    st.caption((f"As of **{as_of}** · " if as_of else "")
               + f"`{path}` (schema `{marts.schema}`, read-only) · docs/return_probability.md")
    section_curves(marts)
    section_backtest(marts)
