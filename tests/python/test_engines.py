"""DuckDB, PostgreSQL and Spark: full builds of the demo data give identical marts, every column and every row.

The demo CSV files are loaded into each engine as raw text tables and the
full `dbt build` (seeds, models, data tests, unit tests) runs there; the
reference is DuckDB reading the CSV file directly (the session's demo build).
Spark's build leaves dbt's unit tests out unless RFM_SPARK_UNIT_TESTS=1
(`make test-spark` sets it): they took 97 of the build's 321 CPU-s on an idle
machine, and they run on DuckDB (`make build`) and PostgreSQL (here) in every
`make test`.
PostgreSQL comes from the PG* environment variables: `make test` runs pytest
under scripts/with_test_postgres.sh, which starts a throwaway server and sets
them. Spark runs in local mode in a child process (spark_build.py), with its
metastore and tables in this run's temporary folder; it needs Java 17, which
`make test` installs when missing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg2
import pytest

from dbt_harness import RUN_STATS
from project_support import PROJECT_DIR
from engine_results import (
    MARTS,
    MODEL_SCHEMA,
    SOURCE_VARS,
    Table,
    assert_identical,
    assert_identical_on_engines,
    assert_marts_identical,
    dbt_command,
    duckdb_file_marts,  # noqa: F401 - fixture
    duckdb_marts,
    load,
    normalized,
    without_unit_test_exclusion,
)
from engine_results import postgres_marts as read_postgres_marts


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


PUBLISHED_SCHEMA = f"{MODEL_SCHEMA}_published"


@pytest.fixture(scope="module")
def postgres_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Loader, then the full `dbt build --target postgres` (data and unit tests included); its folder."""
    missing = [name for name in ("PGHOST", "PGUSER", "PGDATABASE") if not os.environ.get(name)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not set: run the engine tests through scripts/with_test_postgres.sh "
            "(make test does), or point the PG* variables at a PostgreSQL server you may write to."
        )
    tmp_path = tmp_path_factory.mktemp("postgres")
    environment = {"RFM_SCHEMA": MODEL_SCHEMA}
    load("postgres", environment)
    # What an earlier published build left: the build must replace it as a whole.
    with psycopg2.connect("") as connection, connection.cursor() as cursor:  # libpq reads the PG* variables
        cursor.execute(f"create schema if not exists {PUBLISHED_SCHEMA}; "
                       f"create table if not exists {PUBLISHED_SCHEMA}.left_by_an_earlier_build (x int)")
    dbt_command(["build", "--target", "postgres"], tmp_path, SOURCE_VARS, environment, unit_tests=True)
    ran = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    assert any(result["unique_id"].startswith("unit_test.") for result in ran), "no unit test ran on PostgreSQL"
    return tmp_path


@pytest.fixture(scope="module")
def postgres_marts(postgres_build: Path) -> dict[str, Table]:
    return read_postgres_marts(MODEL_SCHEMA)


SPARK_UNIT_TESTS = os.environ.get("RFM_SPARK_UNIT_TESTS") == "1"


