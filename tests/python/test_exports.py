"""The export files: the documented contract, their rows, and atomic replacement."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import subprocess
import sys
import threading
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dbt_sandbox import ROOT, Sandbox

# The contract of docs/exports.md. Changing it breaks every CRM import mapping:
# change the docs, this list and the models together, and say so in the release notes.
CONTRACT = [
    ("customer_id", "string"), ("segment_scheme", "string"), ("segment_code", "string"),
    ("segment_name", "string"), ("action_phase", "string"), ("action_goal", "string"),
    ("action_description", "string"), ("action_channel", "string"), ("action_trigger", "string"),
    ("lifecycle_segment", "string"), ("rfm_segment", "string"), ("next_segment_if_no_order", "string"),
    ("next_transition_date", "date"), ("days_until_transition", "int32"), ("last_order_date", "date"),
    ("recency_days", "int32"), ("frequency", "int32"), ("monetary", "decimal(38,2)"),
    ("r_score", "int32"), ("f_score", "int32"), ("m_score", "int32"), ("as_of_date", "date"),
]
COLUMNS = [name for name, _ in CONTRACT]
ARROW_TYPES = {"string": "string", "date": "date32[day]", "int32": "int32", "decimal(38,2)": "decimal128(38, 2)"}
MANIFEST_COLUMNS = ["export_file", "export_kind", "segment_scheme", "segment_code", "segment_name",
                    "customers", "csv_file", "parquet_file", "as_of_date"]
LIFECYCLE = ["prospect", "new", "one_time", "regular", "loyal", "inactive", "lost"]
CLASSIC_RF = ["champions", "loyal", "potential_loyalists", "new", "promising", "need_attention",
              "about_to_sleep", "at_risk", "cant_lose", "hibernating", "lost"]
DUE_WITHIN_DAYS = 7
# The scheduler command of docs/exports.md.
EXPORT_BUILD = ["build", "--select", "+tag:export", "--indirect-selection", "cautious"]


def documented_table(marker: str) -> list[list[str]]:
    text = (ROOT / "docs" / "exports.md").read_text()
    block = text.split(f"<!-- {marker}:start -->")[1].split(f"<!-- {marker}:end -->")[0]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in block.strip().splitlines()]
    return [[cell.strip("`") for cell in row] for row in rows[2:]]


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def as_csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {path.name: (path.read_bytes(), path.stat().st_ino) for path in sorted(folder.iterdir())}


class Reader(threading.Thread):
    """Reads the files over and over, like a mailing tool polling the folder, and keeps what it saw."""

    def __init__(self, paths: list[Path]):
        super().__init__(daemon=True)
        self.paths = paths
        self.seen: dict[str, set[str]] = defaultdict(set)
        self.missing = 0
        self.reads = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for path in self.paths:
                try:
                    data = path.read_bytes()
                except FileNotFoundError:
                    self.missing += 1
                    continue
                self.reads += 1
                self.seen[path.name].add(hashlib.sha256(data).hexdigest())

    def finish(self) -> None:
        self.stop.set()
        self.join()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def exported():
    box = Sandbox()
    try:
        box.generate_orders("--orders", "20000", "--seed", "11")
        folder = box.path / "crm exports"  # a space in the path must work
        folder.mkdir()
        box.dbt("build", dbt_vars={"export_folder": str(folder)})
        yield box, folder
    finally:
        box.remove()


def test_docs_state_the_contract():
    assert [[name, kind] for name, kind, _ in documented_table("export-columns")] == [list(c) for c in CONTRACT]
    assert [name for name, _ in documented_table("manifest-columns")] == MANIFEST_COLUMNS


def test_every_segment_gets_a_csv_and_a_parquet_file(exported):
    box, folder = exported
    segment_stems = [f"lifecycle__{s}" for s in LIFECYCLE] + [f"classic_rf__{s}" for s in CLASSIC_RF]
    stems = segment_stems + [f"entered_today__{stem}" for stem in segment_stems] + ["due_today"]
    expected = {f"{stem}.{ext}" for stem in stems for ext in ("csv", "parquet")} | {"manifest.csv"}
    assert {path.name for path in folder.iterdir()} == expected  # no tmp_ file left, nothing else


def test_files_follow_the_contract(exported):
    _, folder = exported
    for path in sorted(folder.glob("*.csv")):
        if path.name != "manifest.csv":
            assert read_csv(path)[0] == COLUMNS, path.name
    for path in sorted(folder.glob("*.parquet")):
        schema = pq.read_schema(path)
        assert [(field.name, str(field.type)) for field in schema] == \
            [(name, ARROW_TYPES[kind]) for name, kind in CONTRACT], path.name
        # Optional columns whatever the data, so the schema is the same on every run.
        assert all(field.nullable for field in schema), path.name
    assert read_csv(folder / "manifest.csv")[0] == MANIFEST_COLUMNS


def test_rows_are_the_segments_customers(exported):
    box, folder = exported
    customers = {row[0]: row[1:] for row in box.query(
        "select customer_id, lifecycle_segment, rfm_segment, r_score from customer_segments")}
    codes = dict(box.query("select rfm_segment, rfm_segment_code from int_rfm_segments_defined"
                           " where is_selected_scheme"))
    _, manifest = read_csv(folder / "manifest.csv")
    assert len(manifest) == 2 * (len(LIFECYCLE) + len(CLASSIC_RF)) + 1
    lifecycle_ids, rfm_ids = [], []
    for export_file, kind, scheme, code, name, count, csv_file, parquet_file, as_of_date in manifest:
        header, rows = read_csv(folder / csv_file)
        table = pq.read_table(folder / parquet_file)
        assert len(rows) == table.num_rows == int(count), export_file
        ids = [row[0] for row in rows]
        assert ids == sorted(ids) and len(set(ids)) == len(ids), export_file
        # The CSV and the Parquet file hold the same values.
        assert [[as_csv_text(value) for value in record.values()] for record in table.to_pylist()] == rows
        for row in rows:
            record = dict(zip(header, row))
            lifecycle_segment, rfm_segment, _ = customers[record["customer_id"]]
            assert record["as_of_date"] == as_of_date and record["segment_scheme"] == scheme
            if kind == "segment" and scheme == "lifecycle":
                assert record["segment_code"] == code == lifecycle_segment
                lifecycle_ids.append(record["customer_id"])
            elif kind == "segment":
                assert record["segment_name"] == name == rfm_segment and codes[rfm_segment] == code
                rfm_ids.append(record["customer_id"])
            elif kind == "entered":  # the customer is in the segment entered (checked in the next test)
                assert record["segment_code"] == code and code in (lifecycle_segment, codes.get(rfm_segment))
    assert sorted(lifecycle_ids) == sorted(customers)
    assert sorted(rfm_ids) == sorted(c for c, (_, _, r_score) in customers.items() if r_score is not None)


def test_due_today_lists_the_customers_about_to_change_segment(exported):
    box, folder = exported
    expected = {row[0]: row[1:] for row in box.query(
        "select customer_id, lifecycle_segment, next_segment_if_no_order, cast(next_transition_date as varchar)"
        f" from customer_segments where days_until_transition between 1 and {DUE_WITHIN_DAYS}")}
    header, rows = read_csv(folder / "due_today.csv")
    found = {}
    for row in rows:
        record = dict(zip(header, row))
        assert 1 <= int(record["days_until_transition"]) <= DUE_WITHIN_DAYS
        assert record["segment_scheme"] == "lifecycle" and record["segment_code"] == record["lifecycle_segment"]
        assert record["action_trigger"]
        found[record["customer_id"]] = [record["lifecycle_segment"], record["next_segment_if_no_order"],
                                        record["next_transition_date"]]
    assert found == {key: list(value) for key, value in expected.items()} and found


def test_entered_today_lists_the_customers_who_changed_segment_on_the_as_of_date(exported):
    """entered_today__<segment file>: the segment file's customers whose segment (of that scheme) on the
    as-of date differs from the one at the previous period end (segment_changes), so a mailing tool can
    start a flow on the day it reads the files."""
    box, folder = exported
    expected: dict[str, set[str]] = defaultdict(set)
    for customer_id, lifecycle_segment, rfm_code, lifecycle_change, rfm_change in box.query(
            "select customer_id, lifecycle_segment, rfm_segment_code, is_lifecycle_change, is_rfm_change"
            " from segment_changes where changed_on_date = as_of_date"):
        if lifecycle_change:
            expected[f"entered_today__lifecycle__{lifecycle_segment}"].add(customer_id)
        if rfm_change and rfm_code is not None:
            expected[f"entered_today__classic_rf__{rfm_code}"].add(customer_id)
    assert sum(map(len, expected.values())) > 0
    found = {}
    for stem in [f"lifecycle__{s}" for s in LIFECYCLE] + [f"classic_rf__{s}" for s in CLASSIC_RF]:
        header, rows = read_csv(folder / f"entered_today__{stem}.csv")
        assert header == COLUMNS
        found[f"entered_today__{stem}"] = {row[0] for row in rows}
        assert all(row[header.index("segment_code")] == stem.split("__")[1] for row in rows), stem
        # Whoever entered a segment is in it: the segment file lists them too.
        assert found[f"entered_today__{stem}"] <= {row[0] for row in read_csv(folder / f"{stem}.csv")[1]}, stem
    assert {name: ids for name, ids in found.items() if ids} == dict(expected)


def test_csv_format(exported):
    _, folder = exported
    data = (folder / "lifecycle__loyal.csv").read_bytes()
    text = data.decode("utf-8")
    assert "\r" not in text and text.endswith("\n")
    header, rows = read_csv(folder / "lifecycle__loyal.csv")
    position = {name: header.index(name) for name in header}
    for row in rows:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[position["as_of_date"]])
        assert re.fullmatch(r"-?\d+\.\d{2}", row[position["monetary"]])
        assert re.fullmatch(r"\d+", row[position["frequency"]])
    # Fields with a comma are quoted, the others are not.
    first_line = text.splitlines()[1]
    assert ',"' in first_line and not first_line.startswith('"')


def test_rerun_replaces_every_file_atomically(exported):
    box, folder = exported
    before = snapshot(folder)
    (as_of_date,) = box.query("select max(as_of_date) from customer_segments")[0]
    held_open = (folder / "lifecycle__lost.csv").open("rb")  # a reader in the middle of an import
    reader = Reader(sorted(folder.iterdir()))
    reader.start()
    try:
        box.dbt(*EXPORT_BUILD, dbt_vars={
            "export_folder": str(folder), "as_of_date": str(as_of_date - dt.timedelta(days=30))})
    finally:
        reader.finish()
    after = snapshot(folder)
    print(f"reader: {reader.reads} complete reads of {len(before)} files during the rerun, {reader.missing} missing")
    assert set(after) == set(before)
    assert reader.reads > 1000 and reader.missing == 0
    for name, (old_bytes, old_inode) in before.items():
        new_bytes, new_inode = after[name]
        # Only ever the whole old file or the whole new one.
        assert reader.seen[name] <= {digest(old_bytes), digest(new_bytes)}, name
        # Replaced by a rename, not rewritten in place.
        assert new_inode != old_inode, name
    assert held_open.read() == before["lifecycle__lost.csv"][0]
    held_open.close()
    changed = [name for name in before if before[name][0] != after[name][0]]
    assert "lifecycle__lost.csv" in changed and "manifest.csv" in changed and len(changed) > 30


def test_the_reader_catches_a_file_written_in_place(tmp_path):
    """The check above can fail: the same reader sees half-written files when DuckDB writes in place."""
    target = tmp_path / "big.csv"
    script = (
        "import duckdb, sys\n"
        "duckdb.connect().execute(\"copy (select range as n, md5(range::varchar) as h from range(\" + sys.argv[2]"
        " + \")) to '\" + sys.argv[1] + \"' (format csv, header true, use_tmp_file false)\")\n"
    )
    subprocess.run([sys.executable, "-c", script, str(target), "1000000"], check=True)
    old = digest(target.read_bytes())
    reader = Reader([target])
    reader.start()
    try:
        for rows in ("1500000", "1000000", "1500000"):
            subprocess.run([sys.executable, "-c", script, str(target), rows], check=True)
    finally:
        reader.finish()
    complete = {old, digest(target.read_bytes())}
    subprocess.run([sys.executable, "-c", script, str(target), "1500000"], check=True)
    complete.add(digest(target.read_bytes()))
    partial = reader.seen[target.name] - complete
    print(f"reader: {reader.reads} reads of an in-place write, {len(partial)} different half-written contents")
    assert partial, "no half-written file seen"


def test_same_input_same_bytes(exported):
    box, folder = exported
    before = snapshot(folder)
    (as_of_date,) = box.query("select max(as_of_date) from customer_segments")[0]
    box.dbt("build", "--select", "tag:export", dbt_vars={"export_folder": str(folder), "as_of_date": str(as_of_date)})
    after = snapshot(folder)
    assert {name: data for name, (data, _) in after.items()} == {name: data for name, (data, _) in before.items()}


def test_due_window_of_zero_days_gives_an_empty_list(exported):
    box, folder = exported
    (as_of_date,) = box.query("select max(as_of_date) from customer_segments")[0]
    box.dbt("build", "--select", "tag:export", dbt_vars={
        "export_folder": str(folder), "as_of_date": str(as_of_date), "export_due_within_days": 0})
    header, rows = read_csv(folder / "due_today.csv")
    assert header == COLUMNS and rows == []
    table = pq.read_table(folder / "due_today.parquet")
    assert table.num_rows == 0 and table.schema.names == COLUMNS
    manifest = {row[0]: row for row in read_csv(folder / "manifest.csv")[1]}
    assert manifest["due_today"][MANIFEST_COLUMNS.index("customers")] == "0"


def test_without_export_folder_no_file_is_written(exported):
    box, folder = exported
    before = snapshot(folder)
    (as_of_date,) = box.query("select max(as_of_date) from customer_segments")[0]
    box.dbt("build", "--select", "tag:export", dbt_vars={"as_of_date": str(as_of_date)})
    assert snapshot(folder) == before
    assert box.query("select count(*) from export_contacts")[0][0] > 0


def test_a_missing_export_folder_stops_the_build_naming_the_var(exported):
    """Before any file is written: export_files fails with the path and the var, every other file stays."""
    box, folder = exported
    before = snapshot(folder)
    (as_of_date,) = box.query("select max(as_of_date) from customer_segments")[0]
    for missing, state in [(folder / "typo", "does not exist"), (folder / "manifest.csv", "is not a folder")]:
        result = box.dbt("build", "--select", "tag:export", check=False,
                         dbt_vars={"export_folder": str(missing), "as_of_date": str(as_of_date)})
        assert result.returncode != 0
        output = " ".join((result.stdout + result.stderr).split())
        assert f"var 'export_folder' is '{missing}', which {state}" in output, output[-3000:]
        assert "export files NOT written" in output
        assert not (folder / "typo").exists()
    assert snapshot(folder) == before


def test_other_engines_get_a_clear_error(exported):
    box, _ = exported
    result = box.dbt("run-operation", "default__rfm_write_export_files", "--args",
                     "{files_relation: export_files, contacts_relation: export_contacts, folder: /srv/crm}",
                     check=False)
    assert result.returncode != 0
    output = " ".join((result.stdout + result.stderr).split())
    assert "var 'export_folder' is '/srv/crm', but export files are written with DuckDB's COPY" in output
    assert "--exclude tag:export" in output
