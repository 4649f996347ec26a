"""scripts/load_raw_tables.py: the engines' own bulk readers load CSV and Parquet files as raw text
tables (issue 18), and the PostgreSQL loader reloads while the project's views read the table (issue 13):
a daily reload must not fail on, or silently drop, the staging view that depends on raw_orders."""
from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import psycopg2
import pytest

from project_support import PROJECT_DIR

sys.path.insert(0, str(PROJECT_DIR / "scripts"))
import load_raw_tables  # noqa: E402

SCHEMA = "raw_reload_test"
ORDERS = PROJECT_DIR / "tests" / "python" / "fixtures" / "exports" / "plain_contract.csv"


def load(path, target: str = "postgres", schema: str = SCHEMA, **environment: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "load_raw_tables.py"), "--target", target,
         "--orders", str(path), "--schema", schema],
        cwd=PROJECT_DIR, env={**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR), **environment},
        capture_output=True, text=True, timeout=120)


def test_a_reload_keeps_the_views_on_the_raw_table(tmp_path):
    first = load(ORDERS)
    assert first.returncode == 0, first.stderr
    with psycopg2.connect("") as connection, connection.cursor() as cursor:
        cursor.execute(f'create or replace view "{SCHEMA}".orders_view as select * from "{SCHEMA}".raw_orders')
    fewer = tmp_path / "orders.csv"
    fewer.write_text("\n".join(ORDERS.read_text().splitlines()[:4]) + "\n")
    second = load(fewer)
    assert second.returncode == 0, second.stderr
    with psycopg2.connect("") as connection, connection.cursor() as cursor:
        cursor.execute(f'select count(*) from "{SCHEMA}".orders_view')
        assert cursor.fetchone()[0] == 3
        cursor.execute(f'drop schema "{SCHEMA}" cascade')


# Spaces kept, an empty field NULL whether quoted or not, a quoted line break and comma, a doubled quote.
DIRTY_CSV = (
    'order_id,customer_id,order_date,amount\n'
    'O1, ,not a date,"12,50,0"\n'
    'O2,,2024-01-05 10:00:00,n/a\n'
    'O3,"",x,"line\nbreak"\n'
    'O4,"say ""hi""",2024-02-01,1.234\n'
)
DIRTY_ROWS = [
    ("O1", " ", "not a date", "12,50,0"),
    ("O2", None, "2024-01-05 10:00:00", "n/a"),
    ("O3", None, "x", "line\nbreak"),
    ("O4", 'say "hi"', "2024-02-01", "1.234"),
]


@pytest.fixture
def dirty_files(tmp_path: Path) -> dict[str, Path]:
    written = tmp_path / "orders.csv"
    written.write_text(DIRTY_CSV, encoding="utf-8")
    parquet = tmp_path / "orders.parquet"
    with duckdb.connect() as connection:
        connection.execute(f"copy (select * from read_csv('{written}', all_varchar = true)) to '{parquet}'")
    return {"csv": written, "parquet": parquet}


def postgres_rows(schema: str) -> list[tuple]:
    with psycopg2.connect("") as connection, connection.cursor() as cursor:
        cursor.execute(f'select * from "{schema}".raw_orders order by order_id')
        return cursor.fetchall()


def duckdb_rows(database: Path) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute("select * from landing.raw_orders order by order_id").fetchall()


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_csv_and_parquet_load_the_same_text_on_postgres_and_duckdb(dirty_files, kind, tmp_path):
    loaded = load(dirty_files[kind], schema="raw_dirty_test")
    assert loaded.returncode == 0, loaded.stderr
    assert "raw_dirty_test.raw_orders (4 rows)" in loaded.stderr
    assert postgres_rows("raw_dirty_test") == DIRTY_ROWS
    database = tmp_path / "raw.duckdb"
    loaded = load(dirty_files[kind], target="duckdb", schema="landing", RFM_DUCKDB_PATH=str(database))
    assert loaded.returncode == 0, loaded.stderr
    assert duckdb_rows(database) == DIRTY_ROWS


def test_a_record_with_a_missing_field_stops_the_load_and_keeps_the_loaded_table(dirty_files, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("order_id,customer_id,order_date,amount\nO9,C9,2024-03-01,5\nO10,C10,2024-03-02\n")
    database = tmp_path / "raw.duckdb"
    for target, environment, read in (("postgres", {}, lambda: postgres_rows("raw_dirty_test")),
                                      ("duckdb", {"RFM_DUCKDB_PATH": str(database)}, lambda: duckdb_rows(database))):
        schema = "raw_dirty_test" if target == "postgres" else "landing"
        assert load(dirty_files["csv"], target=target, schema=schema, **environment).returncode == 0
        failed = load(bad, target=target, schema=schema, **environment)
        assert failed.returncode == 1, failed.stderr
        message = failed.stderr.strip().splitlines()
        assert any(str(bad) in line and "O10,C10,2024-03-02" in line for line in message), failed.stderr
        assert "Possible fixes" not in failed.stderr
        assert read() == DIRTY_ROWS, target
    with psycopg2.connect("") as connection, connection.cursor() as cursor:
        cursor.execute('drop schema "raw_dirty_test" cascade')


def test_a_parquet_file_reaches_copy_one_batch_at_a_time(dirty_files, monkeypatch):
    monkeypatch.setattr(load_raw_tables, "COPY_BATCH_ROWS", 1)
    raw = load_raw_tables.open_raw_file(dirty_files["parquet"])
    stream = load_raw_tables.ParquetAsCsv(raw.path, raw.header)
    chunks = []
    while chunk := stream.read(7):
        assert len(chunk) <= 7
        assert len(stream._pending) < 7 + len(max(DIRTY_CSV.splitlines(), key=len)) * 2
        chunks.append(chunk)
    rows = list(csv.reader(io.StringIO("".join(chunks))))
    assert rows == [["" if value is None else value for value in row] for row in DIRTY_ROWS]


@pytest.mark.parametrize("header, problem", [
    ("order id,customer_id\n", "is not a plain identifier"),
    ("order_id,order_id\n", "appears twice"),
    ("", "is empty"),
])
def test_a_header_that_is_no_table_says_why(tmp_path, header, problem):
    path = tmp_path / "orders.csv"
    path.write_text(header)
    with pytest.raises(SystemExit, match=problem):
        load_raw_tables.open_raw_file(path)
