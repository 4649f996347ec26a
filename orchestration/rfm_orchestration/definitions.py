"""The daily rfm_lifecycle run as Dagster assets: orders freshness, then dbt build, then the docs site.

Every dbt model, seed and test of the project is a Dagster asset (or asset check)
through dagster-dbt. The assets are partitioned by day: the partition key is the
`as_of_date` of that run, so the daily schedule scores yesterday's complete
orders and a back-fill of past days recomputes each day as it was.

    cd orchestration && DAGSTER_HOME=$PWD ../.venv/bin/dagster dev -m rfm_orchestration.definitions

`dbt parse` must have written target/manifest.json first (`dagster dev` does it
itself; `make orchestration-test` runs it for the tests).
"""

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    BackfillPolicy,
    DailyPartitionsDefinition,
    Definitions,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    build_schedule_from_partitioned_job,
    define_asset_job,
)
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

PROJECT_DIR = Path(__file__).resolve().parents[2]
# First day a back-fill may start from; set it to the first day of your order history.
START_DATE = os.environ.get("RFM_DAGSTER_START_DATE", "2023-01-01")
# Runs after the day is over (UTC), so the partition it builds has all of that day's orders.
SCHEDULE_HOUR = 6
ORDERS_SOURCE = AssetKey(["rfm_lifecycle", "orders"])
# Every run writes the same DuckDB file: orchestration/dagster.yaml lets one run with this tag at a time.
WRITER_TAGS = {"rfm_lifecycle/database": "writer"}
# The dbt of the Python environment Dagster runs in (the project's .venv), else the one on PATH.
# dagster-dbt's own `dbt parse` under `dagster dev` looks on PATH only, so that folder goes first.
_BESIDE_PYTHON = Path(sys.executable).with_name("dbt")
if _BESIDE_PYTHON.exists():
    os.environ["PATH"] = os.pathsep.join([str(_BESIDE_PYTHON.parent), os.environ.get("PATH", "")])
DBT_EXECUTABLE = str(_BESIDE_PYTHON) if _BESIDE_PYTHON.exists() else (shutil.which("dbt") or "dbt")

rfm_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)
rfm_project.prepare_if_dev()

daily_partitions = DailyPartitionsDefinition(start_date=START_DATE, timezone="UTC")
# One day per run: a run scores exactly one as_of_date (dagster-dbt would otherwise put a
# whole back-fill range into one dbt invocation, which has no single as-of date).
ONE_DAY_PER_RUN = BackfillPolicy.multi_run(max_partitions_per_run=1)


def dbt_vars(context: AssetExecutionContext) -> list[str]:
    """--vars for a run: RFM_DBT_VARS (a JSON mapping, e.g. your orders_path) plus the partition's as_of_date."""
    extra: dict[str, Any] = json.loads(os.environ.get("RFM_DBT_VARS") or "{}")
    if not isinstance(extra, dict):
        raise Failure(description="RFM_DBT_VARS must be a JSON mapping of dbt vars.")
    return ["--vars", json.dumps({**extra, "as_of_date": context.partition_key})]


def target_dir() -> Path:
    target = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    return target if target.is_absolute() else PROJECT_DIR / target


@asset(
    key=ORDERS_SOURCE,
    partitions_def=daily_partitions,
    backfill_policy=ONE_DAY_PER_RUN,
    group_name="sources",
    description=(
        "The orders input, checked with `dbt source freshness` before anything is built: a stale export "
        "(older than orders_freshness_error_after_days) fails the run, one older than "
        "orders_freshness_warn_after_days logs a warning."
    ),
)
def orders_source_freshness(context: AssetExecutionContext, dbt: DbtCliResource) -> MaterializeResult:
    invocation = dbt.cli(
        ["source", "freshness", "--select", "source:rfm_lifecycle.orders", *dbt_vars(context)],
        raise_on_error=False,
    ).wait()
    try:
        results = invocation.get_artifact("sources.json")["results"]
    except FileNotFoundError:
        raise Failure(description=f"dbt source freshness wrote no sources.json: {invocation.get_error()}") from None
    result = next(item for item in results if item["unique_id"].endswith(".orders"))
    metadata = {
        "status": result["status"],
        "max_loaded_at": str(result.get("max_loaded_at")),
        "age_hours": round(float(result.get("max_loaded_at_time_ago_in_s") or 0) / 3600, 1),
    }
    if result["status"] in ("error", "runtime error"):
        raise Failure(
            description=f"The orders input is stale or unreadable ({result['status']}): nothing is built.",
            metadata=metadata,
        )
    if result["status"] == "warn":
        context.log.warning(f"The orders input is older than the warn threshold: {metadata}")
    return MaterializeResult(metadata=metadata)


@dbt_assets(
    manifest=rfm_project.manifest_path,
    project=rfm_project,
    partitions_def=daily_partitions,
    backfill_policy=ONE_DAY_PER_RUN,
)
def rfm_lifecycle_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build", *dbt_vars(context)], context=context).stream()


@asset(
    deps=rfm_lifecycle_dbt_assets.keys,
    partitions_def=daily_partitions,
    backfill_policy=ONE_DAY_PER_RUN,
    group_name="docs",
    description="The single-file dbt docs site (target/static_index.html), with the marts' column descriptions.",
)
def dbt_docs_site(context: AssetExecutionContext, dbt: DbtCliResource) -> MaterializeResult:
    target = target_dir()
    dbt.cli(["docs", "generate", "--static", *dbt_vars(context)], target_path=target).wait()
    page = target / "static_index.html"
    return MaterializeResult(metadata={"path": MetadataValue.path(str(page)), "bytes": page.stat().st_size})


daily_job = define_asset_job(
    "rfm_lifecycle_daily",
    selection=AssetSelection.assets(orders_source_freshness, rfm_lifecycle_dbt_assets, dbt_docs_site),
    tags=WRITER_TAGS,
    description="Source freshness, then dbt build with as_of_date = the partition day, then the docs site.",
)

daily_schedule = build_schedule_from_partitioned_job(
    daily_job, hour_of_day=SCHEDULE_HOUR, minute_of_hour=0, name="rfm_lifecycle_daily_schedule"
)

defs = Definitions(
    assets=[orders_source_freshness, rfm_lifecycle_dbt_assets, dbt_docs_site],
    jobs=[daily_job],
    schedules=[daily_schedule],
    resources={"dbt": DbtCliResource(project_dir=rfm_project, dbt_executable=DBT_EXECUTABLE)},
)
