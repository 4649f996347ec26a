"""The RF matrix draws the learned diagonal of inactivity_mode probability (Streamlit AppTest, no browser).

The demo build gets learned_days_orders_<group> rows in lifecycle_thresholds (what a
probability-mode build writes); the dotted line must sit, in each frequency column
and for each order count of the column's range, at the recency height of that count's
learned days, computed here with SQL from rfm_score_ranges. Without those rows there is
no such line.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from dashboard_paths import APP, plotly_figures, run_script
from history_fixture import add_missing_history_tables

LEARNED = {"1": 45, "2": 125, "3": 121, "4": 137, "5+": 113}


def build_copy(source: Path, target: Path, learned: dict[str, int]) -> Path:
    shutil.copyfile(source, target)
    with duckdb.connect(str(target)) as connection:
        add_missing_history_tables(connection)
        connection.execute("delete from lifecycle_thresholds where threshold_name like 'learned_days_orders_%'")
        for label, days in learned.items():
            connection.execute(
                "insert into lifecycle_thresholds select ?, ?, 'days', 'probability', 100, '0.25', 'learned', "
                "max(as_of_date) from lifecycle_thresholds",
                [f"learned_days_orders_{label}", days],
            )
    return target


def rf_figure(database: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    return plotly_figures(run_script(APP, database, monkeypatch))["rf_matrix"]


def expected_height(connection: duckdb.DuckDBPyConnection, days: int) -> float:
    """The recency cell holding `days` (score s spans s - 0.5 .. s + 0.5, fewer days higher up), cut in
    proportion to its whole days up to `days`; a border when `days` falls between two cells' ranges."""
    inside = connection.execute(
        "select score, min_value, max_value from rfm_score_ranges "
        "where measure = 'recency_days' and ? between min_value and max_value", [days]).fetchall()
    if inside:
        score, low, high = inside[0]
        return score + 0.5 - (days - float(low) + 1) / (float(high) - float(low) + 1)
    below = connection.execute(
        "select max(score) from rfm_score_ranges where measure = 'recency_days' and max_value < ?", [days]
    ).fetchone()[0]
    return below - 0.5


def test_rf_matrix_draws_the_learned_diagonal(built_demo_database, tmp_path, monkeypatch):
    database = build_copy(built_demo_database, tmp_path / "rfm_lifecycle.duckdb", LEARNED)
    figure = rf_figure(database, monkeypatch)
    lines = [trace for trace in figure["data"] if trace["type"] == "scatter"
             and trace["name"].startswith("learned diagonal")]
    assert len(lines) == 1, [trace.get("name") for trace in figure["data"]]
    assert lines[0]["name"] == "learned diagonal: return probability below 0.25"
    points = [(x, y) for x, y in zip(lines[0]["x"], lines[0]["y"]) if x is not None]

    days = {int(label.rstrip("+")): value for label, value in LEARNED.items()}
    with duckdb.connect(str(database), read_only=True) as connection:
        heights = {group: expected_height(connection, value) for group, value in days.items()}
        columns = connection.execute(
            "select score, min_value, max_value from rfm_score_ranges where measure = 'frequency' order by score"
        ).fetchall()
    drawn = 0
    for f_score, low, high in columns:
        counts = list(range(max(int(low), 1), int(high) + 1))
        for index, count in enumerate(counts):
            # The middle of each order count's slice of the column lies on the line at its group's height.
            x = f_score - 0.5 + (index + 0.5) / len(counts)
            y = next((y_left for (left, y_left), (right, y_right) in zip(points, points[1:])
                      if y_left == y_right and left <= x <= right), None)
            assert y is not None, (f_score, count)
            assert y == pytest.approx(heights[min(count, max(days))]), (f_score, count)
            drawn += 1
    assert drawn >= 3, "the demo's frequency columns cover several order counts"
    # The group with the fewest learned days sits highest: one order (45 days) above 5+ (113 days).
    assert heights[1] > heights[5]


def test_no_learned_rows_no_learned_diagonal(built_demo_database, tmp_path, monkeypatch):
    database = build_copy(built_demo_database, tmp_path / "rfm_lifecycle.duckdb", {})
    figure = rf_figure(database, monkeypatch)
    names = [trace.get("name", "") for trace in figure["data"]]
    assert not any(name.startswith("learned diagonal") for name in names), names
    assert "threshold: active | inactive" in names
