"""The Acquisition, Development and Retention pages (Streamlit AppTest, no browser).

Each expectation is computed here with its own SQL on the same database, not
with the dashboard's code, so a wrong query or a wrong chart mapping fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard_paths import plotly_figures, run_script

PAGES = Path(__file__).resolve().parents[3] / "dashboard" / "pages"


def run_page(name: str, database: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return run_script(PAGES / f"{name}.py", database, monkeypatch)


figures = plotly_figures


def metric(app: AppTest, label: str) -> str:
    matches = [item.value for item in app.metric if item.label == label]
    assert len(matches) == 1, f"one metric labelled {label!r}: {[item.label for item in app.metric]}"
    return matches[0]


def percent(value) -> str:
    return f"{float(value) * 100:.1f}%"


def test_acquisition_page(dashboard_database, monkeypatch, sql):
    app = run_page("1_Acquisition", dashboard_database, monkeypatch)
    window, within, ever, cohorts = sql(
        "select new_customer_days, repeat_within_window_share, repeat_ever_share, cohorts "
        "from new_customer_repeat_shares where is_overall"
    )[0]
    assert metric(app, f"New customers with a second order within {window} days") == percent(within)
    assert metric(app, "… with a second order so far") == percent(ever)
    new_customers, revenue = sql(
        "select new_customers, first_order_revenue from lifecycle_phases order by period_end_date desc limit 1")[0]
    assert metric(app, "New customers, last period") == f"{new_customers:,}"
    assert metric(app, "First-order revenue, last period") == f"{float(revenue):,.0f}"
    shares = figures(app)["acquisition_repeat_share"]
    bars = shares["data"][0]["y"]
    expected = [None if share is None else float(share) for (share,) in sql(
        "select repeat_within_window_share from new_customer_repeat_shares where not is_overall "
        "order by cohort_start_date")]
    assert bars == expected
    assert sum(value is not None for value in bars) == cohorts  # only closed windows have a bar
    due = sql("select count(*) from customer_segments where action_phase in ('acquisition', 'welcome') "
              "and days_until_transition <= 14")[0][0]
    assert metric(app, "Customers to contact (acquisition, next 14 days)") == f"{due:,}"


def test_development_page_triangle_and_curves(dashboard_database, monkeypatch, sql):
    app = run_page("2_Development", dashboard_database, monkeypatch)
    charts = figures(app)
    triangle = charts["development_triangle_repeat"]["data"][0]
    cells = sql("select cohort_start_date, period_number, repeat_share, is_complete from customer_cohorts "
                "order by cohort_start_date, period_number")
    cohorts = sorted({row[0] for row in cells})
    assert len(triangle["y"]) == len(cohorts)
    first_cohort = [row for row in cells if row[0] == cohorts[0]]
    assert triangle["z"][0] == [float(row[2]) for row in first_cohort]
    # The newest cohort has one cell; the as-of date cuts it short unless it is the period's last day.
    last_cohort = [row for row in cells if row[0] == cohorts[-1]]
    assert [value for value in triangle["z"][-1] if value is not None] == [float(row[2]) for row in last_cohort]
    marked = sum(text.endswith("*") for row in triangle["text"] for text in row)
    assert marked == sum(not row[3] for row in cells)
    curves = charts["development_value_curves"]["data"]
    complete = sql("select count(distinct cohort_start_date) from customer_cohorts where is_complete")[0][0]
    assert len(curves) == complete
    per_customer = [float(value) for (value,) in sql(
        "select cumulative_net_revenue_per_customer from customer_cohorts "
        "where is_complete and cohort_start_date = ? order by period_number", [cohorts[0]])]
    assert curves[0]["y"] == per_customer
    upgrades = sql(
        "select new_to_regular, regular_to_loyal from lifecycle_phases order by period_end_date desc limit 1")
    assert metric(app, "New → regular, last period") == f"{upgrades[0][0]:,}"
    assert metric(app, "Regular → loyal, last period") == f"{upgrades[0][1]:,}"


def test_retention_page(dashboard_database, monkeypatch, sql):
    app = run_page("3_Retention", dashboard_database, monkeypatch)
    kept, reactivated, at_risk, recovered = sql(
        "select repeat_customers_kept, reactivated_customers, revenue_at_risk_at_start, revenue_at_risk_recovered "
        "from lifecycle_phases order by period_end_date desc limit 1")[0]
    assert metric(app, "Repeat customers kept, last period") == f"{kept:,}"
    assert metric(app, "Reactivated, last period") == f"{reactivated:,}"
    assert metric(app, "Revenue at risk, start of last period") == f"{float(at_risk):,.0f}"
    assert metric(app, "… of it came back") == f"{float(recovered):,.0f}"
    lines = {trace["name"]: trace["y"] for trace in figures(app)["retention_moves"]["data"]}
    assert lines["reactivated"] == [float(value) for (value,) in sql(
        "select sum(reactivated_customers) from segment_trends group by period_end_date order by period_end_date")]
    due = sql("select count(*) from customer_segments where action_phase in ('retention', 'renewal') "
              "and days_until_transition <= 14")[0][0]
    assert metric(app, "Customers to contact (retention, next 14 days)") == f"{due:,}"


def test_phase_pages_without_the_cohort_marts_give_a_note(database_without_history, monkeypatch, tmp_path):
    import shutil

    import duckdb

    path = tmp_path / "older.duckdb"
    shutil.copyfile(database_without_history, path)
    with duckdb.connect(str(path)) as connection:
        for table in ("customer_cohorts", "new_customer_repeat_shares", "lifecycle_phases"):
            connection.execute(f"drop table if exists {table}")
    app = run_page("1_Acquisition", path, monkeypatch)
    assert any("Not built yet" in item.value for item in app.info)
