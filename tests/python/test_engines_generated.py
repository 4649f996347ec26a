"""DuckDB and PostgreSQL (and Spark in `make test-engines-large`) on a generated input: every mart equal.

The demo comparison (test_engines.py) has too few customers per segment to
reach the money paths where engines round differently (issue 18: a decimal
division gave 1,983,274.91 on DuckDB and .92 on Spark at 1M orders). Here
scripts/generate_orders.py writes RFM_ENGINE_ORDERS orders (default
ENGINE_ORDERS; the large target sets 1,000,000), DuckDB reads the files
directly (the reference, as in test_engines.py), the loader puts them into
the other engines of RFM_ENGINE_ENGINES (default duckdb,postgres) as raw
text tables, and the marts are built there (the data and unit tests run in
test_engines.py): by default the core marts and customer_cohorts, where
every division and product of amounts is (MONEY_MARTS; the history marts
only add sums and take most of the build time), with RFM_ENGINE_MARTS=all
every mart. Each mart is compared as its row count and an
order-free digest of its rows (engine_results.rows_digest), so a mart of
millions of rows is never held in memory. Equal digests: zero differing
values in every mart.
"""

from __future__ import annotations

import os
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
from engine_results import (
    Digest,
    assert_digests_identical,
    cursor_batches,
    dbt_command,
    load,
    rows_digest,
    source_vars,
)
from project_support import PROJECT_DIR
from rfm_marts import CORE_MARTS, MARTS

# The size `make test` runs: large enough for thousands of customers in every lifecycle segment, small
# enough to add well under a minute on two shared cores (measured in DECISIONLOG 0.4.0).
ENGINE_ORDERS = 100_000
ORDERS = int(os.environ.get("RFM_ENGINE_ORDERS", ENGINE_ORDERS))
ENGINES = [name.strip() for name in os.environ.get("RFM_ENGINE_ENGINES", "duckdb,postgres").split(",") if name.strip()]
RAW_SCHEMA = "rfm_generated_raw"
MODEL_SCHEMA = "rfm_generated"
SOURCE_VARS = source_vars(RAW_SCHEMA)
MONEY_MARTS = [*CORE_MARTS, "customer_cohorts"]
COMPARED = MARTS if os.environ.get("RFM_ENGINE_MARTS", "money") == "all" else MONEY_MARTS
# The compared marts and their parents, no tests (test_engines.py runs them on the demo).
MODELS_ONLY = ["--select", *(f"+{mart}" for mart in COMPARED),
               "--exclude", "resource_type:test", "resource_type:unit_test"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("generated_orders")
    orders, customers = folder / "orders.csv", folder / "customers.csv"
    subprocess.run([sys.executable, str(PROJECT_DIR / "scripts" / "generate_orders.py"), "--orders", str(ORDERS),
                    "--seed", "18", "--out", str(orders), "--customers-out", str(customers)],
                   cwd=PROJECT_DIR, check=True, capture_output=True, timeout=600)
    return orders, customers


def _duckdb(generated: tuple[Path, Path], tmp_path: Path) -> tuple[dict[str, Digest], Path]:
    """The reference: DuckDB reading the generated files directly, its default (test_engines.py shows that
    DuckDB reading them as loaded raw tables gives the same marts)."""
    database = tmp_path / "generated.duckdb"
    environment = {"RFM_DUCKDB_PATH": str(database), "RFM_DUCKDB_TEMP_DIRECTORY": str(tmp_path / "duckdb_tmp")}
    orders, customers = generated
    dbt_command(["build", "--target", "duckdb", *MODELS_ONLY], tmp_path,
                {"orders_path": str(orders), "customers_path": str(customers)}, environment)
    with duckdb.connect(str(database), read_only=True) as connection:
        digests = {mart: rows_digest(cursor_batches(connection.execute(f"select * from {mart}")))
                   for mart in COMPARED}
    return digests, database


def _postgres(generated: tuple[Path, Path], tmp_path: Path) -> dict[str, Digest]:
    missing = [name for name in ("PGHOST", "PGUSER", "PGDATABASE") if not os.environ.get(name)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not set: run through scripts/with_test_postgres.sh (make test does)")
    environment = {"RFM_SCHEMA": MODEL_SCHEMA}
    started = time.monotonic()
    load("postgres", environment, *generated, schema=RAW_SCHEMA)
    RUN_STATS["engines generated: PostgreSQL load seconds"] += time.monotonic() - started
    dbt_command(["build", "--target", "postgres", *MODELS_ONLY], tmp_path, SOURCE_VARS, environment)
    digests = {}
    with psycopg2.connect("") as connection:  # libpq reads the PG* variables
        for mart in COMPARED:
            with connection.cursor(name=f"read_{mart}") as cursor:  # server side: rows come in batches
                cursor.itersize = 50_000
                cursor.execute(f"select * from {MODEL_SCHEMA}.{mart}")
                digests[mart] = rows_digest(cursor_batches(cursor))
    return digests


def _spark(generated: tuple[Path, Path], tmp_path: Path) -> dict[str, Digest]:
    import pickle

    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail("Spark needs Java 17 (make test installs Debian's openjdk-17-jre-headless when missing)")
    digests_file, log_file = tmp_path / "digests.pickle", tmp_path / "spark_build.log"
    environment = {
        **os.environ,
        "RFM_SPARK_DIR": str(tmp_path / "spark"),
        "RFM_SCHEMA": "rfm_test",
        "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    with log_file.open("w") as log:
        result = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("spark_build.py")), str(tmp_path), str(digests_file),
             *(str(path) for path in generated), ",".join(COMPARED)],
            cwd=PROJECT_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT, timeout=7200,
        )
    if result.returncode != 0:
        lines = log_file.read_text().splitlines()
        # The cause first (a Java stack trace fills the tail), then the end of the log.
        causes = [line for line in lines
                  if ("Error" in line or "Exception" in line) and not line.lstrip().startswith("at ")]
        pytest.fail(f"Spark build failed (log: {log_file}):\n" + "\n".join([*causes[:20], "...", *lines[-40:]]))
    return pickle.loads(digests_file.read_bytes())


