"""Spark (local mode): the full build of the demo data gives the marts of the DuckDB file run.

dbt-spark's session method runs Spark inside the process that runs dbt, so
this test starts the SparkSession from the profile's own settings, loads the
raw tables into it and runs `dbt build --target spark` in this process;
metastore and tables live in a temporary folder. Slow (minutes): `make
test-spark` runs it, CI too.
"""

from __future__ import annotations

import json
import os

import pytest

from project_support import DEMO_CUSTOMERS, DEMO_ORDERS, PROJECT_DIR
from engine_results import (
    MARTS,
    MODEL_SCHEMA,
    RAW_SCHEMA,
    SOURCE_VARS,
    Table,
    assert_marts_identical,
    duckdb_file_marts,  # noqa: F401 - fixture
    load_raw_tables,
    normalized,
)


@pytest.fixture(scope="module")
def spark_marts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Table]:
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
        # The session dbt-spark will find: the profile's own settings, with the raw tables loaded into it.
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
        assert result.success, f"dbt build on Spark failed: {result.exception}; log in {tmp_path / 'logs'}"
        marts = {}
        for mart in MARTS:
            frame = spark.sql(f"select * from {MODEL_SCHEMA}.{mart}")
            marts[mart] = normalized(frame.columns, [tuple(row) for row in frame.collect()])
        return marts
    finally:
        if spark is not None:
            spark.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_spark_gives_identical_marts(duckdb_file_marts, spark_marts) -> None:
    assert_marts_identical(duckdb_file_marts, spark_marts, "Spark")
