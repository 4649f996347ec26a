#!/usr/bin/env python3
"""Load order and customer CSV files into a warehouse as raw text tables.

    python scripts/load_raw_tables.py --target postgres \
        --orders data/demo/orders.csv --customers data/demo/customers.csv

On DuckDB the project reads files directly (orders_path); every other
engine reads the `orders` source table. This script makes those tables the
way a raw landing zone holds them: every column text, the values exactly as
in the file, an empty field as NULL, so dirty rows reach staging and are
rejected there with a reason instead of failing the load.

The connection comes from the project's profiles.yml (the same target dbt
uses, rendered with the same environment variables), so the tables land
where `dbt build --target <target>` looks for them when run with

    --vars '{orders_path: null, customers_path: null,
             orders_schema: <schema>, orders_table: raw_orders,
             customers_table: raw_customers}'

Existing tables of the same name are replaced.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
from pathlib import Path

import jinja2
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
PROFILE_NAME = "rfm_lifecycle"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def read_text_table(path: Path) -> tuple[list[str], list[list[str | None]]]:
    """Header and rows of a CSV file; every value text, an empty field None."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise SystemExit(f"load_raw_tables: {path} is empty (no header row)") from None
        for name in header:
            if not IDENTIFIER.fullmatch(name):
                raise SystemExit(f"load_raw_tables: {path}: column name {name!r} is not a plain identifier")
        rows = []
        for line_number, row in enumerate(reader, start=2):
            if len(row) != len(header):
                raise SystemExit(
                    f"load_raw_tables: {path}:{line_number}: {len(row)} fields, the header has {len(header)}"
                )
            rows.append([value if value != "" else None for value in row])
    return header, rows


def profile_output(target: str) -> dict:
    """The target's settings from profiles.yml, rendered as dbt renders them."""
    profiles_dir = Path(os.environ.get("DBT_PROFILES_DIR", PROJECT_DIR))
    text = (profiles_dir / "profiles.yml").read_text(encoding="utf-8")
    missing = object()

    def env_var(name: str, default: object = missing) -> str:
        if name in os.environ:
            return os.environ[name]
        if default is missing:
            raise SystemExit(f"load_raw_tables: environment variable {name} is not set (profiles.yml needs it)")
        return str(default)

    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)

    def render(value: object) -> object:
        if isinstance(value, str):
            return environment.from_string(value).render(env_var=env_var)
        if isinstance(value, dict):
            return {key: render(item) for key, item in value.items()}
        return value

    outputs = yaml.safe_load(text)[PROFILE_NAME]["outputs"]
    if target not in outputs:
        raise SystemExit(f"load_raw_tables: profiles.yml has no target {target!r} (has {', '.join(outputs)})")
    return render(outputs[target])


def load_duckdb(output: dict, schema: str, tables: dict) -> None:
    import duckdb

    with duckdb.connect(output["path"]) as connection:
        connection.execute(f'create schema if not exists "{schema}"')
        for table_name, (header, rows) in tables.items():
            arrow_table = to_arrow(header, rows)  # noqa: F841 - read by name below
            connection.execute(f'create or replace table "{schema}"."{table_name}" as select * from arrow_table')


