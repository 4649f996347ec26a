"""The intake guard and the export gate: a bad daily file replaces no mart and no export file.

One sandbox, built once from a good file with export files; each test then feeds it a bad input
(or a failing test) and checks that the build stops with a message that names the fix, and that the
marts and every export file (bytes and inode) are exactly as the good build left them."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from dbt_sandbox import Sandbox

# 7 lifecycle + 11 classic_rf segments, due_today and entered_today per segment, CSV and Parquet, + manifest
EXPORT_FILES_PER_BUILD = (7 + 11 + 1 + 7 + 11) * 2 + 1


def state(box: Sandbox, folder: Path) -> tuple:
    files = {path.name: (path.read_bytes(), path.stat().st_ino) for path in sorted(folder.iterdir())}
    marts = (box.query("select * from customer_segments order by customer_id"),
             box.query("select * from orders_accounting order by row_status, rejection_reason"),
             box.query("select * from orders_rejected order by all"),
             box.query("select * from segment_summary order by segment_scheme, segment_code"))
    return files, marts


def rewrite(source: Path, target: Path, change) -> Path:
    """The source rows, each passed through change(index, row) (None drops it), written as CSV."""
    with source.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    kept = [new for index, row in enumerate(rows) if (new := change(index, dict(row))) is not None]
    with target.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return target


@pytest.fixture(scope="module")
def good_build():
    box = Sandbox()
    try:
        box.generate_orders("--orders", "3000", "--seed", "5")
        folder = box.path / "exports"
        folder.mkdir()
        box.dbt("build", dbt_vars={"export_folder": str(folder)})
        assert len(list(folder.iterdir())) == EXPORT_FILES_PER_BUILD
        yield box, folder, state(box, folder)
    finally:
        box.remove()


def stopped(box: Sandbox, folder: Path, orders: Path, **extra_vars) -> str:
    result = box.dbt("build", dbt_vars={"export_folder": str(folder), "orders_path": str(orders), **extra_vars},
                     check=False)
    assert result.returncode != 0, result.stdout[-3000:]
    return " ".join(result.stdout.split())


def demo_orders(box: Sandbox) -> Path:
    return box.path / "data" / "demo" / "orders.csv"


def test_decimal_commas_everywhere_stop_the_build_and_name_the_fix(good_build, tmp_path):
    box, folder, before = good_build
    # What a Dutch export read with the wrong separator gives: 93 of 100 amounts unparseable.
    bad = rewrite(demo_orders(box), tmp_path / "orders.csv",
                  lambda i, row: {**row, "amount": row["amount"].replace(".", "x")} if i % 100 < 93 else row)
    output = stopped(box, folder, bad)
    assert "order rows were accepted" in output and "min_accepted_share is 0.5" in output
    assert re.search(r"Most rejected: 9[0-3][.][0-9]% 'unparseable amount'", output), output[-2000:]
    assert "set orders_format.decimal_separator" in output
    assert state(box, folder) == before


def test_an_all_rejected_file_replaces_nothing(good_build, tmp_path):
    box, folder, before = good_build
    # A customer column that came out empty (an export that moved it): no row can be used.
    bad = rewrite(demo_orders(box), tmp_path / "orders.csv", lambda i, row: {**row, "customer_id": ""})
    output = stopped(box, folder, bad)
    assert "only 0.0% of the" in output and "'missing customer_id'" in output, output[-2000:]
    assert "set orders_columns.customer_id" in output
    assert state(box, folder) == before


def test_a_sharp_drop_against_the_previous_build_stops_it(good_build, tmp_path):
    box, folder, before = good_build
    third = rewrite(demo_orders(box), tmp_path / "orders.csv", lambda i, row: row if i % 3 == 0 else None)
    output = stopped(box, folder, third)
    assert "the accepted order rows fell from" in output and "max_accepted_drop is 0.5" in output
    assert "--vars '{max_accepted_drop: 1}'" in output
    assert state(box, folder) == before
    # A stricter share setting is no excuse to pass a drop: both checks run.
    assert "fell from" in stopped(box, folder, third, min_accepted_share=0)


def test_a_failing_test_that_reads_several_models_writes_no_export_file(good_build):
    """The files wait for every test of the run, also one that reads several models."""
    box, folder, before = good_build
    failing = box.path / "tests" / "singular" / "assert_fails_across_marts.sql"
    failing.write_text(
        "select customer_segments.customer_id\n"
        "from {{ ref('customer_segments') }} as customer_segments\n"
        "inner join {{ ref('export_contacts') }} as export_contacts\n"
        "    on customer_segments.customer_id = export_contacts.customer_id\n")
    try:
        result = box.dbt("build", "--select", "export_files", "assert_fails_across_marts",
                         dbt_vars={"export_folder": str(folder)}, check=False)
    finally:
        failing.unlink()
    output = " ".join(result.stdout.split())
    assert result.returncode != 0
    assert "export files NOT written to" in output and "assert_fails_across_marts (fail)" in output, output[-2000:]
    assert state(box, folder)[0] == before[0]
    # The same selection without the failing test writes them.
    result = box.dbt("build", "--select", "export_files", dbt_vars={"export_folder": str(folder)})
    assert "export files written to" in " ".join(result.stdout.split())
    assert all(path.stat().st_ino != before[0][path.name][1] for path in folder.iterdir())


def test_dbt_run_writes_no_export_file(good_build):
    box, folder, _ = good_build
    files_before = state(box, folder)[0]
    result = box.dbt("run", "--select", "export_files", dbt_vars={"export_folder": str(folder)})
    assert "they are written by `dbt build` only" in " ".join(result.stdout.split())
    assert state(box, folder)[0] == files_before


def test_the_smaller_file_passes_when_the_drop_is_allowed(good_build, tmp_path):
    box, folder, _ = good_build
    third = rewrite(demo_orders(box), tmp_path / "orders.csv", lambda i, row: row if i % 3 == 0 else None)
    box.dbt("run", "--select", "+int_order_fates_counted",
            dbt_vars={"orders_path": str(third), "max_accepted_drop": 1})
    ((accepted,),) = box.query("select sum(source_rows) from int_order_fates_counted where row_status <> 'rejected'")
    assert 0 < accepted < box.query("select sum(source_rows) from orders_accounting")[0][0] / 2
