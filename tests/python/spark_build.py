"""Load the demo into Spark (local mode), run the full `dbt build --target spark`, and write every mart to a file.

    python tests/python/spark_build.py WORK_DIR MARTS_FILE [ORDERS CUSTOMERS MARTS]

The engine test runs this in a child process: dbt-spark's session method
needs the SparkSession in the process that runs dbt, and a child of its own
keeps Spark's JVM, its log lines and dbt's in-process state out of the pytest
process (the JVM ends with the child). The session comes from the profile's
own settings (profiles.yml, target spark) with the raw tables loaded into it,
so the metastore starts once; the Hive metastore (Derby) and the table files
live under RFM_SPARK_DIR, which the caller points into WORK_DIR. The marts
are written as a pickle: {mart: (columns, rows)}, values as Spark returns
them (Decimal, date, str, int, bool, None). Given ORDERS and CUSTOMERS (a
generated input, tests/python/test_engines_generated.py), those files are
loaded instead of the demo, only the MARTS (comma-separated) and their
parents are built, without tests, and each is written as its row count and
digest (engine_results.rows_digest), never whole.
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

from engine_results import MARTS, MODEL_SCHEMA, RAW_SCHEMA, SOURCE_VARS, load_raw_tables, rows_digest
from project_support import DEMO_CUSTOMERS, DEMO_ORDERS, PROJECT_DIR


def main(work_dir: Path, marts_file: Path, orders: Path | None = None, customers: Path | None = None,
         selected: str | None = None) -> int:
    compared = selected.split(",") if selected else MARTS
    from dbt.cli.main import dbtRunner
    from pyspark.sql import SparkSession

    output = load_raw_tables.profile_output("spark")
    builder = SparkSession.builder.enableHiveSupport().config("spark.ui.showConsoleProgress", "false")
    for key, value in output["server_side_parameters"].items():
        if key == "spark.driver.extraJavaOptions":
            # A throwaway metastore: Derby need not sync its log to disk on every commit; and the throughput
            # collector: G1 ran a concurrent marking cycle back to back on this 2 GB driver (DECISIONLOG, issue 11).
            value = f"{value} -Dderby.system.durability=test -XX:+UseParallelGC"
        builder = builder.config(key, str(value))
    # dbt-spark turns ANSI mode off in every session it opens; the loader's session matches.
    spark = builder.config("spark.sql.ansi.enabled", "false").getOrCreate()
    try:
        tables = {
            "raw_orders": load_raw_tables.open_raw_file(orders or DEMO_ORDERS),
            "raw_customers": load_raw_tables.open_raw_file(customers or DEMO_CUSTOMERS),
        }
        load_raw_tables.load_spark_tables(spark, RAW_SCHEMA, tables)
        models_only = ["--select", *(f"+{mart}" for mart in compared),
                       "--exclude", "resource_type:test", "resource_type:unit_test"] if orders else []
        result = dbtRunner().invoke([
            "build", "--target", "spark", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
            "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
            "--vars", json.dumps(SOURCE_VARS), *models_only,
        ])
        if not result.success:
            print(f"dbt build --target spark failed: {result.exception}; log: {work_dir / 'logs' / 'dbt.log'}",
                  file=sys.stderr)
            return 1
        marts = {}
        for mart in compared:
            frame = spark.sql(f"select * from {MODEL_SCHEMA}.{mart}")
            if orders:
                # The digest ignores row order; spread over many partitions first, since a mart written from
                # one partition would reach the driver as one result (over spark.driver.maxResultSize at 1M).
                marts[mart] = rows_digest([frame.repartition(64).toLocalIterator()])
            else:
                marts[mart] = (frame.columns, [tuple(row) for row in frame.collect()])
    finally:
        spark.stop()
    marts_file.write_bytes(pickle.dumps(marts))
    return 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    sys.exit(main(*(Path(argument) for argument in arguments[:4]), *arguments[4:5]))