def load_postgres(output: dict, schema: str, tables: dict) -> None:
    import psycopg2

    connection = psycopg2.connect(
        host=output["host"], port=int(output["port"]), user=output["user"],
        password=output.get("password") or None, dbname=output["dbname"],
    )
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f'create schema if not exists "{schema}"')
            for table_name, (header, rows) in tables.items():
                # A daily reload: the project's staging views depend on the table, and a drop would fail
                # (or take them along). The same columns are emptied and refilled in this transaction
                # instead; other columns replace the table and the views on it, which the next dbt run
                # creates again.
                cursor.execute(
                    "select column_name, data_type from information_schema.columns"
                    " where table_schema = %s and table_name = %s order by ordinal_position",
                    (schema, table_name))
                existing = cursor.fetchall()
                if existing == [(name, "text") for name in header]:
                    cursor.execute(f'truncate table "{schema}"."{table_name}"')
                else:
                    if existing:
                        print(f"load_raw_tables: {schema}.{table_name} gets other columns; the views on it are"
                              " dropped with it and come back with the next dbt run", file=sys.stderr)
                    cursor.execute(f'drop table if exists "{schema}"."{table_name}" cascade')
                    columns = ", ".join(f'"{name}" text' for name in header)
                    cursor.execute(f'create table "{schema}"."{table_name}" ({columns})')
                # COPY's CSV format reads an unquoted empty field as NULL and a quoted one as ''.
                buffer = io.StringIO()
                writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
                for row in rows:
                    writer.writerow(["" if value is None else value for value in row])
                buffer.seek(0)
                cursor.copy_expert(f'copy "{schema}"."{table_name}" from stdin with (format csv)', buffer)
    finally:
        connection.close()


def load_spark(output: dict, schema: str, tables: dict, staging_dir: Path) -> None:
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("rfm_lifecycle load_raw_tables").enableHiveSupport()
    for key, value in (output.get("server_side_parameters") or {}).items():
        builder = builder.config(key, str(value))
    # dbt-spark sets the same, whatever the profile says.
    builder = builder.config("spark.sql.ansi.enabled", "false")
    spark = builder.getOrCreate()
    try:
        load_spark_tables(spark, schema, tables, staging_dir)
    finally:
        spark.stop()


def load_spark_tables(spark, schema: str, tables: dict, staging_dir: Path) -> None:
    """Write each table through a Parquet file, so Spark reads the exact strings (no CSV re-parsing)."""
    staging_dir.mkdir(parents=True, exist_ok=True)
    spark.sql(f"create database if not exists `{schema}`")
    for table_name, (header, rows) in tables.items():
        parquet_path = staging_dir / f"{table_name}.parquet"
        pq.write_table(to_arrow(header, rows), parquet_path)
        frame = spark.read.parquet(str(parquet_path.resolve()))
        spark.sql(f"drop table if exists `{schema}`.`{table_name}`")
        frame.write.format("parquet").saveAsTable(f"`{schema}`.`{table_name}`")
        parquet_path.unlink()
    staging_dir.rmdir()


def to_arrow(header: list[str], rows: list[list[str | None]]) -> pa.Table:
    columns = list(zip(*rows)) if rows else [[] for _ in header]
    return pa.table({name: pa.array(list(values), type=pa.string()) for name, values in zip(header, columns)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True, help="target of profiles.yml: duckdb, postgres or spark")
    parser.add_argument("--orders", type=Path, required=True, help="orders CSV file")
    parser.add_argument("--customers", type=Path, help="customers CSV file (optional)")
    parser.add_argument("--schema", default="rfm_raw", help="schema to load into (default rfm_raw)")
    parser.add_argument("--orders-table", default="raw_orders")
    parser.add_argument("--customers-table", default="raw_customers")
    args = parser.parse_args(argv)

    for name in (args.schema, args.orders_table, args.customers_table):
        if not IDENTIFIER.fullmatch(name):
            parser.error(f"{name!r} is not a plain identifier")
    tables = {args.orders_table: read_text_table(args.orders)}
    if args.customers is not None:
        tables[args.customers_table] = read_text_table(args.customers)

    output = profile_output(args.target)
    kind = output.get("type")
    if kind == "duckdb":
        load_duckdb(output, args.schema, tables)
    elif kind == "postgres":
        load_postgres(output, args.schema, tables)
    elif kind == "spark":
        warehouse_dir = Path(output["server_side_parameters"]["spark.sql.warehouse.dir"])
        load_spark(output, args.schema, tables, warehouse_dir.parent / "load")
    else:
        parser.error(f"target {args.target!r} is of type {kind!r}; this loader knows duckdb, postgres and spark")
    summary = ", ".join(f"{args.schema}.{name} ({len(rows)} rows)" for name, (_, rows) in tables.items())
    print(f"load_raw_tables: loaded {summary} on {args.target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
