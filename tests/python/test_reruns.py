"""Reruns change nothing: building again, building from shuffled input, a full
refresh, and a build killed halfway and then rerun all end with the same marts,
byte for byte (a dump of every mart, rows in a fixed order, with column types).

Every model is a plain table today; the second build of
test_rebuilds_are_byte_identical would take the incremental path of a model made
incremental, and the third is a --full-refresh, so such a model is held to the
same standard.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import dbt_in_process
from dbt_harness import PROJECT_DIR, DbtHarness

sys.path.insert(0, str(PROJECT_DIR / "scripts"))
from rfm_marts import RUN_REPORTS  # noqa: E402

# The marts about the customers; a run report (input_formats) names the input file, which differs.
MARTS = sorted(p.stem for p in (PROJECT_DIR / "models" / "marts").glob("*.sql") if p.stem not in RUN_REPORTS)
GENERATOR = PROJECT_DIR / "scripts" / "generate_orders.py"


def generate(folder: Path, orders: int, seed: int) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out, customers = folder / "orders.csv", folder / "customers.csv"
    subprocess.run([sys.executable, str(GENERATOR), "--orders", str(orders), "--seed", str(seed),
                    "--start", "2023-01-01", "--end", "2024-12-31", "--out", str(out),
                    "--customers-out", str(customers)], check=True, capture_output=True)
    return out, customers


def dump_marts(db_path: Path) -> dict[str, str]:
    """sha256 of each mart: its column names and types and every row, in a fixed order."""
    import duckdb

    # read-write: the in-process dbt may still hold this file open, and DuckDB wants one configuration
    con = duckdb.connect(str(db_path))
    try:
        digests = {}
        for mart in MARTS:
            columns = con.execute(f"describe {mart}").fetchall()
            rows = con.execute(f"select * from {mart} order by all").fetchall()
            payload = repr([(c[0], c[1]) for c in columns]) + "\n" + "\n".join(repr(r) for r in rows)
            digests[mart] = f"{len(rows)} rows sha256:{hashlib.sha256(payload.encode()).hexdigest()[:16]}"
        return digests
    finally:
        con.close()


def vars_for(orders: Path, customers: Path) -> dict:
    return {"orders_path": str(orders), "customers_path": str(customers), "max_order_date": "2024-12-31"}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rerun_data")
    orders, customers = generate(folder / "a", orders=3000, seed=11)
    # the same rows in another order
    lines = orders.read_text().splitlines(keepends=True)
    body = lines[1:]
    random.Random(5).shuffle(body)
    shuffled = folder / "shuffled.csv"
    shuffled.write_text(lines[0] + "".join(body))
    return {"orders": orders, "customers": customers, "shuffled": shuffled, "folder": folder}


@pytest.fixture(scope="module")
def reference(tmp_path_factory, data):
    # Four threads, as a user's build runs: byte-identical reruns must not depend on node order.
    h = DbtHarness(tmp_path_factory.mktemp("rerun_reference"), threads=4)
    h.seed()
    result = h.build(vars_for(data["orders"], data["customers"]))
    assert result.success, result.messages
    return h, dump_marts(h.db_path)


def test_rebuilds_are_byte_identical(reference, data):
    h, first = reference
    assert all(not d.startswith("0 rows") for d in first.values()), first
    again = h.build(vars_for(data["orders"], data["customers"]))
    assert again.success, again.messages
    assert dump_marts(h.db_path) == first
    refreshed = h.invoke(["build", "--full-refresh", "--exclude-resource-type", "unit_test"],
                         vars_for(data["orders"], data["customers"]))
    assert refreshed.success, refreshed.messages
    assert dump_marts(h.db_path) == first


def test_row_order_of_the_input_changes_nothing(reference, data):
    h, first = reference
    result = h.build(vars_for(data["shuffled"], data["customers"]))
    assert result.success, result.messages
    assert dump_marts(h.db_path) == first


def _dbt_environment(work: Path, threads: int = 4) -> dict[str, str]:
    return dict(os.environ, DBT_PROFILES_DIR=str(PROJECT_DIR), RFM_DUCKDB_PATH=str(work / "rfm.duckdb"),
                RFM_DUCKDB_TEMP_DIRECTORY=str(work / "duckdb_tmp"), DBT_SEND_ANONYMOUS_USAGE_STATS="False",
                RFM_DBT_THREADS=str(threads))


def _build_arguments(work: Path) -> list[str]:
    return ["build", "--exclude-resource-type", "unit_test", "--target-path", str(work / "target"),
            "--log-path", str(work / "logs")]


def _dbt_build(work: Path, dbt_vars: dict) -> int:
    """A whole build, in this process (tests/python/dbt_in_process.py)."""
    result = dbt_in_process.dbt(_build_arguments(work), PROJECT_DIR, _dbt_environment(work), dbt_vars)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return result.returncode


def _dbt_subprocess(work: Path, dbt_vars: dict, threads: int = 4) -> subprocess.Popen:
    """A build in a child process of its own session, so the test can kill it half-way."""
    dbt = Path(sys.executable).with_name("dbt")
    # The test watches its log file for the moment to kill it.
    environment = {**_dbt_environment(work, threads), "DBT_LOG_LEVEL_FILE": "debug"}
    return subprocess.Popen(
        [str(dbt), *_build_arguments(work), "--project-dir", str(PROJECT_DIR), "--vars", json.dumps(dbt_vars)],
        cwd=PROJECT_DIR, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)


def test_interrupted_build_then_rerun_ends_with_correct_complete_marts(reference, data, tmp_path):
    _, expected = reference
    work = tmp_path / "interrupted"
    work.mkdir()
    # One input path for every run: the builds differ only in the files' content.
    orders, customers = work / "orders.csv", work / "customers.csv"
    # yesterday's marts, from other data
    old_orders, old_customers = generate(data["folder"] / "old", orders=1500, seed=3)
    orders.write_bytes(old_orders.read_bytes())
    customers.write_bytes(old_customers.read_bytes())
    assert _dbt_build(work, vars_for(orders, customers)) == 0
    before = dump_marts(work / "rfm.duckdb")
    assert before != expected

    # today's build, killed as soon as the first intermediate tables are written
    orders.write_bytes(data["orders"].read_bytes())
    customers.write_bytes(data["customers"].read_bytes())
    log = work / "logs" / "dbt.log"
    log_start = log.stat().st_size if log.exists() else 0
    proc = _dbt_subprocess(work, vars_for(orders, customers), threads=1)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if not log.exists():  # the child has not started logging yet
            time.sleep(0.05)
            continue
        with log.open(errors="replace") as f:
            f.seek(log_start)
            if "OK created sql table model main.int_orders_classified" in f.read():
                break
        time.sleep(0.05)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL

    # halfway: the marts are still yesterday's while the intermediates are today's
    half = dump_marts(work / "rfm.duckdb")
    assert half["customer_segments"] == before["customer_segments"]
    assert half != expected

    assert _dbt_build(work, vars_for(orders, customers)) == 0
    assert dump_marts(work / "rfm.duckdb") == expected
