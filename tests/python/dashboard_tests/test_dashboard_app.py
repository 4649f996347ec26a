"""Streamlit AppTest (no browser): every section renders, with the numbers of the marts.

Each expectation is computed here with its own SQL on the same database, not
with the dashboard's code, so a wrong query or a wrong chart mapping fails.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from history_fixture import CONTRACT_COLUMNS

# Not imported from conftest: tests/python has a conftest of its own, and both are module `conftest`.
APP = Path(__file__).resolve().parents[3] / "dashboard" / "app.py"

SECTIONS = [
    "Headline",
    "Segments: size and revenue",
    "RF matrix",
    "Segment trends",
    "Migration between two periods",
    "Repeat-purchase curve",
    "Thresholds in force",
    "Action paths and customers to contact now",
]
NOT_ACTIVE = ("prospect", "one_time", "inactive", "lost")


class RecordingMediaStorage(app_test_module.MemoryMediaFileStorage):
    """Keeps a handle on AppTest's media storage, where download buttons put their files."""

    instances: list[RecordingMediaStorage] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        RecordingMediaStorage.instances.append(self)


def run_app(database: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("RFM_DUCKDB_PATH", str(database))
    monkeypatch.delenv("RFM_DUCKDB_SCHEMA", raising=False)
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", RecordingMediaStorage)
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def figures(app: AppTest) -> dict[str, dict]:
    """Plotly figures by their widget key."""
    found = {}
    for element in app.get("plotly_chart"):
        key = element.proto.id.rsplit("-", 1)[-1]
        found[key] = json.loads(element.proto.spec)
    return found


# st.dataframe drops its key from the element, so each table is found by a column only it has.
TABLE_COLUMNS = {
    "segment_table": "upgrade_potential",
    "trend_reactivations": "reactivated_revenue",
    "migration_table": "from_segment",
    "thresholds_table": "rule_description",
    "score_ranges_table": "measure",
    "actions_overview": "customers_due",
    "contacts_table": "next_segment_if_no_order",
}


def dataframe(app: AppTest, key: str) -> pd.DataFrame:
    matches = [frame.value for frame in app.dataframe if TABLE_COLUMNS[key] in frame.value.columns]
    assert len(matches) == 1, f"one table {key}"
    return matches[0]


def metric(app: AppTest, label: str) -> str:
    """The metric with this label; a label ending in '…' matches its start."""
    matches = [
        item.value for item in app.metric
        if (item.label.startswith(label[:-1]) if label.endswith("…") else item.label == label)
    ]
    assert len(matches) == 1, f"one metric labelled {label!r}"
    return matches[0]


@pytest.fixture()
def app(dashboard_database: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return run_app(dashboard_database, monkeypatch)


def test_history_tables_have_the_contract_shapes(sql):
    for table, columns in CONTRACT_COLUMNS.items():
        described = [(row[0], row[1]) for row in sql(f"describe {table}")]
        # Extra columns are allowed by the contract; none may be missing or typed otherwise.
        assert set(columns) <= set(described), (table, described)


def test_every_section_renders(app):
    assert [header.value for header in app.header] == SECTIONS
    assert not app.error
    assert not app.info, [info.value for info in app.info]
    assert set(figures(app)) == {
        "segment_customers", "segment_revenue", "rf_matrix", "trend_customers", "trend_revenue",
        "migration_sankey", "repeat_curve",
    }


def test_headline_numbers(app, sql):
    customers, buyers, active, trailing, at_risk = sql(
        f"""
        select
            count(*),
            count(*) filter (where lifecycle_segment <> 'prospect'),
            count(*) filter (where lifecycle_segment in ('new', 'regular', 'loyal')),
            sum(trailing_revenue),
            sum(trailing_revenue) filter (where lifecycle_segment = 'inactive')
        from customer_segments
        """
    )[0]
    upgrade = sql("select sum(upgrade_potential) from segment_summary where segment_scheme = 'lifecycle'")[0][0]
    trailing_days = sql(
        "select threshold_value from lifecycle_thresholds where threshold_name = 'trailing_revenue_days'"
    )[0][0]
    assert metric(app, "Customers") == f"{customers:,}"
    assert metric(app, "Active share") == f"{active / buyers * 100:.1f}%"
    assert metric(app, f"Revenue, last {trailing_days:.0f} days") == f"{float(trailing):,.0f}"
    assert metric(app, "Revenue at risk") == f"{float(at_risk):,.0f}"
    assert metric(app, "Upgrade potential") == f"{float(upgrade):,.0f}"
    assert float(at_risk) > 0 and float(upgrade) > 0


def test_segment_sizes_and_revenue(app, sql):
    rows = sql(
        """
        select action_paths.segment, count(customers.customer_id), coalesce(sum(customers.trailing_revenue), 0)
        from segment_action_paths as action_paths
        left join customer_segments as customers on customers.lifecycle_segment = action_paths.segment
        group by action_paths.segment, action_paths.segment_order
        order by action_paths.segment_order
        """
    )
    charts = figures(app)
    customers = charts["segment_customers"]["data"][0]
    revenue = charts["segment_revenue"]["data"][0]
    assert customers["x"] == [row[0] for row in rows]
    assert customers["y"] == [row[1] for row in rows]
    assert revenue["y"] == pytest.approx([float(row[2]) for row in rows])
    table = dataframe(app, "segment_table")
    assert table["customers"].tolist() == [row[1] for row in rows]


def test_rf_matrix_heatmap_and_diagonal(app, sql):
    figure = figures(app)["rf_matrix"]
    heatmap = next(trace for trace in figure["data"] if trace["type"] == "heatmap")
    cells = sql("select r_score, f_score, customers from rf_matrix where segment_scheme = 'lifecycle'")
    expected = {(r, f): customers for r, f, customers in cells}
    for row_index, r_score in enumerate(heatmap["y"]):
        for column_index, f_score in enumerate(heatmap["x"]):
            assert heatmap["z"][row_index][column_index] == expected[(r_score, f_score)]
    assert sum(map(sum, heatmap["z"])) == sql("select count(*) from customer_segments where r_score is not null")[0][0]

    # The diagonal: per frequency column, one above the highest non-empty cell that
    # a not-active segment dominates; the lowest non-empty cell when there is none.
    def boundary(below: tuple[str, ...]) -> list[tuple[int, float]]:
        listed = ", ".join(f"'{segment}'" for segment in below)
        return [
            (f_score, line - 0.5)
            for f_score, line in sql(
                f"""
                select f_score, coalesce(max(r_score) filter (where dominant_segment in ({listed})) + 1, min(r_score))
                from rf_matrix where segment_scheme = 'lifecycle' and customers > 0
                group by f_score order by f_score
                """
            )
        ]

    lines = {trace["name"]: trace for trace in figure["data"] if trace["type"] == "scatter"}
    for name, below in (("threshold: active | inactive", NOT_ACTIVE), ("threshold: lost", ("lost",))):
        trace = lines[name]
        points = [(x, y) for x, y in zip(trace["x"], trace["y"]) if x is not None]
        assert points[::2] == [(f_score - 0.5, y) for f_score, y in boundary(below)]
        assert points[1::2] == [(f_score + 0.5, y) for f_score, y in boundary(below)]
        # The line breaks (None) exactly where a frequency column is empty.
        columns = [f_score for f_score, _ in boundary(below)]
        gaps = sum(1 for left, right in zip(columns, columns[1:]) if right != left + 1)
        assert trace["x"].count(None) == gaps
    active_line = [y for _, y in boundary(NOT_ACTIVE)]
    # The whole point of the diagonal: frequent buyers turn inactive at a higher recency score.
    assert active_line[-1] > active_line[0]


def test_segment_trends(app, sql):
    charts = figures(app)
    area = {trace["name"]: trace for trace in charts["trend_customers"]["data"]}
    bars = {trace["name"]: trace for trace in charts["trend_revenue"]["data"]}
    rows = sql(
        "select lifecycle_segment, period_end_date, customers, revenue_in_period from segment_trends "
        "order by lifecycle_segment, period_end_date"
    )
    assert set(area) == {row[0] for row in rows} == {
        "prospect", "new", "one_time", "regular", "loyal", "inactive", "lost"
    }
    for segment in area:
        mine = [row for row in rows if row[0] == segment]
        assert area[segment]["x"] == [str(row[1]) for row in mine]
        assert area[segment]["y"] == [row[2] for row in mine]
        assert bars[segment]["y"] == pytest.approx([float(row[3]) for row in mine])
    reactivations = dataframe(app, "trend_reactivations")
    expected = sql(
        "select sum(reactivated_customers) from segment_trends group by period_end_date order by period_end_date"
    )
    assert reactivations["reactivated_customers"].tolist() == [row[0] for row in expected]


def sankey_flows(figure: dict) -> dict[tuple[str, str], int]:
    sankey = figure["data"][0]
    labels = [label.split(" · ")[0].replace("not known yet", "none") for label in sankey["node"]["label"]]
    link = sankey["link"]
    return {
        (labels[source], labels[target]): value
        for source, target, value in zip(link["source"], link["target"], link["value"])
    }


def test_migration_sankey_between_the_last_two_periods(app, sql):
    periods = [row[0] for row in sql("select distinct period_end_date from segment_history order by 1")]
    figure = figures(app)["migration_sankey"]
    assert figure["data"][0]["type"] == "sankey"
    assert str(periods[-2]) in figure["layout"]["title"]["text"]
    expected = {
        (source, target): customers
        for source, target, customers in sql(
            "select from_segment, to_segment, customers from segment_transitions "
            "where period_end_date = ? and customers > 0",
            [periods[-1]],
        )
    }
    assert sankey_flows(figure) == expected
    assert any("segment_transitions" in caption.value for caption in app.caption)


def test_migration_sankey_between_any_two_periods(app, sql):
    periods = [row[0] for row in sql("select distinct period_end_date from segment_history order by 1")]
    assert len(periods) >= 3
    app.select_slider(key="migration_periods").set_value((periods[0], periods[-1])).run()
    assert not app.exception
    expected = {
        (source, target): customers
        for source, target, customers in sql(
            """
            select coalesce(earlier.lifecycle_segment, 'none'), later.lifecycle_segment, count(*)
            from segment_history as later
            left join segment_history as earlier
                on earlier.customer_id = later.customer_id and earlier.period_end_date = ?
            where later.period_end_date = ?
            group by all
            """,
            [periods[0], periods[-1]],
        )
    }
    assert sankey_flows(figures(app)["migration_sankey"]) == expected
    assert any("segment_history" in caption.value for caption in app.caption)


def test_repeat_purchase_curve_marks_the_new_customer_threshold(app, sql):
    figure = figures(app)["repeat_curve"]
    rows = sql(
        "select bucket_end_day, cumulative_repeat_share, conditional_repeat_rate "
        "from repeat_purchase_curve order by bucket_start_day"
    )
    line = next(trace for trace in figure["data"] if trace["type"] == "scatter")
    bars = next(trace for trace in figure["data"] if trace["type"] == "bar")
    assert line["x"] == [row[0] for row in rows]
    assert line["y"] == pytest.approx([float(row[1]) for row in rows])
    assert bars["y"] == pytest.approx([float(row[2] or 0) for row in rows])
    assert line["yaxis"] == "y2"
    new_customer_days = sql(
        "select threshold_value from lifecycle_thresholds where threshold_name = 'new_customer_days'"
    )[0][0]
    knee = sql(
        "select threshold_value from lifecycle_thresholds where threshold_name = 'repeat_curve_knee_days'"
    )[0][0]
    marked = {shape["x0"] for shape in figure["layout"]["shapes"]}
    assert marked == {float(new_customer_days), float(knee)}
    annotations = [annotation["text"] for annotation in figure["layout"]["annotations"]]
    assert f"new-customer threshold: {new_customer_days:.0f} days" in annotations


def test_thresholds_in_force(app, sql):
    table = dataframe(app, "thresholds_table")
    rows = sql("select threshold_name, threshold_value, set_by from lifecycle_thresholds order by threshold_name")
    assert table["threshold_name"].tolist() == [row[0] for row in rows]
    assert [None if pd.isna(value) else float(value) for value in table["threshold_value"]] == [
        None if row[1] is None else float(row[1]) for row in rows
    ]
    assert table["set_by"].tolist() == [row[2] for row in rows]
    ranges = dataframe(app, "score_ranges_table")
    assert len(ranges) == sql("select count(*) from rfm_score_ranges")[0][0]


def downloaded(app: AppTest) -> bytes:
    url = app.download_button(key="contacts_download").proto.url
    file_name = url.rsplit("/", 1)[-1]
    for storage in reversed(RecordingMediaStorage.instances):
        try:
            return storage.get_file(file_name).content
        except Exception:  # noqa: BLE001 - the file is in one of the recorded storages
            continue
    raise AssertionError(f"no media file {file_name}")


def contacts_sql(sql, segment: str, days: int) -> list[tuple]:
    return sql(
        "select customer_id, next_transition_date from customer_segments "
        "where lifecycle_segment = ? and next_transition_date <= as_of_date + cast(? as integer) "
        "order by next_transition_date, customer_id",
        [segment, days],
    )


def test_customers_to_contact_default_window(app, sql):
    expected = contacts_sql(sql, "new", 14)
    assert expected, "the demo has new customers turning one-time within 14 days"
    table = dataframe(app, "contacts_table")
    assert table["customer_id"].tolist() == [row[0] for row in expected]
    assert metric(app, "Customers to contact (new, next 14 days)") == f"{len(expected):,}"
    csv = pd.read_csv(io.BytesIO(downloaded(app)), dtype=str)
    assert csv["customer_id"].tolist() == [row[0] for row in expected]
    assert csv["next_transition_date"].tolist() == [str(row[1]) for row in expected]
    assert set(csv["lifecycle_segment"]) == {"new"}
    overview = dataframe(app, "actions_overview")
    due = dict(sql(
        "select lifecycle_segment, count(*) from customer_segments "
        "where next_transition_date <= as_of_date + 14 group by all"
    ))
    assert dict(zip(overview["lifecycle_segment"], overview["customers_due"])) == {
        segment: due.get(segment, 0) for segment in overview["lifecycle_segment"]
    }


def test_customers_to_contact_other_segment_and_window(app, sql):
    app.number_input(key="contact_days").set_value(45)
    app.selectbox(key="contact_segment").set_value("loyal").run()
    assert not app.exception
    expected = contacts_sql(sql, "loyal", 45)
    assert expected
    assert dataframe(app, "contacts_table")["customer_id"].tolist() == [row[0] for row in expected]
    assert app.download_button(key="contacts_download").proto.label == "Download as CSV"
    csv = pd.read_csv(io.BytesIO(downloaded(app)), dtype=str)
    assert csv["customer_id"].tolist() == [row[0] for row in expected]
    goal = sql("select goal from segment_action_paths where segment = 'loyal'")[0][0]
    assert any(goal in markdown.value for markdown in app.markdown)


def test_segment_without_transitions_shows_an_empty_list(app, sql):
    app.selectbox(key="contact_segment").set_value("lost").run()
    assert not app.exception
    assert dataframe(app, "contacts_table").empty
    assert metric(app, "Customers to contact (lost…") == "0"


def test_missing_history_marts_give_a_note_not_a_failure(database_without_history, monkeypatch):
    app = run_app(database_without_history, monkeypatch)
    assert [header.value for header in app.header] == SECTIONS
    notes = [info.value for info in app.info]
    for table in ("segment_trends", "segment_transitions", "repeat_purchase_curve"):
        assert any(f"`{table}` is not built yet: run `make run`" in note for note in notes), notes
    assert set(figures(app)) == {"segment_customers", "segment_revenue", "rf_matrix"}
    # The other sections still show their numbers.
    with duckdb.connect(str(database_without_history), read_only=True) as connection:
        customers = connection.execute("select count(*) from customer_segments").fetchone()[0]
    assert metric(app, "Customers") == f"{customers:,}"


def test_no_database_gives_the_command_to_run(tmp_path, monkeypatch):
    missing = tmp_path / "not_built.duckdb"
    app = run_app(missing, monkeypatch)
    assert len(app.error) == 1
    assert str(missing) in app.error[0].value
    assert [code.value for code in app.code] == [f"RFM_DUCKDB_PATH={missing} make run"]
    assert not app.header
    assert not missing.exists(), "the dashboard must not create a database"


def test_database_without_marts_gives_the_command_to_run(tmp_path, monkeypatch):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    app = run_app(empty, monkeypatch)
    assert "no rfm_lifecycle marts" in app.error[0].value
    assert [code.value for code in app.code] == [f"RFM_DUCKDB_PATH={empty} make run"]


def test_half_built_database_names_the_missing_marts(tmp_path, built_demo_database, monkeypatch):
    partial = tmp_path / "partial.duckdb"
    partial.write_bytes(built_demo_database.read_bytes())
    with duckdb.connect(str(partial)) as connection:
        connection.execute("drop table rf_matrix")
    app = run_app(partial, monkeypatch)
    assert "rf_matrix" in app.error[0].value


def test_a_database_locked_by_a_build_says_so(tmp_path, built_demo_database, monkeypatch):
    locked = tmp_path / "locked.duckdb"
    locked.write_bytes(built_demo_database.read_bytes())
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys
            connection = duckdb.connect({str(locked)!r})
            print("locked", flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        app = run_app(locked, monkeypatch)
        assert "locked by a running build" in app.error[0].value
        assert not app.code
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_marts_in_another_schema_are_found(tmp_path, built_demo_database, monkeypatch):
    moved = tmp_path / "schema.duckdb"
    moved.write_bytes(built_demo_database.read_bytes())
    with duckdb.connect(str(moved)) as connection:
        connection.execute("create schema analytics")
        for (table,) in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'main' and table_type = 'BASE TABLE'"
        ).fetchall():
            connection.execute(f"create table analytics.{table} as select * from main.{table}")
            connection.execute(f"drop table main.{table}")
        connection.execute("drop view if exists main.stg_orders")
        connection.execute("drop view if exists main.stg_customers")
        customers = connection.execute("select count(*) from analytics.customer_segments").fetchone()[0]
    app = run_app(moved, monkeypatch)
    assert metric(app, "Customers") == f"{customers:,}"
    assert any("schema `analytics`" in caption.value for caption in app.caption)


def test_as_of_date_is_shown(app, sql):
    as_of = sql("select max(as_of_date) from segment_summary")[0][0]
    assert isinstance(as_of, dt.date)
    assert any(f"As of **{as_of}**" in caption.value for caption in app.caption)
