"""Helpers of the engine tests: load the demo into an engine, build, and read every mart back comparably.

The demo CSV files are loaded into an engine as raw text tables
(scripts/load_raw_tables.py) and `dbt build` runs there; DuckDB also reads
the CSV file directly, its default, which is the reference. The marts must
then hold the same rows on every engine, value for value and type for type.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest

import dbt_in_process
from project_support import DEMO_CUSTOMERS, DEMO_ORDERS, PROJECT_DIR, query

sys.path.insert(0, str(PROJECT_DIR / "scripts"))
import load_raw_tables  # noqa: E402
from rfm_marts import MARTS  # noqa: E402,F401  (re-exported to the engine tests)

RAW_SCHEMA = "rfm_test_raw"
MODEL_SCHEMA = "rfm_test"


def source_vars(raw_schema: str) -> dict:
    """The vars that point the project at the loaded raw tables instead of files."""
    return {
        "orders_path": None,
        "customers_path": None,
        "orders_schema": raw_schema,
        "orders_table": "raw_orders",
        "customers_table": "raw_customers",
    }


SOURCE_VARS = source_vars(RAW_SCHEMA)
Table = tuple[list[str], list[tuple]]


def normalized(columns: list[str], rows: list) -> Table:
    """Rows in a fixed order, each value tagged with its Python type; decimals keep their scale.

    Equal tagged values share one object: the engine test holds every mart of four builds at once
    (segment_history alone is millions of values on the demo), and most values repeat."""
    shared: dict = {}

    def value(item: object) -> tuple[str, object]:
        if isinstance(item, Decimal):
            tagged = ("Decimal", str(item))
        else:
            tagged = (type(item).__name__, item)  # a datetime is never equal to a date: the tag differs
        try:
            return shared.setdefault(tagged, tagged)
        except TypeError:  # an unhashable value is kept as it is
            return tagged

    tagged = [tuple(value(item) for item in row) for row in rows]
    return list(columns), sorted(tagged, key=lambda row: [(kind, str(item)) for kind, item in row])


def without_unit_test_exclusion(environment: dict) -> dict:
    """The environment for a build that runs dbt's unit tests too (conftest.py excludes them by default)."""
    return {key: value for key, value in environment.items() if key != "DBT_EXCLUDE_RESOURCE_TYPES"}


def dbt_command(args: list[str], tmp_path: Path, variables: dict, extra_env: dict | None = None,
                unit_tests: bool = False) -> None:
    """`dbt <args>` on the project, its target and logs under tmp_path, in this process
    (tests/python/dbt_in_process.py): the builds of one target share a parse."""
    environment = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        **(extra_env or {}),
    }
    if unit_tests:
        environment = without_unit_test_exclusion(environment)
    result = dbt_in_process.dbt(args, PROJECT_DIR, environment, variables)
    assert result.returncode == 0, f"dbt {' '.join(args)} failed:\n{result.stdout[-8000:]}\n{result.stderr[-3000:]}"


def load(target: str, extra_env: dict, orders: Path = DEMO_ORDERS, customers: Path | None = DEMO_CUSTOMERS,
         schema: str = RAW_SCHEMA) -> None:
    """The loader as a user runs it, into RAW_SCHEMA (the demo) or `schema`; without customers, orders only."""
    command = [sys.executable, str(PROJECT_DIR / "scripts" / "load_raw_tables.py"), "--target", target,
               "--orders", str(orders), *(["--customers", str(customers)] if customers else []), "--schema", schema]
    result = subprocess.run(command, cwd=PROJECT_DIR, env={**os.environ, **extra_env}, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]


# --- Large inputs: a digest per mart instead of every row held in memory -------------
Digest = tuple[int, str]  # rows, digest


