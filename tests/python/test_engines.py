"""The same project on DuckDB, PostgreSQL and Spark: full builds and identical customer segments.

The demo CSV files are loaded into each engine as raw text tables
(scripts/load_raw_tables.py) and `dbt build` (seeds, models, data tests and
unit tests) runs on each; DuckDB also reads the CSV file directly, its default.
customer_segments must then hold the same rows on every engine, value for
value and type for type.

PostgreSQL comes from the PG* environment variables: `make test` runs pytest
under scripts/with_test_postgres.sh, which starts a throwaway server and sets
them. Spark runs in local mode inside this process (dbt-spark's session
method needs the SparkSession in the process that runs dbt), with its
metastore and tables in a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import DBT, DEMO_CUSTOMERS, DEMO_ORDERS, PROJECT_DIR, query

sys.path.insert(0, str(PROJECT_DIR / "scripts"))
import load_raw_tables  # noqa: E402

RAW_SCHEMA = "rfm_test_raw"
MODEL_SCHEMA = "rfm_test"
SOURCE_VARS = {
    "orders_path": None,
    "customers_path": None,
    "orders_schema": RAW_SCHEMA,
    "orders_table": "raw_orders",
    "customers_table": "raw_customers",
}
PG_VARIABLES = ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"]


def normalized(columns: list[str], rows: list) -> tuple[list[str], list[tuple]]:
    """Rows sorted by customer_id, each value tagged with its Python type; decimals keep their scale."""

    def value(item: object) -> tuple[str, object]:
        if isinstance(item, Decimal):
            return ("Decimal", str(item))
        if isinstance(item, dt.datetime):
            return ("datetime", item)  # never equal to a date: a timestamp column is a difference
        return (type(item).__name__, item)

    key = columns.index("customer_id")
    return columns, sorted((tuple(value(item) for item in row) for row in rows), key=lambda row: row[key][1])


def dbt_command(args: list[str], tmp_path: Path, variables: dict, extra_env: dict | None = None) -> None:
    command = [DBT, *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
               "--vars", json.dumps(variables)]
    environment = {
        **os.environ,
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        **(extra_env or {}),
    }
    result = subprocess.run(command, cwd=PROJECT_DIR, env=environment, capture_output=True, text=True,
                            timeout=1800)
    assert result.returncode == 0, f"dbt {' '.join(args)} failed:\n{result.stdout[-8000:]}\n{result.stderr[-3000:]}"


def load(target: str, extra_env: dict) -> None:
    command = [sys.executable, str(PROJECT_DIR / "scripts" / "load_raw_tables.py"), "--target", target,
               "--orders", str(DEMO_ORDERS), "--customers", str(DEMO_CUSTOMERS), "--schema", RAW_SCHEMA]
    result = subprocess.run(command, cwd=PROJECT_DIR, env={**os.environ, **extra_env}, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def duckdb_file_segments(demo_database: Path) -> tuple[list[str], list[tuple]]:
    """DuckDB's default: the CSV file read directly (the session's demo build, tests included)."""
    columns = [name for (name,) in query(
        demo_database,
        "select column_name from information_schema.columns where table_name = 'customer_segments' "
        "order by ordinal_position",
    )]
    return normalized(columns, query(demo_database, "select * from customer_segments"))


@pytest.fixture(scope="module")
def duckdb_table_segments(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[tuple]]:
    """DuckDB reading the loaded raw tables, as every other engine does."""
    tmp_path = tmp_path_factory.mktemp("duckdb_tables")
    environment = {"RFM_DUCKDB_PATH": str(tmp_path / "tables.duckdb"),
                   "RFM_DUCKDB_TEMP_DIRECTORY": str(tmp_path / "duckdb_tmp")}
    load("duckdb", environment)
    dbt_command(["build", "--target", "duckdb", "--exclude", "resource_type:test", "resource_type:unit_test"],
                tmp_path, SOURCE_VARS, environment)
    database = tmp_path / "tables.duckdb"
    columns = [name for (name,) in query(
        database,
        "select column_name from information_schema.columns where table_name = 'customer_segments' "
        "order by ordinal_position",
    )]
    return normalized(columns, query(database, "select * from customer_segments"))


@pytest.fixture(scope="module")
def postgres_segments(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[tuple]]:
    missing = [name for name in ("PGHOST", "PGUSER", "PGDATABASE") if not os.environ.get(name)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not set: run the engine tests through scripts/with_test_postgres.sh "
            "(make test does), or point the PG* variables at a PostgreSQL server you may write to."
        )
    import psycopg2

    tmp_path = tmp_path_factory.mktemp("postgres")
    environment = {"RFM_SCHEMA": MODEL_SCHEMA}
    load("postgres", environment)
    dbt_command(["build", "--target", "postgres"], tmp_path, SOURCE_VARS, environment)
    connection = psycopg2.connect("")  # libpq reads the PG* variables, as the profile does
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"select * from {MODEL_SCHEMA}.customer_segments")
            columns = [column.name for column in cursor.description]
            return normalized(columns, cursor.fetchall())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def spark_segments(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[tuple]]:
    from dbt.cli.main import dbtRunner
    from pyspark.sql import SparkSession

    tmp_path = tmp_path_factory.mktemp("spark")
    environment = {
        "RFM_SPARK_DIR": str(tmp_path / "spark"),
        "RFM_SCHEMA": MODEL_SCHEMA,
        "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
    }
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    spark = None
    try:
        # The session dbt-spark will find: built from the profile's own settings, the raw tables loaded into it.
        output = load_raw_tables.profile_output("spark")
        builder = SparkSession.builder.enableHiveSupport().config("spark.ui.showConsoleProgress", "false")
        for key, value in output["server_side_parameters"].items():
            builder = builder.config(key, str(value))
        spark = builder.config("spark.sql.ansi.enabled", "false").getOrCreate()
        tables = {
            "raw_orders": load_raw_tables.read_text_table(DEMO_ORDERS),
            "raw_customers": load_raw_tables.read_text_table(DEMO_CUSTOMERS),
        }
        load_raw_tables.load_spark_tables(spark, RAW_SCHEMA, tables, tmp_path / "load")
        result = dbtRunner().invoke([
            "build", "--target", "spark", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
            "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
            "--vars", json.dumps(SOURCE_VARS),
        ])
        assert result.success, f"dbt build on Spark failed: {result.exception}; see {tmp_path / 'logs'}"
        frame = spark.sql(f"select * from {MODEL_SCHEMA}.customer_segments")
        return normalized(frame.columns, [tuple(row) for row in frame.collect()])
    finally:
        if spark is not None:
            spark.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def assert_identical(expected: tuple[list[str], list[tuple]], actual: tuple[list[str], list[tuple]],
                     engine: str) -> None:
    expected_columns, expected_rows = expected
    actual_columns, actual_rows = actual
    assert actual_columns == expected_columns, f"{engine}: other columns"
    assert len(actual_rows) == len(expected_rows), f"{engine}: {len(actual_rows)} rows, DuckDB {len(expected_rows)}"
    for expected_row, actual_row in zip(expected_rows, actual_rows):
        if expected_row != actual_row:
            differences = {
                name: (want, got)
                for name, want, got in zip(expected_columns, expected_row, actual_row)
                if want != got
            }
            raise AssertionError(f"{engine}: customer {expected_row[0][1]} differs (DuckDB, {engine}): {differences}")
    assert actual_rows == expected_rows


def test_demo_segments_are_a_real_comparison(duckdb_file_segments) -> None:
    """The reference holds every segment and every kind of value, so equality below means something."""
    columns, rows = duckdb_file_segments
    assert len(rows) > 10_000
    segment = columns.index("lifecycle_segment")
    assert {row[segment][1] for row in rows} == {"prospect", "new", "one_time", "regular", "loyal", "inactive", "lost"}
    kinds = {name: {row[position][0] for row in rows} - {"NoneType"} for position, name in enumerate(columns)}
    assert kinds["monetary"] == {"Decimal"} and kinds["typical_interval_days"] == {"Decimal"}
    assert kinds["as_of_date"] == {"date"} and kinds["has_refunds"] == {"bool"} and kinds["r_score"] == {"int"}


def test_duckdb_reads_the_loaded_tables_like_the_file(duckdb_file_segments, duckdb_table_segments) -> None:
    assert_identical(duckdb_file_segments, duckdb_table_segments, "DuckDB (source tables)")


def test_postgres_gives_identical_customer_segments(duckdb_file_segments, postgres_segments) -> None:
    assert_identical(duckdb_file_segments, postgres_segments, "PostgreSQL")


def test_spark_gives_identical_customer_segments(duckdb_file_segments, spark_segments) -> None:
    assert_identical(duckdb_file_segments, spark_segments, "Spark")


def test_comparison_notices_a_one_cent_difference(duckdb_file_segments) -> None:
    columns, rows = duckdb_file_segments
    monetary = columns.index("monetary")
    changed = list(rows)
    first = list(changed[0])
    first[monetary] = ("Decimal", str(Decimal(first[monetary][1]) + Decimal("0.01")))
    changed[0] = tuple(first)
    with pytest.raises(AssertionError, match="monetary"):
        assert_identical(duckdb_file_segments, (columns, changed), "altered copy")
    rescaled = list(rows)
    first = list(rescaled[0])
    first[monetary] = ("Decimal", str(Decimal(first[monetary][1]).quantize(Decimal("0.001"))))
    rescaled[0] = tuple(first)
    with pytest.raises(AssertionError, match="monetary"):
        assert_identical(duckdb_file_segments, (columns, rescaled), "rescaled copy")