@pytest.fixture(scope="module")
def builds(generated, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Digest]]:
    runners = {"duckdb": ("DuckDB", _duckdb), "postgres": ("PostgreSQL", _postgres), "spark": ("Spark", _spark)}
    unknown = set(ENGINES) - set(runners)
    assert not unknown, f"RFM_ENGINE_ENGINES: unknown {sorted(unknown)}; known: {sorted(runners)}"
    assert "duckdb" in ENGINES, "DuckDB is the reference and must be one of RFM_ENGINE_ENGINES"
    out = {}
    for engine in ENGINES:
        label, runner = runners[engine]
        started = time.monotonic()
        result = runner(generated, tmp_path_factory.mktemp(engine))
        if engine == "duckdb":
            result, database = result
            out["_duckdb_database"] = database
        RUN_STATS[f"engines generated: {label} seconds"] += time.monotonic() - started
        out[label] = result
    RUN_STATS["engines generated: orders"] = ORDERS
    return out


def test_the_generated_input_reaches_the_money_paths(builds) -> None:
    """Many customers in every lifecycle segment and an upgrade potential in most of them, so equal money
    below means the divisions and products of amounts were compared, not only sums."""
    with duckdb.connect(str(builds["_duckdb_database"]), read_only=True) as connection:
        rows = connection.execute(
            "select segment_code, customers, avg_monetary, upgrade_potential from segment_summary "
            "where segment_scheme = 'lifecycle'").fetchall()
        expected_revenue = connection.execute(
            "select count(distinct expected_revenue_in_horizon) from customer_segments").fetchall()[0][0]
    customers = {code: count for code, count, _, _ in rows}
    assert set(customers) == {"prospect", "new", "one_time", "regular", "loyal", "inactive", "lost"}
    assert min(customers.values()) >= min(200, ORDERS // 500), customers
    assert sum(1 for *_, potential in rows if potential > 0) >= 4, rows
    assert all(isinstance(mean, Decimal) for _, count, mean, _ in rows if count), rows
    assert expected_revenue >= min(1000, ORDERS // 100)


def test_every_mart_identical_on_generated_orders(builds) -> None:
    engines = {label: digests for label, digests in builds.items() if not label.startswith("_")}
    assert len(engines) >= 2, f"one engine only ({list(engines)}): nothing to compare"
    compared = assert_digests_identical(engines, COMPARED)
    RUN_STATS["engines generated: marts compared"] = compared
    RUN_STATS["engines generated: marts differing"] = 0
    rows = sum(count for count, _ in engines["DuckDB"].values())
    RUN_STATS["engines generated: rows compared per engine"] = rows
