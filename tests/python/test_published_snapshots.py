"""Published snapshots (macros/publishing/published_snapshots.sql): only a whole, green `dbt build`
is published; a reader keeps reading while the next build runs; old snapshots are pruned."""
from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from dbt_sandbox import ROOT, Sandbox

sys.path.insert(0, str(ROOT / "scripts"))
from rfm_marts import MARTS, RUN_REPORTS  # noqa: E402


def pointer(box: Sandbox) -> dict:
    return json.loads((published(box) / "current.json").read_text().splitlines()[0])


def published(box: Sandbox) -> Path:
    return box.database.with_name(box.database.name + ".published")


def invocation_id(box: Sandbox) -> str:
    return json.loads((box.path / "target" / "run_results.json").read_text())["metadata"]["invocation_id"]


def table_rows(database: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(f"select * from {table} order by all").fetchall()


@pytest.fixture(scope="module")
def box():
    sandbox = Sandbox()
    try:
        sandbox.generate_orders("--orders", "1500", "--seed", "3")
        sandbox.dbt("build")
        yield sandbox
    finally:
        sandbox.remove()


def test_a_green_build_publishes_every_mart_under_its_run_id(box):
    current = pointer(box)
    assert current["run_id"] == invocation_id(box)
    assert current["snapshot"] == f"run_{current['run_id']}.duckdb"
    assert current["as_of_date"] == str(box.query("select max(as_of_date) from customer_segments")[0][0])
    snapshot = published(box) / current["snapshot"]
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        tables = {name for (name,) in connection.execute("select table_name from information_schema.tables").fetchall()}
    assert tables == set(MARTS) | set(RUN_REPORTS)
    for mart in ("customer_segments", "segment_summary", "export_contacts"):
        assert table_rows(snapshot, mart) == table_rows(box.database, mart), mart


def test_a_partial_build_publishes_nothing(box):
    before = pointer(box)
    result = box.dbt("build", "--select", "customer_segments")
    assert "this build rebuilt 1 of the" in " ".join(result.stdout.split())
    assert pointer(box) == before


def test_a_build_with_a_failing_test_publishes_nothing(box):
    before = pointer(box)
    failing = box.path / "tests" / "singular" / "assert_fails_for_the_snapshot.sql"
    failing.write_text("select customer_id from {{ ref('customer_segments') }}\n")
    try:
        result = box.dbt("build", check=False)
    finally:
        failing.unlink()
    assert result.returncode != 0
    assert "no snapshot published" in " ".join(result.stdout.split())
    assert pointer(box) == before


def test_a_reader_keeps_reading_while_the_next_build_runs_and_old_files_are_pruned(box):
    """A reader holds the current snapshot open through a whole rebuild (which holds the database's
    write lock) and the prune of its file (published_snapshots_kept: 1): every read succeeds and
    returns the same rows; the next reader finds the new snapshot."""
    old = pointer(box)
    old_file = published(box) / old["snapshot"]
    connection = duckdb.connect(str(old_file), read_only=True)
    expected = connection.execute("select count(*), sum(monetary) from customer_segments").fetchall()
    reads, errors, stop = [], [], threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                reads.append(connection.execute("select count(*), sum(monetary) from customer_segments").fetchall())
            except duckdb.Error as error:  # pragma: no cover - the assertion below reports it
                errors.append(error)
            time.sleep(0.01)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        # The database itself is locked for the build; the reader does not touch it.
        box.dbt("build", dbt_vars={"published_snapshots_kept": 1})
    finally:
        stop.set()
        reader.join()
    assert not errors and len(reads) > 10 and all(rows == expected for rows in reads)
    connection.close()
    new = pointer(box)
    assert new["run_id"] != old["run_id"] and new["run_id"] == invocation_id(box)
    assert sorted(path.name for path in published(box).glob("run_*.duckdb")) == [new["snapshot"]]
    assert table_rows(published(box) / new["snapshot"], "customer_segments") == \
        table_rows(box.database, "customer_segments")


def test_publishing_can_be_switched_off(box):
    before = pointer(box)
    box.dbt("build", "--select", "+segment_summary", dbt_vars={"publish_snapshots": False})
    assert pointer(box) == before
