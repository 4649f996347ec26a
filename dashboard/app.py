"""rfm_lifecycle dashboard: `make dashboard` serves it on http://127.0.0.1:8501.

Reads the DuckDB file named by RFM_DUCKDB_PATH (default rfm_lifecycle.duckdb)
read-only; every number comes from a mart table.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ on the path, not the project root.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import binding, charts, data, uploads  # noqa: E402

DEFAULT_CONTACT_DAYS = 14


def money(value: float) -> str:
    return f"{value:,.0f}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


@st.cache_data(show_spinner=False, max_entries=4)
def cached_marts(signature: tuple[str, int, int]) -> data.Marts:
    return data.load_marts(Path(signature[0]))


@st.cache_data(show_spinner=False, max_entries=32)
def cached_contacts(signature: tuple[str, int, int], schema: str, segment: str, days: int) -> pd.DataFrame:
    return data.contact_list(Path(signature[0]), schema, segment, days)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_contacts_due(signature: tuple[str, int, int], schema: str, days: int) -> pd.DataFrame:
    return data.contacts_due_by_segment(Path(signature[0]), schema, days)


def not_built(table: str) -> None:
    st.info(f"`{table}` is not built yet: run `{data.BUILD_COMMAND}` (it builds the lifecycle-over-time marts).")


def show_error(error: data.DashboardDataError, path: Path) -> None:
    st.error(error.message)
    if error.command:
        default = Path(data.DEFAULT_DATABASE)
        command = error.command if path in (default, default.resolve()) else f"RFM_DUCKDB_PATH={path} {error.command}"
        st.markdown("Build it from the project folder, then reload this page:")
        st.code(command, language="bash")


def section_headline(marts: data.Marts) -> None:
    st.header("Headline")
    numbers = data.headline(marts)
    trailing_days = marts.threshold("trailing_revenue_days")
    columns = st.columns(5)
    columns[0].metric("Customers", f"{numbers['customers']:,}", help="All known customers, prospects included.")
    columns[1].metric(
        "Active share", percent(numbers["active_share"]),
        help="New, regular and loyal customers over all customers with an order.",
    )
    columns[2].metric(
        f"Revenue, last {trailing_days:.0f} days" if trailing_days else "Revenue",
        money(numbers["trailing_revenue"]), help="Net revenue in the trailing period (segment_summary).",
    )
    columns[3].metric(
        "Revenue at risk", money(numbers["revenue_at_risk"]),
        help="Trailing-period revenue of the inactive customers.",
    )
    columns[4].metric(
        "Upgrade potential", money(numbers["upgrade_potential"]),
        help="Customers x assumed conversion rate x revenue gap to the target segment, summed.",
    )


def section_segments(marts: data.Marts) -> None:
    st.header("Segments: size and revenue")
    summary = marts.segment_summary
    left, right = st.columns(2)
    left.plotly_chart(charts.segment_bars(summary, "customers", "Customers per segment"), key="segment_customers")
    right.plotly_chart(
        charts.segment_bars(summary, "trailing_revenue", "Trailing revenue per segment"), key="segment_revenue"
    )
    st.dataframe(
        summary[[
            "lifecycle_segment", "customers", "share_of_customers", "revenue", "trailing_revenue",
            "avg_monetary", "avg_recency_days", "revenue_at_risk", "upgrade_target_segment", "upgrade_potential",
        ]],
        hide_index=True, key="segment_table",
    )


def section_rf_matrix(marts: data.Marts) -> None:
    st.header("RF matrix")
    st.caption(
        "Recency (rows, 5 = ordered most recently) against frequency (columns). The solid line separates cells "
        "where active customers (new, regular, loyal) dominate from the rest: it runs diagonally because a "
        "frequent buyer turns inactive sooner. The dashed line marks where lost customers take over."
    )
    if data.learned_thresholds(marts.lifecycle_thresholds):
        st.caption(
            "Learned diagonal (inactivity_mode: probability): the dotted line is the day each order count's "
            "return probability drops below the threshold in force (the learned_days_orders_ rows under "
            "Thresholds in force), drawn at that recency, in each frequency column at the order counts of its "
            "range."
        )
    st.plotly_chart(
        charts.rf_heatmap(marts.rf_matrix, marts.rfm_score_ranges, marts.lifecycle_thresholds), key="rf_matrix"
    )


def section_trends(marts: data.Marts) -> None:
    st.header("Segment trends")
    trends = marts.history.get("segment_trends")
    if trends is None:
        not_built("segment_trends")
        return
    left, right = st.columns(2)
    left.plotly_chart(charts.segment_trend_area(trends), key="trend_customers")
    right.plotly_chart(charts.segment_trend_revenue(trends), key="trend_revenue")
    per_period = (
        trends.groupby("period_end_date", as_index=False)[["reactivated_customers", "reactivated_revenue"]]
        .sum()
        .sort_values("period_end_date")
    )
    st.dataframe(per_period, hide_index=True, key="trend_reactivations")


def section_migration(marts: data.Marts) -> None:
    st.header("Migration between two periods")
    if "segment_transitions" not in marts.tables and "segment_history" not in marts.tables:
        not_built("segment_transitions")
        return
    periods = marts.history_periods
    if len(periods) < 2:
        st.info("Migration needs at least two period ends; the history holds " f"{len(periods)}.")
        return
    from_date, to_date = st.select_slider(
        "Compare the segments at these two period ends",
        options=periods, value=(periods[-2], periods[-1]), key="migration_periods",
    )
    if from_date == to_date:
        st.info("Pick two different period ends.")
        return
    try:
        transitions, source = data.transitions_between(marts, from_date, to_date)
    except data.DashboardDataError as error:
        st.info(error.message)
        return
    st.plotly_chart(charts.migration_sankey(transitions, from_date, to_date), key="migration_sankey")
    st.caption(f"From `{source}`. Customers: {int(transitions['customers'].sum()):,}.")
    st.dataframe(transitions, hide_index=True, key="migration_table")


def section_repeat_curve(marts: data.Marts) -> None:
    st.header("Repeat-purchase curve")
    curve = marts.history.get("repeat_purchase_curve")
    if curve is None:
        not_built("repeat_purchase_curve")
        return
    new_customer_days = marts.threshold("new_customer_days")
    knee = data.repeat_curve_knee_day(marts)
    st.caption(
        "How many first-order customers placed a second order, by days since their first order. The welcome "
        "programme has to land before the new-customer threshold: after it the customer counts as one-time."
    )
    st.plotly_chart(charts.repeat_curve(curve, new_customer_days, knee), key="repeat_curve")


def section_thresholds(marts: data.Marts) -> None:
    st.header("Thresholds in force")
    st.dataframe(
        marts.lifecycle_thresholds[[
            "threshold_name", "threshold_value", "value_unit", "set_by", "sample_size", "configured_value",
            "rule_description",
        ]],
        hide_index=True, key="thresholds_table",
    )
    st.subheader("What each score means")
    st.dataframe(marts.rfm_score_ranges, hide_index=True, key="score_ranges_table")


def section_actions(marts: data.Marts, signature: tuple[str, int, int]) -> None:
    st.header("Action paths and customers to contact now")
    days = int(st.number_input(
        "Contact customers whose next transition is within this many days of the as-of date",
        min_value=1, max_value=3650, value=DEFAULT_CONTACT_DAYS, step=1, key="contact_days",
    ))
    due = cached_contacts_due(signature, marts.schema, days)
    summary = marts.segment_summary.merge(due, on="lifecycle_segment", how="left").fillna({"customers_due": 0})
    st.dataframe(
        summary[["lifecycle_segment", "action_phase", "action_goal", "customers", "customers_due"]]
        .astype({"customers_due": "int64"}),
        hide_index=True, key="actions_overview",
    )
    segments = summary["lifecycle_segment"].tolist()
    segment = st.selectbox(
        "Segment", segments, index=segments.index("new") if "new" in segments else 0, key="contact_segment",
    )
    path = summary[summary["lifecycle_segment"] == segment].iloc[0]
    st.markdown(
        f"**{segment}** · phase *{path['action_phase']}* · goal: {path['action_goal']}  \n"
        f"**Action:** {path['action_description']}  \n"
        f"**Channel:** {path['action_channel']} · **When:** {path['action_trigger']}"
    )
    contacts = cached_contacts(signature, marts.schema, segment, days)
    st.metric(f"Customers to contact ({segment}, next {days} days)", f"{len(contacts):,}")
    if contacts.empty:
        st.caption("No customer of this segment changes segment within that window.")
    st.dataframe(contacts, hide_index=True, key="contacts_table")
    st.download_button(
        "Download as CSV",
        data=data.contacts_csv(contacts),
        file_name=f"contact_{segment}_{marts.as_of_date}_{days}d.csv",
        mime="text/csv",
        key="contacts_download",
    )


def main() -> None:
    st.set_page_config(page_title="RFM lifecycle", layout="wide")
    binding.require_loopback()
    st.title("RFM lifecycle")
    path = uploads.selected_database(st.session_state)
    if st.session_state.get(uploads.SESSION_KEY) and st.sidebar.button("Back to the demo data", key="demo_data"):
        del st.session_state[uploads.SESSION_KEY]
        st.rerun()
    try:
        signature = data.database_signature(path)
        marts = cached_marts(signature)
    except data.DashboardDataError as error:
        show_error(error, path)
        return
    st.caption(f"As of **{marts.as_of_date}** · `{path}` (schema `{marts.schema}`, read-only)")
    if marts.missing_history:
        st.caption(
            "Not built yet: " + ", ".join(f"`{table}`" for table in marts.missing_history)
            + f" — run `{data.BUILD_COMMAND}`."
        )
    section_headline(marts)
    section_segments(marts)
    section_rf_matrix(marts)
    section_trends(marts)
    section_migration(marts)
    section_repeat_curve(marts)
    section_thresholds(marts)
    try:
        section_actions(marts, signature)
    except data.DashboardDataError as error:
        show_error(error, path)


main()
