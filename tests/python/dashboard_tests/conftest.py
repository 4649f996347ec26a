"""Fixtures for the dashboard tests: copies of the demo build, with and without the history marts."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit import config as streamlit_config

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard_paths import APP, PROJECT_ROOT  # noqa: E402,F401
from history_fixture import HISTORY_DDL, add_missing_history_tables  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def loopback_address():
    """AppTest runs the pages without a server, so without the dashboard's script-level
    config: stand in for it, or every page refuses to show data (dashboard/binding.py)."""
    streamlit_config.set_option("server.address", "127.0.0.1")
    yield


@pytest.fixture(scope="session")
def built_demo_database() -> Path:
    """The database `make build` wrote (make test builds before it runs pytest)."""
    path = Path(os.environ.get("RFM_DUCKDB_PATH") or PROJECT_ROOT / "rfm_lifecycle.duckdb")
    if not path.exists():
        pytest.fail(f"No demo build at {path}: run `make build` (or `make test`) first.")
    return path


@pytest.fixture(scope="session")
def dashboard_database(built_demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo build plus the lifecycle-over-time marts (stand-ins for those not built yet)."""
    path = tmp_path_factory.mktemp("dashboard") / "rfm_lifecycle.duckdb"
    shutil.copyfile(built_demo_database, path)
    with duckdb.connect(str(path)) as connection:
        add_missing_history_tables(connection)
    return path


@pytest.fixture(scope="session")
def database_without_history(built_demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo build with every lifecycle-over-time mart dropped: what an older build looks like."""
    path = tmp_path_factory.mktemp("no_history") / "rfm_lifecycle.duckdb"
    shutil.copyfile(built_demo_database, path)
    with duckdb.connect(str(path)) as connection:
        for table in HISTORY_DDL:
            connection.execute(f"drop table if exists {table}")
            connection.execute(f"drop view if exists {table}")
    return path


@pytest.fixture()
def sql(dashboard_database: Path):
    """Run SQL on the dashboard database, read-only, returning rows."""

    def run(query: str, parameters: list | None = None) -> list[tuple]:
        with duckdb.connect(str(dashboard_database), read_only=True) as connection:
            return connection.execute(query, parameters or []).fetchall()

    return run
