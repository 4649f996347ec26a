"""BI-ready marts: descriptions persisted in the database, contracts, the dashboard exposure, the docs site."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from dashboard.data import CORE_TABLES, HISTORY_TABLES, RETURN_TABLES  # noqa: E402

DATABASE = Path(os.environ.get("RFM_DUCKDB_PATH") or PROJECT_ROOT / "rfm_lifecycle.duckdb")


def squashed(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from dbt.cli.main import dbtRunner

    target = tmp_path_factory.mktemp("parse_target")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(PROJECT_ROOT)
        patch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
        result = dbtRunner().invoke(
            ["parse", "--quiet", "--target-path", str(target), "--profiles-dir", str(PROJECT_ROOT)]
        )
    assert result.success, result.exception
    return json.loads((target / "manifest.json").read_text())


def marts(manifest: dict) -> list[dict]:
    return [
        node for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")
    ]


def test_every_mart_keeps_an_enforced_contract(manifest):
    found = marts(manifest)
    assert {"customer_segments", "segment_summary", "rf_matrix", "lifecycle_thresholds"} <= {
        node["name"] for node in found
    }
    for node in found:
        assert node["config"]["contract"]["enforced"], node["name"]
        assert node["config"]["persist_docs"] == {"relation": True, "columns": True}, node["name"]
        for column in node["columns"].values():
            assert column["data_type"] and column["description"], (node["name"], column["name"])


def test_every_model_and_seed_is_documented_in_a_file_named_after_it(manifest):
    """One convention: models/<folder>/<model>.yml (seeds/<seed>.yml) holds the description,
    columns, data tests and unit tests of that node and of no other."""
    nodes = [node for node in manifest["nodes"].values()
             if node["resource_type"] in ("model", "seed") and node["package_name"] == "rfm_lifecycle"]
    assert len(nodes) > 20
    for node in nodes:
        assert squashed(node["description"]), node["name"]
        expected = Path(node["original_file_path"]).with_suffix(".yml").as_posix()
        assert node["patch_path"] == f"rfm_lifecycle://{expected}", node["name"]
    for unit_test in manifest["unit_tests"].values():
        model = unit_test["model"]
        folder = Path(manifest["nodes"][f"model.rfm_lifecycle.{model}"]["original_file_path"]).parent
        assert unit_test["original_file_path"] == (folder / f"{model}.yml").as_posix(), unit_test["name"]
    property_files = {path.relative_to(PROJECT_ROOT).as_posix()
                      for folder in ("models", "seeds") for path in (PROJECT_ROOT / folder).rglob("*.yml")}
    named_after_a_node = {Path(node["original_file_path"]).with_suffix(".yml").as_posix() for node in nodes}
    # besides one file per node: the sources (staging), the exposures and the semantic layer (MetricFlow)
    assert property_files - named_after_a_node == {
        "models/staging/_rfm_lifecycle__sources.yml", "models/marts/_exposures.yml",
        "models/marts/_semantic_layer.yml"}


def test_descriptions_reach_the_database(manifest):
    """What a BI tool reading the DuckDB file sees as table and column comments."""
    if not DATABASE.exists():
        pytest.fail(f"No build at {DATABASE}: run `make build` first.")
    with duckdb.connect(str(DATABASE), read_only=True) as connection:
        tables = dict(connection.execute("select table_name, comment from duckdb_tables()").fetchall())
        columns = {
            (table, column): comment
            for table, column, comment in connection.execute(
                "select table_name, column_name, comment from duckdb_columns()"
            ).fetchall()
        }
    for node in marts(manifest):
        assert squashed(tables[node["name"]]) == squashed(node["description"]), node["name"]
        for column in node["columns"].values():
            assert squashed(columns[(node["name"], column["name"])]) == squashed(column["description"])
    action_paths = manifest["nodes"]["seed.rfm_lifecycle.segment_action_paths"]
    assert squashed(tables["segment_action_paths"]) == squashed(action_paths["description"])


def test_the_dashboard_exposure_lists_every_mart_it_reads(manifest):
    exposure = manifest["exposures"]["exposure.rfm_lifecycle.rfm_lifecycle_dashboard"]
    assert exposure["type"] == "dashboard"
    assert exposure["url"] == "http://127.0.0.1:8501"
    depends_on = {node_id.split(".")[-1] for node_id in exposure["depends_on"]["nodes"]}
    models = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] in ("model", "seed")}
    # Once the lifecycle-over-time marts are models of the project, the exposure must name them too.
    read = (set(CORE_TABLES) | set(HISTORY_TABLES) | set(RETURN_TABLES)) & models
    assert read <= depends_on, f"add to models/marts/_exposures.yml: {sorted(read - depends_on)}"
    assert set(CORE_TABLES) <= depends_on


def test_static_docs_site_is_one_file(tmp_path):
    from dbt.cli.main import dbtRunner

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(PROJECT_ROOT)
        patch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
        patch.setenv("RFM_DUCKDB_PATH", str(DATABASE))
        result = dbtRunner().invoke(
            ["docs", "generate", "--static", "--quiet", "--target-path", str(tmp_path),
             "--profiles-dir", str(PROJECT_ROOT)]
        )
    assert result.success, result.exception
    page = (tmp_path / "static_index.html").read_text()
    assert "rfm_lifecycle_dashboard" in page
    assert "Days from the last order to the as-of date" in page
    # Self-contained: no script or stylesheet fetched from elsewhere.
    assert not re.search(r"<script[^>]+src=\"https?://", page)
    assert not re.search(r"<link[^>]+rel=\"stylesheet\"[^>]+href=\"https?://", page)
