"""Shared helpers of the top-level tests: run dbt on a throwaway DuckDB file and read the marts back.

Imported by name (never as `conftest`: a second conftest in a sub-folder would shadow it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEMO_ORDERS = PROJECT_DIR / "data" / "demo" / "orders.csv"
DEMO_CUSTOMERS = PROJECT_DIR / "data" / "demo" / "customers.csv"
DBT = str(Path(sys.executable).with_name("dbt"))


def run_dbt(
    args: list[str],
    database: Path,
    variables: dict | None = None,
    target_path: Path | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """Run one dbt command against `database`, with its own target folder so runs never share state."""
    command = [DBT, *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    if variables is not None:
        command += ["--vars", json.dumps(variables)]
    environment = {
        **os.environ,
        "RFM_DUCKDB_PATH": str(database),
        "DBT_TARGET_PATH": str(target_path or database.parent / "target"),
        "DBT_LOG_PATH": str(database.parent / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "RFM_DUCKDB_TEMP_DIRECTORY": str(database.parent / "duckdb_tmp"),
    }
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, timeout=900
    )
    if check and result.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    return result


def query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data built once per session (models, seeds and tests)."""
    assert DEMO_ORDERS.exists(), "run `make demo` first (make test does)"
    database = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    run_dbt(["build"], database)
    return database