@pytest.fixture(scope="module")
def spark_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Table], str]:
    """Loader and the full `dbt build --target spark` (data tests included; unit tests with
    RFM_SPARK_UNIT_TESTS=1), in a child process: the marts and the build's log (dbt's output and Spark's
    own warnings)."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail("Spark needs Java 17 (make test installs Debian's openjdk-17-jre-headless when missing)")
    tmp_path = tmp_path_factory.mktemp("spark")
    marts_file = tmp_path / "marts.pickle"
    log_file = tmp_path / "spark_build.log"
    environment = {
        **(without_unit_test_exclusion(os.environ) if SPARK_UNIT_TESTS
           else {**os.environ, "DBT_EXCLUDE_RESOURCE_TYPES": "unit_test"}),
        "RFM_SPARK_DIR": str(tmp_path / "spark"),
        "RFM_SCHEMA": MODEL_SCHEMA,
        "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        # The one build too long to repeat for a look at its log: dbt.log is kept (conftest.py turns it off).
        "DBT_LOG_LEVEL_FILE": "debug",
    }
    with log_file.open("w") as log:
        result = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("spark_build.py")), str(tmp_path), str(marts_file)],
            cwd=PROJECT_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT, timeout=2400,
        )
    if result.returncode != 0:
        # dbt's summary of what failed, without colours and Spark's warning repeated per statement.
        lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in log_file.read_text().splitlines()
                 if "Using an existing Spark session" not in line]
        summary = next((position for position, line in enumerate(lines) if "Completed with" in line), -60)
        pytest.fail(f"Spark build failed (log: {log_file}):\n" + "\n".join(lines[summary:][-80:]))
    ran = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    unit_tests_ran = any(result["unique_id"].startswith("unit_test.") for result in ran)
    assert unit_tests_ran == SPARK_UNIT_TESTS, f"unit tests ran on Spark: {unit_tests_ran}, wanted: {SPARK_UNIT_TESTS}"
    marts = pickle.loads(marts_file.read_bytes())
    return {mart: normalized(columns, rows) for mart, (columns, rows) in marts.items()}, log_file.read_text()


@pytest.fixture(scope="module")
def spark_marts(spark_build) -> dict[str, Table]:
    return spark_build[0]


def test_no_spark_step_gathers_all_rows_in_one_partition(spark_build) -> None:
    """Issue 18: no window without a partition, so Spark never moves every row into a single task. Spark warns
    once per such window it runs; the same build (models and data tests; unit tests with RFM_SPARK_UNIT_TESTS=1)
    is read, no build of its own."""
    _, log = spark_build
    assert "Using an existing Spark session" in log or "Running with dbt" in log, "the log holds nothing of the build"
    single = [line for line in log.splitlines() if "No Partition Defined for Window" in line]
    assert not single, f"{len(single)} single-partition windows on Spark, the first: {single[0]}"


def test_every_mart_is_compared() -> None:
    """A new mart or export table joins the comparison: MARTS names every model a user reads (RUN_REPORTS the
    tables about the run itself, which name the input and so differ by engine)."""
    from rfm_marts import RUN_REPORTS

    built = {path.stem for folder in ("marts", "exports") for path in (PROJECT_DIR / "models" / folder).glob("*.sql")}
    assert set(MARTS) | set(RUN_REPORTS) == built
    assert len(MARTS) + len(RUN_REPORTS) == len(built)


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
    # Ordered lists of several segments exist, so their order is compared too.
    matrix_columns, matrix_rows = duckdb_file_marts["rf_matrix"]
    lists = matrix_columns.index("assigned_segments")
    assert any(row[lists][0] == "str" and ", " in row[lists][1] for row in matrix_rows)


def test_duckdb_reads_the_loaded_tables_like_the_file(duckdb_file_marts, duckdb_table_marts) -> None:
    assert_marts_identical(duckdb_file_marts, duckdb_table_marts, "DuckDB (source tables)")


def test_customer_segments_identical_on_duckdb_postgres_and_spark(
    duckdb_file_marts, postgres_marts, spark_marts
) -> None:
    """The issue's proof: the demo data loaded into each engine gives the same customer_segments, every column
    and every row, DuckDB == PostgreSQL == Spark (each pair compared)."""
    assert_identical_on_engines(
        "customer_segments",
        {"DuckDB": duckdb_file_marts, "PostgreSQL": postgres_marts, "Spark": spark_marts},
    )


@pytest.mark.parametrize("mart", [mart for mart in MARTS if mart != "customer_segments"])
def test_mart_identical_on_duckdb_postgres_and_spark(mart, duckdb_file_marts, postgres_marts, spark_marts) -> None:
    assert_identical_on_engines(mart, {"DuckDB": duckdb_file_marts, "PostgreSQL": postgres_marts, "Spark": spark_marts})


def test_postgres_publishes_every_mart_and_export_table_to_its_published_schema(postgres_marts) -> None:
    """A green build replaces <schema>_published as a whole (macros/publishing): the marts and export tables
    of this build, nothing an earlier build left there, and no schema of the swap left behind. Compared
    inside PostgreSQL (EXCEPT ALL both ways), so no second copy of every mart is held in memory."""
    from rfm_marts import RUN_REPORTS

    with psycopg2.connect("") as connection, connection.cursor() as cursor:
        cursor.execute("select table_name from information_schema.tables where table_schema = %s",
                       [PUBLISHED_SCHEMA])
        assert sorted(row[0] for row in cursor.fetchall()) == sorted([*MARTS, *RUN_REPORTS])
        for name in [*MARTS, *RUN_REPORTS]:
            built, published = f"{MODEL_SCHEMA}.{name}", f"{PUBLISHED_SCHEMA}.{name}"
            cursor.execute(f"select (select count(*) from {built}), "
                           f"(select count(*) from (select * from {built} except all select * from {published}) as a), "
                           f"(select count(*) from (select * from {published} except all select * from {built}) as b)")
            rows, only_built, only_published = cursor.fetchone()
            assert (only_built, only_published) == (0, 0), f"{name}: {rows} rows built"
        cursor.execute("select schema_name from information_schema.schemata where schema_name like %s",
                       [f"{PUBLISHED_SCHEMA}%"])
        assert [row[0] for row in cursor.fetchall()] == [PUBLISHED_SCHEMA]


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


def test_three_way_comparison_names_the_engine_that_differs(duckdb_file_marts) -> None:
    columns, rows = duckdb_file_marts["customer_segments"]
    segment = columns.index("lifecycle_segment")
    changed = list(rows)
    first = list(changed[0])
    first[segment] = ("str", "lost" if first[segment][1] != "lost" else "loyal")
    changed[0] = tuple(first)
    builds = {name: {"customer_segments": (columns, rows)} for name in ("DuckDB", "PostgreSQL")}
    builds["Spark"] = {"customer_segments": (columns, changed)}
    with pytest.raises(AssertionError) as failure:
        assert_identical_on_engines("customer_segments", builds)
    message = str(failure.value)
    assert "Spark customer_segments" in message and "(DuckDB, this engine)" in message
    assert "(PostgreSQL, this engine)" in message and "lifecycle_segment" in message
    assert_identical_on_engines("customer_segments", {name: builds["DuckDB"] for name in ("a", "b", "c")})


def test_comparison_tells_a_date_from_a_timestamp() -> None:
    as_date = normalized(["customer_id", "as_of_date"], [("c1", dt.date(2025, 12, 31))])
    as_timestamp = normalized(["customer_id", "as_of_date"], [("c1", dt.datetime(2025, 12, 31))])
    with pytest.raises(AssertionError, match="as_of_date"):
        assert_identical(as_date, as_timestamp, "timestamp copy")


def test_loader_keeps_dirty_values_as_text(tmp_path: Path) -> None:
    """Whitespace ids, empty fields and unparseable values arrive as they are in the file (empty = NULL)."""
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,customer_id,order_date,amount\n"
        'O1, ,not a date,"12,50,0"\n'
        "O2,,2024-01-05 10:00:00,n/a\n"
    )
    database = tmp_path / "raw.duckdb"
    subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "load_raw_tables.py"), "--target", "duckdb",
         "--orders", str(orders), "--schema", "landing"],
        cwd=PROJECT_DIR, env={**os.environ, "RFM_DUCKDB_PATH": str(database)}, check=True, capture_output=True,
    )
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute("select * from landing.raw_orders order by order_id").fetchall()
        types = {row[1] for row in connection.execute("describe landing.raw_orders").fetchall()}
    assert rows == [("O1", " ", "not a date", "12,50,0"), ("O2", None, "2024-01-05 10:00:00", "n/a")]
    assert types == {"VARCHAR"}


# inactivity_mode probability (docs/return_probability.md): the models it changes, rebuilt in that mode on top
# of the full builds (DuckDB: a copy of the reference build; PostgreSQL: a schema of its own, the rest deferred
# to the full build's schema), and the marts among them compared. Spark is left out: its full build alone
# takes minutes, and the learned thresholds are plain SQL over return_curves, which all three engines match.
PROBABILITY_VARS = {"inactivity_mode": "probability", "publish_snapshots": False}
# int_lifecycle_thresholds_resolved carries inactivity_mode to the segment rules: without it the rebuild
# kept the default mode and compared the default marts under the probability name.
PROBABILITY_MODELS = ["int_lifecycle_thresholds_learned", "int_lifecycle_thresholds_resolved",
                      "int_lifecycle_segments_assigned", "int_customers_segmented",
                      "customer_segments", "lifecycle_thresholds", "int_history_periods",
                      "int_customer_periods_segmented", "segment_history"]
PROBABILITY_MARTS = ("customer_segments", "lifecycle_thresholds", "segment_history")
# `run`, not `build`: the mode's data and unit tests run on DuckDB (test_probability_mode.py, the full build),
# and the default mode's on every engine; here only the rows are compared (measured: DuckDB 21 s, PostgreSQL 38 s).
PROBABILITY_BUILD = ["run", "--select", *PROBABILITY_MODELS]


@pytest.fixture(scope="module")
def duckdb_probability_marts(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Table]:
    started = time.perf_counter()
    tmp_path = tmp_path_factory.mktemp("duckdb_probability")
    database = tmp_path / demo_database.name  # the same name: the views name their catalog after it
    shutil.copyfile(demo_database, database)
    dbt_command(PROBABILITY_BUILD, tmp_path, PROBABILITY_VARS,
                {"RFM_DUCKDB_PATH": str(database), "RFM_DUCKDB_TEMP_DIRECTORY": str(tmp_path / "duckdb_tmp")})
    marts = duckdb_marts(database, PROBABILITY_MARTS)
    assert any(row[0] == ("str", "learned_days_orders_1") for row in marts["lifecycle_thresholds"][1])
    # The mode must reach the segments, or the comparison below compares the default mode twice.
    default = duckdb_marts(demo_database, ["customer_segments"])["customer_segments"]
    assert marts["customer_segments"] != default, "the probability-mode rebuild left customer_segments as it was"
    RUN_STATS["engines: probability mode seconds (DuckDB)"] += time.perf_counter() - started
    return marts


@pytest.fixture(scope="module")
def postgres_probability_marts(postgres_build: Path, postgres_marts) -> dict[str, Table]:
    """After the full build's marts are read: the changed models in a schema of their own."""
    started = time.perf_counter()
    schema = f"{MODEL_SCHEMA}_probability"
    tmp_path = postgres_build.parent / "postgres_probability"
    dbt_command([*PROBABILITY_BUILD, "--target", "postgres", "--defer", "--state", str(postgres_build / "target")],
                tmp_path, {**SOURCE_VARS, **PROBABILITY_VARS}, {"RFM_SCHEMA": schema})
    marts = read_postgres_marts(schema, PROBABILITY_MARTS)
    RUN_STATS["engines: probability mode seconds (PostgreSQL)"] += time.perf_counter() - started
    return marts


@pytest.mark.parametrize("mart", PROBABILITY_MARTS)
def test_probability_mode_identical_on_duckdb_and_postgres(mart, duckdb_probability_marts,
                                                           postgres_probability_marts) -> None:
    assert_identical_on_engines(mart, {"DuckDB": duckdb_probability_marts,
                                       "PostgreSQL": postgres_probability_marts})
