"""rfm_lifecycle used as a dbt package: a tiny host project installs it with `local:` and builds its marts.

The host keeps its raw data in its own schema under its own table and column
names, configures the package only with vars, puts the package's relations
in a schema of their own, and has a model of its own named like one of the
package's marts. Everything builds on DuckDB, offline.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import duckdb
import pytest

from project_support import DBT, DEMO_CUSTOMERS, DEMO_ORDERS, PROJECT_DIR

ORDER_COLUMNS = {
    "order_id": "bestelnummer",
    "customer_id": "klantnummer",
    "order_date": "besteldatum",
    "amount": "bedrag",
    "status": "bestelstatus",
    "margin": "marge",
    "line_id": "regel",
}


def write_host_project(host: Path) -> None:
    (host / "models").mkdir(parents=True)
    mapping = "\n".join(f"        {key}: {value}" for key, value in ORDER_COLUMNS.items())
    (host / "dbt_project.yml").write_text(textwrap.dedent("""\
        name: webshop_analytics
        version: "1.0.0"
        config-version: 2
        profile: webshop_analytics

        flags:
          # The host has a model named like a package model; package refs must stay inside the package.
          require_ref_searches_node_package_before_root: true

        models:
          rfm_lifecycle:
            +schema: rfm
        seeds:
          rfm_lifecycle:
            +schema: rfm

        vars:
          rfm_lifecycle:
            orders_path: null
            customers_path: null
            orders_schema: landing
            orders_table: webshop_orders
            orders_columns:
        {mapping}
            customers_table: webshop_customers
            customers_columns:
              customer_id: klantnummer
            score_buckets: 4
            lookback_days: 365
        """).format(mapping=mapping))
    (host / "packages.yml").write_text(f"packages:\n  - local: {PROJECT_DIR}\n")
    (host / "profiles.yml").write_text(textwrap.dedent(f"""\
        webshop_analytics:
          target: dev
          outputs:
            dev:
              type: duckdb
              path: {host / 'warehouse.duckdb'}
              threads: 4
        """))
    # The host's own model, named like the package's mart and reading it.
    (host / "models" / "customer_segments.sql").write_text(
        "select lifecycle_segment, count(*) as customers\n"
        "from {{ ref('rfm_lifecycle', 'customer_segments') }}\n"
        "group by lifecycle_segment\n"
    )


def load_landing_tables(database: Path) -> None:
    """The host's raw data: its own schema, table and column names, every column text."""
    select_list = ", ".join(f'"{source}" as "{target}"' for source, target in ORDER_COLUMNS.items())
    csv_options = "all_varchar = true, header = true, quote = '\"', escape = '\"'"
    with duckdb.connect(str(database)) as connection:
        connection.execute("create schema landing")
        connection.execute(
            f"create table landing.webshop_orders as "
            f"select {select_list} from read_csv('{DEMO_ORDERS}', {csv_options})"
        )
        connection.execute(
            f"create table landing.webshop_customers as "
            f"select customer_id as klantnummer from read_csv('{DEMO_CUSTOMERS}', {csv_options})"
        )


def dbt(host: Path, *args: str) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DBT_", "RFM_"))  # the host knows nothing of this project's settings
    }
    environment["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "False"
    result = subprocess.run(
        [DBT, *args, "--project-dir", str(host), "--profiles-dir", str(host)],
        cwd=host, env=environment, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, f"dbt {' '.join(args)} failed:\n{result.stdout[-8000:]}\n{result.stderr[-2000:]}"
    return result


@pytest.fixture(scope="module")
def host_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    host = tmp_path_factory.mktemp("host") / "webshop_analytics"
    write_host_project(host)
    load_landing_tables(host / "warehouse.duckdb")
    dbt(host, "deps")
    assert (host / "dbt_packages" / "rfm_lifecycle" / "dbt_project.yml").exists()
    dbt(host, "build")  # the package's seeds, models and data tests, and the host's model
    return host / "warehouse.duckdb"


def test_package_marts_land_in_their_own_schema(host_warehouse: Path) -> None:
    with duckdb.connect(str(host_warehouse), read_only=True) as connection:
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables order by 1, 2"
        ).fetchall()
    by_schema: dict[str, set[str]] = {}
    for schema, table in tables:
        by_schema.setdefault(schema, set()).add(table)
    assert by_schema["main"] == {"customer_segments"}, "only the host's own model lives in the host schema"
    assert by_schema["landing"] == {"webshop_orders", "webshop_customers"}
    assert {"customer_segments", "segment_summary", "rf_matrix", "lifecycle_thresholds", "orders_accounting",
            "orders_rejected", "rfm_score_ranges", "segment_action_paths", "stg_orders"} <= by_schema["main_rfm"]


def test_host_vars_configure_the_package(host_warehouse: Path) -> None:
    with duckdb.connect(str(host_warehouse), read_only=True) as connection:
        (max_score, customers, prospects) = connection.execute(
            "select max(r_score), count(*), count(*) filter (where lifecycle_segment = 'prospect') "
            "from main_rfm.customer_segments"
        ).fetchone()
        lookback = connection.execute(
            "select threshold_value from main_rfm.lifecycle_thresholds where threshold_name = 'lookback_days'"
        ).fetchone()[0]
        (source_rows,) = connection.execute("select count(*) from landing.webshop_orders").fetchone()
        (accounted_rows,) = connection.execute("select sum(source_rows) from main_rfm.orders_accounting").fetchone()
    assert max_score == 4
    assert lookback == 365
    assert customers > 10_000 and prospects > 0, "the mapped customers table adds prospects"
    assert accounted_rows == source_rows


def test_host_model_reads_the_package_mart(host_warehouse: Path) -> None:
    with duckdb.connect(str(host_warehouse), read_only=True) as connection:
        host_counts = dict(connection.execute("select * from main.customer_segments").fetchall())
        package_counts = dict(connection.execute(
            "select lifecycle_segment, count(*) from main_rfm.customer_segments group by 1"
        ).fetchall())
    assert host_counts == package_counts
    assert len(host_counts) == 7
