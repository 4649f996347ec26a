"""The Dagster example loads, schedules yesterday's partition daily, and materialises on the demo data."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[3]
ORCHESTRATION = PROJECT_ROOT / "orchestration"
DBT = Path(sys.executable).with_name("dbt")
DAY = 86_400


@pytest.fixture(scope="module")
def definitions(tmp_path_factory: pytest.TempPathFactory):
    """`dbt parse` first (the definitions read target/manifest.json), then import the module."""
    environment = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_ROOT), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    subprocess.run([str(DBT), "parse", "--quiet"], cwd=PROJECT_ROOT, env=environment, check=True, timeout=300)
    assert (PROJECT_ROOT / "target" / "manifest.json").exists()
    sys.path.insert(0, str(ORCHESTRATION))
    try:
        module = importlib.import_module("rfm_orchestration.definitions")
    finally:
        sys.path.remove(str(ORCHESTRATION))
    return module


@pytest.fixture()
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A run that writes its own DuckDB file and dbt target folder, never the demo build's."""
    monkeypatch.setenv("DBT_PROFILES_DIR", str(PROJECT_ROOT))
    monkeypatch.setenv("RFM_DUCKDB_PATH", str(tmp_path / "orchestrated.duckdb"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.delenv("RFM_DBT_VARS", raising=False)
    return tmp_path


def dbt_nodes(resource_types: tuple[str, ...]) -> set[str]:
    manifest = json.loads((PROJECT_ROOT / "target" / "manifest.json").read_text())
    return {node["name"] for node in manifest["nodes"].values() if node["resource_type"] in resource_types}


def test_definitions_load_with_every_model_as_an_asset(definitions):
    from dagster import AssetKey, Definitions

    Definitions.validate_loadable(definitions.defs)
    graph = definitions.defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert dbt_nodes(("model", "seed")) <= keys
    assert {"rfm_lifecycle/orders", "dbt_docs_site"} <= keys
    # Freshness before the build, the docs after it.
    assert AssetKey(["rfm_lifecycle", "orders"]) in graph.get(AssetKey(["stg_orders"])).parent_keys
    docs_parents = graph.get(AssetKey(["dbt_docs_site"])).parent_keys
    assert {AssetKey([name]) for name in dbt_nodes(("model",))} <= docs_parents
    # A back-fill runs one day per run: each run has exactly one as_of_date.
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_materializable:
            assert node.backfill_policy.max_partitions_per_run == 1, key
    # dbt data tests come along as asset checks.
    assert any(check.asset_key == AssetKey(["customer_segments"]) for check in graph.asset_check_keys)


def test_definitions_load_as_dagster_dev_loads_them(definitions):
    """`dagster dev` re-parses the project on load and does not activate the venv: dbt is not on PATH."""
    environment = {
        key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH")
    }
    environment.update({"PATH": "/usr/bin:/bin", "DAGSTER_IS_DEV_CLI": "1", "DBT_PROFILES_DIR": str(PROJECT_ROOT)})
    process = subprocess.run(
        [sys.executable, "-c", "import rfm_orchestration.definitions as d; print(len(d.defs.assets))"],
        cwd=ORCHESTRATION, env=environment, capture_output=True, text=True, timeout=300,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    assert process.stdout.strip() == "3"


def test_daily_schedule_builds_yesterday(definitions):
    from dagster import build_schedule_context

    schedule = definitions.defs.resolve_schedule_def("rfm_lifecycle_daily_schedule")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.job_name == "rfm_lifecycle_daily"
    context = build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.timezone.utc)
    )
    requests = list(schedule.evaluate_tick(context).run_requests)
    assert [request.partition_key for request in requests] == ["2026-02-28"]
    job = definitions.defs.resolve_job_def("rfm_lifecycle_daily")
    assert job.tags["rfm_lifecycle/database"] == "writer"


def test_instance_config_runs_one_writer_at_a_time():
    config = yaml.safe_load((ORCHESTRATION / "dagster.yaml").read_text())
    limits = config["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": "rfm_lifecycle/database", "value": "writer", "limit": 1} in limits


def test_materialises_on_the_demo_data(definitions, isolated, demo_database_path):
    from dagster import AssetKey, DagsterInstance

    job = definitions.defs.resolve_job_def("rfm_lifecycle_daily")
    with DagsterInstance.ephemeral() as instance:
        # The demo's last order day: the same as_of_date the demo build chose by itself.
        result = job.execute_in_process(partition_key="2025-12-31", instance=instance)
    assert result.success
    materialised = {
        event.asset_key.to_user_string() for event in result.get_asset_materialization_events()
    }
    assert dbt_nodes(("model", "seed")) | {"rfm_lifecycle/orders", "dbt_docs_site"} <= materialised
    freshness = next(
        event for event in result.get_asset_materialization_events()
        if event.asset_key == AssetKey(["rfm_lifecycle", "orders"])
    )
    assert freshness.materialization.metadata["status"].value == "pass"
    page = isolated / "target" / "static_index.html"
    assert page.stat().st_size > 100_000
    assert "rfm_lifecycle_dashboard" in page.read_text()

    query = "select segment_scheme, segment_code, customers, revenue, as_of_date from segment_summary order by all"
    with duckdb.connect(str(isolated / "orchestrated.duckdb"), read_only=True) as connection:
        orchestrated = connection.execute(query).fetchall()
    with duckdb.connect(str(demo_database_path), read_only=True) as connection:
        demo = connection.execute(query).fetchall()
    assert orchestrated == demo
    assert orchestrated[0][4] == dt.date(2025, 12, 31)


def test_stale_orders_stop_the_run_before_the_build(definitions, isolated, monkeypatch):
    from dagster import DagsterInstance

    stale = isolated / "orders.csv"
    shutil.copyfile(PROJECT_ROOT / "data" / "demo" / "orders.csv", stale)
    four_days_ago = time.time() - 4 * DAY
    os.utime(stale, (four_days_ago, four_days_ago))
    monkeypatch.setenv("RFM_DBT_VARS", json.dumps({"orders_path": str(stale)}))
    job = definitions.defs.resolve_job_def("rfm_lifecycle_daily")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(partition_key="2025-12-31", instance=instance, raise_on_error=False)
    assert not result.success
    failed = [event.step_key for event in result.all_events if event.event_type_value == "STEP_FAILURE"]
    assert failed == ["rfm_lifecycle__orders"]
    assert not result.get_asset_materialization_events()
    assert not (isolated / "orchestrated.duckdb").exists() or "customer_segments" not in {
        row[0] for row in duckdb.connect(str(isolated / "orchestrated.duckdb"), read_only=True)
        .execute("select table_name from information_schema.tables").fetchall()
    }


# Read before any test points RFM_DUCKDB_PATH at its own file.
DEMO_DATABASE = Path(os.environ.get("RFM_DUCKDB_PATH") or PROJECT_ROOT / "rfm_lifecycle.duckdb")


@pytest.fixture(scope="module")
def demo_database_path() -> Path:
    path = DEMO_DATABASE
    if not path.exists():
        pytest.fail(f"No demo build at {path}: run `make build` (or `make test`) first.")
    return path
