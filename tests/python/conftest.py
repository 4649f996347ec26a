"""Fixtures and hooks for tests/python; the helpers themselves live in project_support."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# dbt's unit tests check the SQL, not the data: `make test` runs all of them once, in
# `make build` before pytest, and the PostgreSQL and Spark builds of the engine comparison
# run them on those engines (tests/python/test_engines.py). Every other dbt run a test
# starts (in process or in a child process, which inherits this) builds and tests the data
# only (`dbt test --select test_type:unit` alone takes about 13 s on the demo, start-up included).
os.environ.setdefault("DBT_EXCLUDE_RESOURCE_TYPES", "unit_test")
# No dbt.log file: dbt turns every event into a log line on top of the console's, which costs
# about a fifth of a small build's time here. What a test reads is the console output (kept in
# assertion messages); a test that reads the file log asks for it (test_reruns.py).
os.environ.setdefault("DBT_LOG_LEVEL_FILE", "none")
# One dbt thread per build: the xdist workers already keep both cores busy, and dbt's own
# threads share one interpreter lock. A demo build costs 40 CPU-s with 1 thread against 44 with 4;
# 4 threads save only 2 s of wall time on an idle machine (DECISIONLOG). Tests of concurrent builds
# set their own.
os.environ.setdefault("RFM_DBT_THREADS", "1")

from project_support import demo_database  # noqa: E402,F401  (session fixture)

# --- In-process dbt runs (tests/python/dbt_harness.py): the oracle, hostile-input,
# var and rerun tests. Their counts and seconds are printed at the end of the run.
from dbt_harness import RUN_STATS  # noqa: E402


def pytest_terminal_summary(terminalreporter) -> None:
    import dbt_in_process

    if dbt_in_process.STATS["commands"]:
        terminalreporter.section("dbt commands run in process")
        terminalreporter.write_line(f"commands: {dbt_in_process.STATS['commands']}, "
                                    f"project parses: {dbt_in_process.STATS['parses']}")
    if not RUN_STATS:
        return
    terminalreporter.section("rfm_lifecycle generated cases")
    for key in sorted(RUN_STATS):
        value = RUN_STATS[key]
        terminalreporter.write_line(f"{key}: {value:.1f}" if isinstance(value, float) else f"{key}: {value}")


# The longest files first (their seconds in a profiled `make test`, --durations=0): with two
# test workers, files are handed out in this order and a worker takes the next when it is almost
# done, so a long file started last would leave the other worker idle until it ends (make test
# passes --no-loadscope-reorder, else xdist orders files by their number of tests). The engine
# comparison, about a quarter of the suite, starts at once. A stable sort keeps every other order.
LONGEST_FIRST = (
    "test_engines.py",  # 610 s
    "test_oracle_properties.py",  # 145 s
    "test_reruns.py",  # 140 s
    "test_benchmark.py",  # 110 s
    "test_hostile_input.py",  # 110 s
    "test_orchestration.py",  # 105 s
    "test_segment_history.py",  # 90 s
    "test_dashboard_browser.py",  # 80 s
    "test_end_to_end.py",  # 80 s
    "test_exports.py",  # 80 s
    "test_segment_rules.py",  # 75 s
    "test_uploads.py",  # 70 s
    "test_published_snapshots.py",  # 60 s
    "test_real_exports.py",  # 60 s
)


def pytest_collection_modifyitems(items) -> None:
    def rank(item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


def pytest_configure(config) -> None:
    """Each test worker reads its own copy of the demo build (`make build`), so a test in one
    worker that opens the build never meets another worker's lock on the file."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    source = Path(os.environ.get("RFM_DUCKDB_PATH") or Path(__file__).resolve().parents[2] / "rfm_lifecycle.duckdb")
    if not worker or not source.exists():
        return
    # The same file name: the database's views name their catalog after it.
    copy = Path(tempfile.mkdtemp(prefix=f"rfm_lifecycle_demo_{worker}_")) / source.name
    shutil.copyfile(source, copy)
    os.environ["RFM_DUCKDB_PATH"] = str(copy)