def rows_digest(batches) -> Digest:
    """The row count and an order-free digest of the rows: the sum of a 128-bit hash of each row's repr.

    repr keeps what the comparison above keeps: a Decimal its scale, a date differs from a datetime, an
    int from a float. Rows come in batches (fetchmany), so a mart of millions of rows is never held."""
    count, total = 0, 0
    blake2b = hashlib.blake2b
    for batch in batches:
        for row in batch:
            total += int.from_bytes(blake2b(repr(tuple(row)).encode(), digest_size=16).digest(), "little")
            count += 1
    return count, format(total % (1 << 128), "032x")


def cursor_batches(cursor, size: int = 50_000):
    while batch := cursor.fetchmany(size):
        yield batch


def assert_digests_identical(builds: dict[str, dict[str, Digest]], marts: list[str]) -> int:
    """Every mart equal on every engine (each pair compared, every difference reported); the marts compared."""
    engines = list(builds)
    failures = []
    for mart in marts:
        for position, reference in enumerate(engines):
            for engine in engines[position + 1:]:
                if builds[engine][mart] != builds[reference][mart]:
                    failures.append(f"{mart}: {reference} {builds[reference][mart]}, {engine} {builds[engine][mart]}"
                                    " (rows, digest)")
    assert not failures, "marts differ between engines:\n" + "\n".join(failures)
    return len(marts)


def duckdb_marts(database: Path, marts_to_read: tuple[str, ...] | list[str] = MARTS) -> dict[str, Table]:
    marts = {}
    for mart in marts_to_read:
        columns = [name for (name,) in query(
            database,
            f"select column_name from information_schema.columns where table_name = '{mart}' "
            "order by ordinal_position",
        )]
        marts[mart] = normalized(columns, query(database, f"select * from {mart}"))
    return marts


def postgres_marts(schema: str, marts_to_read: tuple[str, ...] | list[str] = MARTS) -> dict[str, Table]:
    """The marts of `schema` on the PostgreSQL server of the PG* variables (libpq reads them)."""
    marts = {}
    with psycopg2.connect("") as connection, connection.cursor() as cursor:
        for mart in marts_to_read:
            cursor.execute(f"select * from {schema}.{mart}")
            marts[mart] = normalized([column.name for column in cursor.description], cursor.fetchall())
    connection.close()
    return marts


def assert_identical(expected: Table, actual: Table, label: str, reference: str = "DuckDB") -> None:
    expected_columns, expected_rows = expected
    actual_columns, actual_rows = actual
    assert actual_columns == expected_columns, f"{label}: columns {actual_columns}, {reference} {expected_columns}"
    assert len(actual_rows) == len(expected_rows), (
        f"{label}: {len(actual_rows)} rows, {reference} {len(expected_rows)}"
    )
    for expected_row, actual_row in zip(expected_rows, actual_rows):
        if expected_row != actual_row:
            differences = {
                name: (want, got)
                for name, want, got in zip(expected_columns, expected_row, actual_row)
                if want != got
            }
            raise AssertionError(
                f"{label}: first differing row {expected_row[0][1]!r} ({reference}, this engine): {differences}"
            )
    assert actual_rows == expected_rows


def assert_marts_identical(expected: dict[str, Table], actual: dict[str, Table], engine: str) -> None:
    assert sorted(actual) == sorted(expected)
    for mart in MARTS:
        assert_identical(expected[mart], actual[mart], f"{engine} {mart}")


def assert_identical_on_engines(mart: str, builds: dict[str, dict[str, Table]]) -> None:
    """One mart, equal on every engine: each pair is compared, and every difference is reported, not only the first."""
    engines = list(builds)
    failures = []
    for position, reference in enumerate(engines):
        for engine in engines[position + 1:]:
            try:
                assert_identical(builds[reference][mart], builds[engine][mart], f"{engine} {mart}", reference)
            except AssertionError as error:
                failures.append(str(error))
    if failures:
        raise AssertionError(f"{mart} differs between engines:\n" + "\n".join(failures))


@pytest.fixture(scope="module")
def duckdb_file_marts(demo_database: Path) -> dict[str, Table]:
    """The reference: DuckDB reading the CSV file directly (the session's demo build, tests included)."""
    return duckdb_marts(demo_database)
