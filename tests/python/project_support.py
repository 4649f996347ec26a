"""Shared helpers of the top-level tests: run dbt on a throwaway DuckDB file and read the marts back.

Imported by name (never as `conftest`: a second conftest in a sub-folder would shadow it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import dbt_in_process

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
    in_process: bool = True,
) -> subprocess.CompletedProcess:
    """Run one dbt command against `database`, with its own target folder so runs never share state:
    in this process (tests/python/dbt_in_process.py) unless in_process=False."""
    environment = {
        **os.environ,
        "RFM_DUCKDB_PATH": str(database),
        "DBT_TARGET_PATH": str(target_path or database.parent / "target"),
        "DBT_LOG_PATH": str(database.parent / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "RFM_DUCKDB_TEMP_DIRECTORY": str(database.parent / "duckdb_tmp"),
    }
    result = dbt_in_process.dbt(args, PROJECT_DIR, {**environment, "DBT_PROFILES_DIR": str(PROJECT_DIR)}, variables,
                                in_process=in_process)
    if check and result.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    return result


def query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(sql).fetchall()


# What a demo build is made of: a database older than any of these is not this tree's build.
BUILD_INPUTS = ["dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests", "plugins", "data/demo"]
COMPILED_TRENDS = Path("compiled") / "rfm_lifecycle" / "models" / "marts" / "segment_trends.sql"


def newest_build_input() -> float:
    times = []
    for name in BUILD_INPUTS:
        path = PROJECT_DIR / name
        times += [path.stat().st_mtime] if path.is_file() else [p.stat().st_mtime for p in path.rglob("*") if p.is_file()]
    return max(times)


def current_demo_build() -> Path | None:
    """The database `make build` wrote, when it was built from this tree (make test builds it
    just before pytest), or None."""
    built = PROJECT_DIR / "rfm_lifecycle.duckdb"
    compiled = PROJECT_DIR / "target" / COMPILED_TRENDS
    if not (built.exists() and compiled.exists()):
        return None
    return built if min(built.stat().st_mtime, compiled.stat().st_mtime) > newest_build_input() else None


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data built with every data and unit test passing: a copy of `make build`'s database
    when it is this tree's, else built here. The file keeps the build's name, which the views'
    catalog carries; the compiled segment_trends query comes along for its test."""
    assert DEMO_ORDERS.exists(), "run `make demo` first (make test does)"
    folder = tmp_path_factory.mktemp("demo")
    built = current_demo_build()
    if built is not None:
        database = folder / built.name
        shutil.copyfile(built, database)
        (folder / "target" / COMPILED_TRENDS).parent.mkdir(parents=True)
        shutil.copyfile(PROJECT_DIR / "target" / COMPILED_TRENDS, folder / "target" / COMPILED_TRENDS)
        return database
    database = folder / "rfm_lifecycle.duckdb"
    run_dbt(["build"], database)
    return database
