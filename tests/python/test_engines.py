"""DuckDB (from tables) and PostgreSQL: full builds of the demo data give the marts of the DuckDB file run.

PostgreSQL comes from the PG* environment variables: `make test` runs pytest
under scripts/with_test_postgres.sh, which starts a throwaway server and sets
them. Spark has its own module, test_engine_spark.py (`make test-spark`).
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from engine_results import (
    MODEL_SCHEMA,
    SOURCE_VARS,
    Table,
    assert_identical,
    assert_marts_identical,
    dbt_command,
    duckdb_file_marts,  # noqa: F401 - fixture
    duckdb_marts,
    load,
    normalized,
)


@pytest.fixture(scope="module")
def duckdb_table_marts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Table]:
    """DuckDB reading the loaded raw tables, as every other engine does."""
    tmp_path = tmp_path_factory.mktemp("duckdb_tables")
    environment = {"RFM_DUCKDB_PATH": str(tmp_path / "tables.duckdb"),
                   "RFM_DUCKDB_TEMP_DIRECTORY": str(tmp_path / "duckdb_tmp")}
    load("duckdb", environment)
    dbt_command(["build", "--target", "duckdb", "--exclude", "resource_type:test", "resource_type:unit_test"],
                tmp_path, SOURCE_VARS, environment)
    return duckdb_marts(tmp_path / "tables.duckdb")


@pytest.fixture(scope="module")
def postgres_marts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Table]:
    """Loader, then the full `dbt build --target postgres` (data and unit tests included)."""
    missing = [name for name in ("PGHOST", "PGUSER", "PGDATABASE") if not os.environ.get(name)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not set: run the engine tests through scripts/with_test_postgres.sh "
            "(make test does), or point the PG* variables at a PostgreSQL server you may write to."
        )
    import psycopg2

    from engine_results import MARTS

    tmp_path = tmp_path_factory.mktemp("postgres")
    environment = {"RFM_SCHEMA": MODEL_SCHEMA}
    load("postgres", environment)
    dbt_command(["build", "--target", "postgres"], tmp_path, SOURCE_VARS, environment)
    marts = {}
    connection = psycopg2.connect("")  # libpq reads the PG* variables, as the profile does
    try:
        with connection.cursor() as cursor:
            for mart in MARTS:
                cursor.execute(f"select * from {MODEL_SCHEMA}.{mart}")
                marts[mart] = normalized([column.name for column in cursor.description], cursor.fetchall())
    finally:
        connection.close()
    return marts


def test_the_reference_is_a_real_comparison(duckdb_file_marts) -> None:
    """Every segment and every kind of value is present, so equality below means something."""
    columns, rows = duckdb_file_marts["customer_segments"]
    assert len(rows) > 10_000
    segment = columns.index("lifecycle_segment")
    assert {row[segment][1] for row in rows} == {"prospect", "new", "one_time", "regular", "loyal", "inactive", "lost"}
    kinds = {name: {row[position][0] for row in rows} - {"NoneType"} for position, name in enumerate(columns)}
    assert kinds["monetary"] == {"Decimal"} and kinds["typical_interval_days"] == {"Decimal"}
    assert kinds["as_of_date"] == {"date"} and kinds["has_refunds"] == {"bool"} and kinds["r_score"] == {"int"}
    assert all(rows for _, rows in duckdb_file_marts.values())


def test_duckdb_reads_the_loaded_tables_like_the_file(duckdb_file_marts, duckdb_table_marts) -> None:
    assert_marts_identical(duckdb_file_marts, duckdb_table_marts, "DuckDB (source tables)")


def test_postgres_gives_identical_marts(duckdb_file_marts, postgres_marts) -> None:
    assert_marts_identical(duckdb_file_marts, postgres_marts, "PostgreSQL")


def test_comparison_notices_a_one_cent_difference_and_another_scale(duckdb_file_marts) -> None:
    columns, rows = duckdb_file_marts["customer_segments"]
    monetary = columns.index("monetary")
    for changed_value in (lambda value: value + Decimal("0.01"), lambda value: value.quantize(Decimal("0.001"))):
        changed = list(rows)
        first = list(changed[0])
        first[monetary] = ("Decimal", str(changed_value(Decimal(first[monetary][1]))))
        changed[0] = tuple(first)
        with pytest.raises(AssertionError, match="monetary"):
            assert_identical((columns, rows), (columns, changed), "altered copy")


def test_comparison_tells_a_date_from_a_timestamp() -> None:
    import datetime as dt

    as_date = normalized(["customer_id", "as_of_date"], [("c1", dt.date(2025, 12, 31))])
    as_timestamp = normalized(["customer_id", "as_of_date"], [("c1", dt.datetime(2025, 12, 31))])
    with pytest.raises(AssertionError, match="as_of_date"):
        assert_identical(as_date, as_timestamp, "timestamp copy")


def test_loader_keeps_dirty_values_as_text(tmp_path: Path) -> None:
    """Whitespace ids, empty fields and unparseable values arrive as they are in the file (empty = NULL)."""
    import duckdb

    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,customer_id,order_date,amount\n"
        'O1, ,not a date,"12,50,0"\n'
        "O2,,2024-01-05 10:00:00,n/a\n"
    )
    database = tmp_path / "raw.duckdb"
    load_env = {"RFM_DUCKDB_PATH": str(database)}
    import subprocess
    import sys

    from project_support import PROJECT_DIR

    subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "load_raw_tables.py"), "--target", "duckdb",
         "--orders", str(orders), "--schema", "landing"],
        cwd=PROJECT_DIR, env={**os.environ, **load_env}, check=True, capture_output=True,
    )
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute("select * from landing.raw_orders order by order_id").fetchall()
        types = {row[1] for row in connection.execute("describe landing.raw_orders").fetchall()}
    assert rows == [("O1", " ", "not a date", "12,50,0"), ("O2", None, "2024-01-05 10:00:00", "n/a")]
    assert types == {"VARCHAR"}
