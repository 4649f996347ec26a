"""The dashboard reads the build's published snapshot (dashboard/data.py::readable_database): one whole
green build, never the database a running build holds, never marts of two runs."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import dashboard.data as data

APP = Path(__file__).resolve().parents[3] / "dashboard" / "app.py"


def publish(database: Path, snapshot_source: Path | None, name: str = "run_abc.duckdb", pointer: str | None = None) -> Path:
    folder = database.with_name(database.name + ".published")
    folder.mkdir(exist_ok=True)
    if snapshot_source is not None:
        shutil.copy2(snapshot_source, folder / name)
    text = pointer if pointer is not None else json.dumps(
        {"snapshot": name, "run_id": "abc", "as_of_date": "2025-12-31", "published_at": "2026-01-01T00:00:00"})
    (folder / "current.json").write_text(text + "\n")
    return folder / name


def test_without_a_snapshot_the_database_itself(tmp_path):
    database = tmp_path / "rfm_lifecycle.duckdb"
    assert data.readable_database(database) == database
    assert data.database_path({"RFM_DUCKDB_PATH": str(database)}) == database


def test_the_snapshot_current_json_names(tmp_path, built_demo_database):
    database = tmp_path / "rfm_lifecycle.duckdb"
    snapshot = publish(database, built_demo_database)
    assert data.readable_database(database) == snapshot
    assert data.database_path({"RFM_DUCKDB_PATH": str(database)}) == snapshot


@pytest.mark.parametrize("pointer", [
    "", "not json", "[]", '{"run_id": "abc"}', '{"snapshot": 7}',
    '{"snapshot": "../rfm_lifecycle.duckdb"}', '{"snapshot": "/etc/passwd"}', '{"snapshot": "run_missing.duckdb"}',
])
def test_a_pointer_that_names_no_snapshot_file_is_no_snapshot(tmp_path, built_demo_database, pointer):
    database = tmp_path / "rfm_lifecycle.duckdb"
    publish(database, built_demo_database, pointer=pointer)
    assert data.readable_database(database) == database


def test_the_app_shows_the_snapshot_while_the_database_is_unreadable(tmp_path, built_demo_database, monkeypatch):
    """A database mid-build (here: not a DuckDB file at all) does not matter: the snapshot is read."""
    database = tmp_path / "rfm_lifecycle.duckdb"
    database.write_bytes(b"a build is writing this file")
    publish(database, built_demo_database)
    monkeypatch.setenv("RFM_DUCKDB_PATH", str(database))
    monkeypatch.delenv("RFM_DUCKDB_SCHEMA", raising=False)
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert not app.error, [error.value for error in app.error]
    assert "Headline" in [header.value for header in app.header]
