"""The in-process dbt runner reuses a parsed project only when nothing read at parse time changed."""
from __future__ import annotations

import json
import os
import time

import dbt_in_process
from project_support import PROJECT_DIR


def key(variables: dict | None = None, environment: dict | None = None, args: list[str] | None = None) -> tuple:
    environment = {"RFM_DUCKDB_PATH": "/tmp/a/rfm_lifecycle.duckdb", **(environment or {})}
    return dbt_in_process.parse_key(PROJECT_DIR, args or ["build"], variables or {}, environment)


def test_run_time_vars_and_paths_share_a_parse():
    assert key({"as_of_date": "2024-01-01", "export_folder": "/x"}) == key({"as_of_date": "2025-02-02"})
    assert key(environment={"RFM_DUCKDB_PATH": "/tmp/b/rfm_lifecycle.duckdb", "DBT_TARGET_PATH": "/t"}) == key()


def test_what_the_manifest_holds_gets_a_parse_of_its_own():
    assert key({"orders_table": "raw_orders_2"}) != key()
    assert key({"orders_freshness_error_after_days": 9}) != key()
    assert key(environment={"RFM_DUCKDB_PATH": "/tmp/a/other.duckdb"}) != key()
    assert key(environment={"RFM_SCHEMA": "elsewhere"}) != key()
    assert key(args=["build", "--target", "postgres"]) != key()


def test_a_file_written_into_the_project_changes_the_key(tmp_path):
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "a.sql"
    model.write_text("select 1 as x\n")
    before = dbt_in_process.project_signature(tmp_path)
    extra = tmp_path / "models" / "b.sql"
    extra.write_text("select 2 as x\n")
    assert dbt_in_process.project_signature(tmp_path) != before
    extra.unlink()
    assert dbt_in_process.project_signature(tmp_path) == before
    time.sleep(0.01)
    model.write_text("select 3 as x\n")
    assert dbt_in_process.project_signature(tmp_path) != before


def sources(tmp_path, variables: dict) -> str:
    """The sources as `dbt ls` prints them (JSON lines)."""
    environment = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR),
                   "RFM_DUCKDB_PATH": str(tmp_path / "rfm_lifecycle.duckdb"),
                   "DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path / "logs")}
    result = dbt_in_process.run(["ls", "--resource-type", "source", "--output", "json",
                                 "--output-keys", "name", "identifier", "--quiet"],
                                PROJECT_DIR, environment, variables)
    assert result.returncode == 0, result.stdout + result.stderr
    listed = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return json.dumps(sorted(listed, key=json.dumps))


def test_a_source_var_reaches_the_manifest_and_another_var_reuses_it(tmp_path):
    parses = dbt_in_process.STATS["parses"]
    first = sources(tmp_path, {"orders_table": "raw_orders_first"})
    again = sources(tmp_path, {"orders_table": "raw_orders_first", "as_of_date": "2024-01-01"})
    assert dbt_in_process.STATS["parses"] == parses + 1, "a run-time var parsed the project again"
    other = sources(tmp_path, {"orders_table": "raw_orders_second"})
    assert dbt_in_process.STATS["parses"] == parses + 2
    assert first == again
    assert '"raw_orders_first"' in first and '"raw_orders_second"' in other, (first, other)
