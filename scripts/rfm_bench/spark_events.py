"""Spark's event log, read per dbt model: how many tasks did the work of each model's table?

dbt-spark's session method runs every statement through `spark.sql`, so the log names no
model. The model comes from the statement's plan: the table a `create table ... as select`
writes (`spark_catalog`.`schema`.`table`), or the table folder an insert writes (seeds). A
statement may start nested ones (Spark 3.4+ runs a CTAS's write as a child execution); their
jobs carry the root execution's id, so they count for the same model. Jobs of statements that
write nothing (dbt's metadata queries, var checks) count under OTHER.

The largest stage of a model is the one with the most executor run time summed over its
tasks: where the data part of the model's work is. Its task count says whether that work was
split (a stage of one task is all rows on one core), and the longest task's share of the
stage's run time says how evenly (1.0: one task did everything).
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

OTHER = "(statements that write no table)"
# A section of Spark's formatted plan: "(3) Execute InsertIntoHadoopFsRelationCommand" up to its
# "Arguments: ..." line, which names the table or the folder written.
PLAN_SECTION = re.compile(r"^\(\d+\) (?:Execute )?(?P<command>\w+)\n(?:(?!\(\d+\) ).*\n)*?Arguments: (?P<arguments>.*)$",
                          re.MULTILINE)
WRITE_COMMANDS = {
    "CreateDataSourceTableAsSelectCommand",
    "InsertIntoHadoopFsRelationCommand",
    "CreateHiveTableAsSelectCommand",
    "OptimizedCreateHiveTableAsSelectCommand",
    "InsertIntoHiveTable",
}
CATALOG_TABLE = re.compile(r"`spark_catalog`\.`(?P<schema>[^`]+)`\.`(?P<table>[^`]+)`")
WAREHOUSE_FOLDER = re.compile(r"/(?P<schema>[^/,\s]+)\.db/(?P<table>[^/,\s]+)")


def written_table(plan: str) -> str | None:
    """The table a statement's plan writes, or None when it writes none."""
    for section in PLAN_SECTION.finditer(plan):
        if section["command"] in WRITE_COMMANDS:
            found = CATALOG_TABLE.search(section["arguments"]) or WAREHOUSE_FOLDER.search(section["arguments"])
            if found:
                return found["table"]
    return None


def event_log_file(folder: Path) -> Path:
    """The one application log Spark wrote into folder (still named .inprogress when the driver
    ended without stopping its context, as the dbt process does)."""
    logs = [path for path in folder.iterdir() if path.is_file()]
    if len(logs) != 1:
        raise SystemExit(f"benchmark: expected one Spark event log in {folder}, found {len(logs)}")
    return logs[0]


def stages_per_model(log_path: Path) -> dict[str, dict]:
    """{model: {stages, tasks, run_s, largest_stage: {stage_id, tasks, run_s, longest_task_share}}}."""
    execution_table: dict[str, str | None] = {}
    job_model: dict[int, str] = {}
    stage_job: dict[int, int] = {}
    stage_tasks: dict[int, int] = {}
    task_run_ms: dict[int, list[int]] = defaultdict(list)
    with log_path.open(encoding="utf-8") as events:
        for line in events:
            event = json.loads(line)
            kind = event["Event"]
            if kind.endswith("SQLExecutionStart"):
                execution_table[str(event["executionId"])] = written_table(event.get("physicalPlanDescription", ""))
            elif kind == "SparkListenerJobStart":
                properties = event.get("Properties") or {}
                root = properties.get("spark.sql.execution.root.id") or properties.get("spark.sql.execution.id")
                job_model[event["Job ID"]] = execution_table.get(str(root)) or OTHER
                for stage_id in event["Stage IDs"]:
                    stage_job.setdefault(stage_id, event["Job ID"])
            elif kind == "SparkListenerStageCompleted":
                info = event["Stage Info"]
                stage_tasks[info["Stage ID"]] = info["Number of Tasks"]
            elif kind == "SparkListenerTaskEnd":
                metrics = event.get("Task Metrics") or {}
                task_run_ms[event["Stage ID"]].append(int(metrics.get("Executor Run Time", 0)))

    stages: dict[str, list[int]] = defaultdict(list)
    for stage_id in sorted(stage_tasks):  # stages that ran; a skipped stage (its shuffle reused) has no tasks
        stages[job_model.get(stage_job.get(stage_id, -1), OTHER)].append(stage_id)
    models = {}
    for model, stage_ids in stages.items():
        run_ms = {stage_id: sum(task_run_ms[stage_id]) for stage_id in stage_ids}
        largest = max(stage_ids, key=lambda stage_id: (run_ms[stage_id], stage_tasks[stage_id], -stage_id))
        longest = max(task_run_ms[largest], default=0)
        models[model] = {
            "stages": len(stage_ids),
            "tasks": sum(stage_tasks[stage_id] for stage_id in stage_ids),
            "run_s": sum(run_ms.values()) / 1000,
            "largest_stage": {
                "stage_id": largest,
                "tasks": stage_tasks[largest],
                "run_s": run_ms[largest] / 1000,
                "longest_task_share": longest / run_ms[largest] if run_ms[largest] else None,
            },
        }
    return models
