"""Paths and helpers the dashboard tests share (a module of its own: `conftest` is a name two folders use)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PROJECT_ROOT = Path(__file__).resolve().parents[3]
APP = PROJECT_ROOT / "dashboard" / "app.py"


def run_script(script: Path, database: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """One dashboard page run headless on `database`; any exception it raised fails the test."""
    monkeypatch.setenv("RFM_DUCKDB_PATH", str(database))
    monkeypatch.delenv("RFM_DUCKDB_SCHEMA", raising=False)
    app = AppTest.from_file(str(script), default_timeout=120)
    app.run()
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def plotly_figures(app: AppTest) -> dict[str, dict]:
    """The page's Plotly figures by their widget key."""
    return {element.proto.id.rsplit("-", 1)[-1]: json.loads(element.proto.spec) for element in app.get("plotly_chart")}
