"""The PostgreSQL loader reloads while the project's views read the table (issue 13): a daily
reload must not fail on, or silently drop, the staging view that depends on raw_orders."""
from __future__ import annotations

import os
import subprocess
import sys

import psycopg2

from project_support import PROJECT_DIR

SCHEMA = "raw_reload_test"
ORDERS = PROJECT_DIR / "tests" / "python" / "fixtures" / "exports" / "plain_contract.csv"


def load(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "load_raw_tables.py"), "--target", "postgres",
         "--orders", str(path), "--schema", SCHEMA],
        cwd=PROJECT_DIR, env={**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR)}, capture_output=True, text=True,
        timeout=120)


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
