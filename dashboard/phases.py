"""The Acquisition, Development and Retention pages (dashboard/pages/), beside the overview in app.py.

Every number comes from a mart: customer_cohorts, new_customer_repeat_shares,
lifecycle_phases, and customer_segments for the customers to contact. The
figures are built here from those frames only; the pages are one call each.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import binding, data, uploads

PHASE_TABLES = ("customer_cohorts", "new_customer_repeat_shares", "lifecycle_phases")
# Which action-path phases (seeds/segment_action_paths.csv) each page covers, as lifecycle_phases counts them.
PHASE_ACTIONS = {
    "Acquisition": ("acquisition", "welcome"),
    "Development": ("development",),
    "Retention": ("retention", "renewal"),
}
CONTACT_COLUMNS = (
    "customer_id", "lifecycle_segment", "next_segment_if_no_order", "next_transition_date",
    "days_until_transition", "recency_days", "lifetime_orders", "lifetime_revenue", "action_phase",
    "action_goal", "action_description", "action_channel", "action_trigger", "as_of_date",
)
DEFAULT_CONTACT_DAYS = 14


@dataclass
class PhaseMarts:
    path: Path
    schema: str
    cohorts: pd.DataFrame | None
    repeat_shares: pd.DataFrame | None
    phases: pd.DataFrame | None

    @property
    def missing(self) -> list[str]:
        frames = {"customer_cohorts": self.cohorts, "new_customer_repeat_shares": self.repeat_shares,
                  "lifecycle_phases": self.phases}
        return [name for name, frame in frames.items() if frame is None]


def load_phase_marts(path: Path) -> PhaseMarts:
    with data.open_database(path) as connection:
        schema = data.find_schema(connection)
        tables = data._tables(connection, schema)

        def read(table: str, order_by: str) -> pd.DataFrame | None:
            if table not in tables:
                return None
            return data._frame(connection, f"select * from {data._quoted(schema, table)} order by {order_by}")

        return PhaseMarts(
            path=path,
            schema=schema,
            cohorts=read("customer_cohorts", "cohort_start_date, period_number"),
            repeat_shares=read("new_customer_repeat_shares", "is_overall, cohort_start_date"),
            phases=read("lifecycle_phases", "period_end_date"),
        )


def phase_contacts(path: Path, schema: str, phase: str, within_days: int) -> pd.DataFrame:
    """Customers of the phase's segments whose next transition is within `within_days`, with their action path."""
    actions = PHASE_ACTIONS[phase]
    with data.open_database(path) as connection:
        return data._frame(
            connection,
            f"select {', '.join(CONTACT_COLUMNS)} from {data._quoted(schema, 'customer_segments')} "
            f"where action_phase in ({', '.join('?' for _ in actions)}) and days_until_transition <= ? "
            "order by next_transition_date, lifecycle_segment, customer_id",
            [*actions, int(within_days)],
        )


# --- figures -----------------------------------------------------------------

