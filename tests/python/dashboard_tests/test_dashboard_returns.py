"""The page "Will they come back?" (Streamlit AppTest, no browser): the return curves and the back-test.

Each expectation is computed here with its own SQL on the same database, not
with the dashboard's code, so a wrong query or a wrong chart mapping fails.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.data import backtest_sentence
from dashboard_paths import plotly_figures, run_script

PAGE = Path(__file__).resolve().parents[3] / "dashboard" / "pages" / "5_Will_they_come_back.py"
SEGMENT_ORDER = ("prospect", "new", "one_time", "regular", "loyal", "inactive", "lost")
FIGURES = {"return_curves", "backtest_shares", "backtest_auc", "backtest_orders", "calibration_deciles"}
HEADERS = ["Return curves: the diagonal, learned", "Did it come true? The back-test"]


def run_page(database: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return run_script(PAGE, database, monkeypatch)


figures = plotly_figures


def metric(app: AppTest, label: str) -> str:
    matches = [item.value for item in app.metric if item.label == label]
    assert len(matches) == 1, f"one metric labelled {label!r}: {[item.label for item in app.metric]}"
    return matches[0]


def segment_rows(sql, backtest_date: dt.date) -> list[tuple]:
    rows = sql("select lifecycle_segment, customers, ordered_share, predicted_share, return_horizon_days "
               "from lifecycle_backtest where backtest_date = ?", [backtest_date])
    return sorted(rows, key=lambda row: SEGMENT_ORDER.index(row[0]))


def expected_sentence(sql, backtest_date: dt.date) -> str:
    shares = {row[0]: float(row[2]) for row in segment_rows(sql, backtest_date)}
    horizon = segment_rows(sql, backtest_date)[0][4]
    return (f"Of the customers we called inactive on {backtest_date}, {shares['inactive'] * 100:.0f}% came back "
            f"within {horizon} days; of the regular ones, {shares['regular'] * 100:.0f}%; "
            f"of the loyal ones, {shares['loyal'] * 100:.0f}%.")


def assert_backtest_shown(app: AppTest, sql, backtest_date: dt.date) -> None:
    assert app.selectbox(key="backtest_date").value == backtest_date
    assert any(expected_sentence(sql, backtest_date) in markdown.value for markdown in app.markdown)
    rows = segment_rows(sql, backtest_date)
    bars = {trace["name"]: trace for trace in figures(app)["backtest_shares"]["data"]}
    assert bars["ordered (observed)"]["x"] == [row[0] for row in rows]
    assert bars["ordered (observed)"]["y"] == pytest.approx([float(row[2]) for row in rows])
    assert bars["predicted"]["y"] == [None if row[3] is None else pytest.approx(float(row[3])) for row in rows]
    table = next(frame.value for frame in app.dataframe if "customers_ordered" in frame.value.columns)
    assert table["lifecycle_segment"].tolist() == [row[0] for row in rows]
    assert table["customers"].tolist() == [row[1] for row in rows]
    assert table["customers"].sum() == sql(
        "select count(*) from segment_history where period_end_date = ?", [backtest_date])[0][0]

    deciles = sql("select decile, predicted_share, ordered_share from return_probability_calibration "
                  "where backtest_date = ? order by decile", [backtest_date])
    calibration = {trace["name"]: trace for trace in figures(app)["calibration_deciles"]["data"]}
    assert calibration["predicted"]["x"] == [str(row[0]) for row in deciles]
    assert calibration["predicted"]["y"] == pytest.approx([float(row[1]) for row in deciles])
    assert calibration["ordered (observed)"]["y"] == pytest.approx([float(row[2]) for row in deciles])
    auc, expected_orders, orders = sql(
        "select distinct date_auc, date_expected_orders_per_customer, date_orders_per_customer "
        "from return_probability_calibration where backtest_date = ?", [backtest_date])[0]
    assert metric(app, f"AUC on {backtest_date}") == f"{float(auc):.3f}"
    assert metric(app, "Expected orders per customer") == f"{float(expected_orders):.2f}"
    assert metric(app, f"Orders per customer in the {rows[0][4]} days after") == f"{float(orders):.2f}"


@pytest.fixture()
def app(dashboard_database: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return run_page(dashboard_database, monkeypatch)


def test_page_renders_the_curves_and_the_latest_backtest(app, sql):
    assert [header.value for header in app.header] == HEADERS
    assert not app.info and not app.error, [item.value for item in (*app.info, *app.error)]
    assert set(figures(app)) == FIGURES

    curves = figures(app)["return_curves"]["data"]
    groups = sql("select distinct order_count_group, order_count_label from return_curves order by 1")
    assert [trace["name"] for trace in curves] == [f"{label} orders" for _, label in groups]
    for trace, (group, _) in zip(curves, groups):
        points = sql("select days_since_last_order, return_probability from return_curves "
                     "where order_count_group = ? and return_probability is not null "
                     "order by days_since_last_order", [group])
        assert trace["x"] == [row[0] for row in points]
        assert trace["y"] == pytest.approx([float(row[1]) for row in points])
    # The diagonal: the more orders, the higher the chance right after an order.
    starts = [trace["y"][0] for trace in curves]
    assert starts == sorted(starts)

    dates = [row[0] for row in sql("select distinct backtest_date from lifecycle_backtest order by 1")]
    assert app.selectbox(key="backtest_date").options == [str(day) for day in dates]
    assert_backtest_shown(app, sql, dates[-1])
    auc = figures(app)["backtest_auc"]["data"][0]
    per_date = sql("select distinct backtest_date, date_auc, date_orders_per_customer "
                   "from return_probability_calibration order by 1")
    assert auc["x"] == [str(row[0]) for row in per_date]
    assert auc["y"] == pytest.approx([float(row[1]) for row in per_date])
    orders = {trace["name"]: trace for trace in figures(app)["backtest_orders"]["data"]}
    assert orders["orders that followed (observed)"]["y"] == pytest.approx([float(row[2]) for row in per_date])


def test_choosing_another_backtest_date(app, sql):
    first = sql("select min(backtest_date) from lifecycle_backtest")[0][0]
    app.selectbox(key="backtest_date").set_value(first).run()
    assert not app.exception
    assert_backtest_shown(app, sql, first)


def copy_of(database: Path, tmp_path: Path, *statements: str) -> Path:
    path = tmp_path / "changed.duckdb"
    shutil.copyfile(database, path)
    with duckdb.connect(str(path)) as connection:
        for statement in statements:
            connection.execute(statement)
    return path


def test_a_database_built_before_these_marts_gets_notes(built_demo_database, tmp_path, monkeypatch):
    older = copy_of(built_demo_database, tmp_path, "drop table return_curves", "drop table lifecycle_backtest",
                    "drop table return_probability_calibration")
    app = run_page(older, monkeypatch)
    assert [header.value for header in app.header] == HEADERS
    notes = [info.value for info in app.info]
    for table in ("return_curves", "lifecycle_backtest", "return_probability_calibration"):
        assert any(f"`{table}` is not built yet" in note and "make run" in note for note in notes), notes
    assert not figures(app) and not app.error and not app.selectbox


def test_no_backtest_date_yet_explains_why(built_demo_database, tmp_path, monkeypatch):
    short = copy_of(built_demo_database, tmp_path, "delete from lifecycle_backtest",
                    "delete from return_probability_calibration")
    app = run_page(short, monkeypatch)
    assert set(figures(app)) == {"return_curves"}
    assert not app.selectbox and not app.error
    [note] = [info.value for info in app.info]
    assert "No back-test date yet" in note and "(90 days)" in note


def test_no_database_gives_the_command(tmp_path, monkeypatch):
    missing = tmp_path / "not_built.duckdb"
    app = run_page(missing, monkeypatch)
    assert str(missing) in app.error[0].value
    assert [code.value for code in app.code] == ["make run"]
    assert not missing.exists()


def test_the_sentence_names_only_the_segments_the_date_holds():
    rows = pd.DataFrame({"lifecycle_segment": ["new", "regular", "lost"], "customers": [10, 4, 0],
                         "ordered_share": [0.25, 0.5, None]})
    assert backtest_sentence(rows, dt.date(2024, 12, 31), 90) == (
        "Of the customers we called regular on 2024-12-31, 50% came back within 90 days.")
    rows = pd.DataFrame({"lifecycle_segment": ["one_time", "prospect"], "customers": [3, 5],
                         "ordered_share": [1 / 3, 0.2]})
    assert backtest_sentence(rows, dt.date(2024, 12, 31), 30) == (
        "Of the customers we called one-time on 2024-12-31, 33% came back within 30 days.")
    assert backtest_sentence(rows.iloc[0:0], dt.date(2024, 12, 31), 30) is None


def test_a_date_without_an_auc_or_without_calibration_rows(built_demo_database, tmp_path, monkeypatch):
    """Everyone or no one ordered: the AUC is empty (shown as –); no customer with an order: a note."""
    with duckdb.connect(str(built_demo_database), read_only=True) as connection:
        first, last = connection.execute(
            "select min(backtest_date), max(backtest_date) from lifecycle_backtest").fetchone()
    changed = copy_of(built_demo_database, tmp_path,
                      f"update return_probability_calibration set date_auc = null where backtest_date = '{first}'",
                      f"delete from return_probability_calibration where backtest_date = '{last}'")
    app = run_page(changed, monkeypatch)
    assert [info.value for info in app.info] == [f"No customer with an order on {last}: nothing to rank or calibrate."]
    assert set(figures(app)) == {"return_curves", "backtest_shares"}
    app.selectbox(key="backtest_date").set_value(first).run()
    assert not app.exception and not app.info
    assert metric(app, f"AUC on {first}") == "–"
    assert figures(app)["backtest_auc"]["data"][0]["y"][0] is None


def test_the_as_of_date_is_shown(app, sql):
    as_of = sql("select max(as_of_date) from return_curves")[0][0]
    assert any(f"As of **{as_of}**" in caption.value for caption in app.caption)