def _layout(figure: go.Figure, title: str, height: int = 420) -> go.Figure:
    figure.update_layout(title=title, height=height, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return figure


def _cohort_label(cohort_start, grain: str) -> str:
    if grain == "month":
        return cohort_start.strftime("%Y-%m")
    if grain == "quarter":
        return f"{cohort_start.year}-Q{(cohort_start.month - 1) // 3 + 1}"
    return cohort_start.isoformat()


def cohort_triangle(cohorts: pd.DataFrame, value: str, title: str, text_format: str) -> go.Figure:
    """Cohorts (rows, oldest on top) by periods since acquisition; cells the as-of date cuts short carry '*'."""
    grain = cohorts["cohort_grain"].iloc[0]
    labels = [_cohort_label(day, grain) for day in sorted(cohorts["cohort_start_date"].unique())]
    frame = cohorts.assign(cohort=[_cohort_label(day, grain) for day in cohorts["cohort_start_date"]])
    grid = frame.pivot(index="cohort", columns="period_number", values=value).reindex(index=labels)
    complete = frame.pivot(index="cohort", columns="period_number", values="is_complete").reindex(index=labels)
    text = [
        ["" if pd.isna(cell) else text_format.format(float(cell)) + ("" if done is True else "*")
         for cell, done in zip(row, flags)]
        for row, flags in zip(grid.to_numpy(), complete.to_numpy())
    ]
    figure = go.Figure(go.Heatmap(
        z=[[None if pd.isna(cell) else float(cell) for cell in row] for row in grid.to_numpy()],
        x=[int(column) for column in grid.columns], y=labels, text=text, texttemplate="%{text}",
        colorscale="Blues", hoverongaps=False, name=value,
    ))
    figure.update_yaxes(autorange="reversed", title="cohort", type="category")
    figure.update_xaxes(title=f"{grain}s since acquisition")
    return _layout(figure, title, height=max(420, 22 * len(labels) + 120))


def value_curves(cohorts: pd.DataFrame) -> go.Figure:
    """Cumulative net revenue per acquired customer, one line per cohort, complete periods only."""
    grain = cohorts["cohort_grain"].iloc[0]
    figure = go.Figure()
    for cohort_start, cells in cohorts[cohorts["is_complete"]].groupby("cohort_start_date"):
        figure.add_trace(go.Scatter(
            x=cells["period_number"].astype(int).tolist(),
            y=cells["cumulative_net_revenue_per_customer"].astype(float).tolist(),
            mode="lines", name=_cohort_label(cohort_start, grain),
        ))
    figure.update_xaxes(title=f"{grain}s since acquisition")
    figure.update_yaxes(title="cumulative net revenue per customer")
    return _layout(figure, "Value per acquired customer, by cohort (complete periods)")


def repeat_share_by_cohort(shares: pd.DataFrame) -> go.Figure:
    cohorts = shares[~shares["is_overall"]]
    overall = shares[shares["is_overall"]].iloc[0]
    grain = cohorts["cohort_grain"].iloc[0] if len(cohorts) else "month"
    labels = [_cohort_label(day, grain) for day in cohorts["cohort_start_date"]]
    window = int(overall["new_customer_days"])
    figure = go.Figure()
    figure.add_trace(go.Bar(
        x=labels, y=[None if pd.isna(v) else float(v) for v in cohorts["repeat_within_window_share"]],
        name=f"second order within {window} days", marker_color="#1e88e5",
    ))
    figure.add_trace(go.Scatter(
        x=labels, y=cohorts["repeat_ever_share"].astype(float).tolist(), mode="lines+markers",
        name="second order so far", line={"color": "#2e7d32"},
    ))
    if not pd.isna(overall["repeat_within_window_share"]):
        figure.add_hline(y=float(overall["repeat_within_window_share"]), line_dash="dash", line_color="#c62828",
                         annotation_text="all closed cohorts, within the window")
    figure.update_yaxes(tickformat=".0%", title="share of the cohort's new customers")
    figure.update_xaxes(type="category")
    return _layout(figure, f"New-customer repeat share by cohort (window: new_customer_days = {window})")


def phase_lines(phases: pd.DataFrame, columns: dict[str, str], title: str) -> go.Figure:
    figure = go.Figure()
    for column, label in columns.items():
        figure.add_trace(go.Scatter(
            x=phases["period_end_date"].tolist(), y=phases[column].astype(float).tolist(),
            mode="lines+markers", name=label,
        ))
    return _layout(figure, title)


def phase_bars(phases: pd.DataFrame, columns: dict[str, str], title: str) -> go.Figure:
    figure = go.Figure()
    for column, label in columns.items():
        figure.add_trace(go.Bar(x=phases["period_end_date"].tolist(), y=phases[column].astype(float).tolist(),
                                name=label))
    figure.update_layout(barmode="group")
    return _layout(figure, title)


# --- pages -------------------------------------------------------------------

def _percent(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value) * 100:.1f}%"


def _money(value) -> str:
    return f"{float(value):,.0f}"


@st.cache_data(show_spinner=False, max_entries=4)
def _cached(signature: tuple[str, int, int]) -> PhaseMarts:
    return load_phase_marts(Path(signature[0]))


def _start(phase: str) -> tuple[PhaseMarts, tuple[str, int, int]] | None:
    st.set_page_config(page_title=f"RFM lifecycle · {phase}", layout="wide")
    binding.require_loopback()
    st.title(phase)
    path = uploads.selected_database(st.session_state)
    try:
        signature = data.database_signature(path)
        marts = _cached(signature)
    except data.DashboardDataError as error:
        st.error(error.message)
        if error.command:
            st.code(error.command, language="bash")
        return None
    if marts.missing:
        st.info("Not built yet: " + ", ".join(f"`{table}`" for table in marts.missing)
                + f": run `{data.BUILD_COMMAND}`.")
        return None
    if marts.phases.empty or marts.cohorts.empty or marts.repeat_shares.empty:
        st.info("No customer with an order yet: nothing to show on this page.")
        return None
    last = marts.phases.iloc[-1]
    as_of = marts.cohorts["as_of_date"].iloc[0]
    st.caption(f"As of **{as_of}** · `{path}` · last period {last['period_start_date']} to {last['period_end_date']}")
    return marts, signature


def _contacts(marts: PhaseMarts, phase: str) -> None:
    st.header(f"Customers to contact: {phase.lower()}")
    days = int(st.number_input(
        "Customers whose next transition is within this many days of the as-of date",
        min_value=1, max_value=3650, value=DEFAULT_CONTACT_DAYS, step=1, key=f"{phase}_contact_days",
    ))
    contacts = phase_contacts(marts.path, marts.schema, phase, days)
    st.metric(f"Customers to contact ({phase.lower()}, next {days} days)", f"{len(contacts):,}")
    paths = contacts.drop_duplicates("lifecycle_segment")[
        ["lifecycle_segment", "action_goal", "action_description", "action_channel", "action_trigger"]]
    st.dataframe(paths, hide_index=True, key=f"{phase}_paths")
    st.dataframe(contacts, hide_index=True, key=f"{phase}_contacts")
    st.download_button("Download as CSV", data=data.contacts_csv(contacts),
                       file_name=f"contact_{phase.lower()}_{days}d.csv", mime="text/csv", key=f"{phase}_download")


def acquisition_page() -> None:
    started = _start("Acquisition")
    if started is None:
        return
    marts, _ = started
    shares, phases = marts.repeat_shares, marts.phases
    overall = shares[shares["is_overall"]].iloc[0]
    last = phases.iloc[-1]
    columns = st.columns(4)
    columns[0].metric(
        f"New customers with a second order within {int(overall['new_customer_days'])} days",
        _percent(overall["repeat_within_window_share"]),
        help="All cohorts whose new-customer window has closed (new_customer_repeat_shares, overall row).",
    )
    columns[1].metric("… with a second order so far", _percent(overall["repeat_ever_share"]))
    columns[2].metric("New customers, last period", f"{int(last['new_customers']):,}")
    columns[3].metric("First-order revenue, last period", _money(last["first_order_revenue"]))
    st.caption(f"Counted on {int(overall['cohorts'])} cohorts ({int(overall['cohort_customers']):,} customers) "
               f"old enough to have seen the whole window; new_customer_days set by "
               f"{overall['new_customer_days_set_by']}.")
    st.plotly_chart(repeat_share_by_cohort(shares), key="acquisition_repeat_share")
    st.plotly_chart(phase_bars(phases, {"new_customers": "new customers", "prospects_converted": "prospects converted"},
                               "New customers per period"), key="acquisition_new_customers")
    st.dataframe(shares, hide_index=True, key="acquisition_shares")
    _contacts(marts, "Acquisition")


def development_page() -> None:
    started = _start("Development")
    if started is None:
        return
    marts, _ = started
    cohorts, phases = marts.cohorts, marts.phases
    last = phases.iloc[-1]
    columns = st.columns(4)
    columns[0].metric("New → regular, last period", f"{int(last['new_to_regular']):,}")
    columns[1].metric("Regular → loyal, last period", f"{int(last['regular_to_loyal']):,}")
    columns[2].metric("Second orders, last period", f"{int(last['second_orders']):,}")
    columns[3].metric("Upgrade revenue realised, last period", _money(last["upgrade_revenue_realised"]))
    st.caption("Cohort cells marked * are cut short by the as-of date: not comparable with whole periods.")
    st.plotly_chart(cohort_triangle(cohorts, "repeat_share", "Cohort triangle: share with a second order so far",
                                    "{:.0%}"), key="development_triangle_repeat")
    st.plotly_chart(cohort_triangle(cohorts, "cumulative_net_revenue_per_customer",
                                    "Cohort triangle: cumulative net revenue per acquired customer", "{:,.0f}"),
                    key="development_triangle_value")
    st.plotly_chart(value_curves(cohorts), key="development_value_curves")
    st.plotly_chart(phase_lines(phases, {
        "new_to_regular": "new → regular", "one_time_to_regular": "one-time → regular",
        "regular_to_loyal": "regular → loyal", "second_orders": "second orders", "third_orders": "third orders",
    }, "Upgrades and repeat orders per period"), key="development_upgrades")
    _contacts(marts, "Development")


def retention_page() -> None:
    started = _start("Retention")
    if started is None:
        return
    marts, _ = started
    phases = marts.phases
    last = phases.iloc[-1]
    columns = st.columns(4)
    columns[0].metric("Repeat customers kept, last period", f"{int(last['repeat_customers_kept']):,}")
    columns[1].metric("Reactivated, last period", f"{int(last['reactivated_customers']):,}")
    columns[2].metric("Revenue at risk, start of last period", _money(last["revenue_at_risk_at_start"]))
    columns[3].metric("… of it came back", _money(last["revenue_at_risk_recovered"]))
    st.plotly_chart(phase_lines(phases, {
        "turned_inactive": "turned inactive", "reactivated_customers": "reactivated", "turned_lost": "turned lost",
    }, "Inactive, reactivated and lost per period"), key="retention_moves")
    st.plotly_chart(phase_bars(phases, {
        "revenue_at_risk_at_start": "revenue at risk at the start", "revenue_at_risk_recovered": "of it came back",
    }, "Revenue at risk and what came back"), key="retention_at_risk")
    st.dataframe(phases, hide_index=True, key="retention_phases")
    _contacts(marts, "Retention")
