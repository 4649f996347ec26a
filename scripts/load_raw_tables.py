#!/usr/bin/env python3
"""Load order and customer files (CSV or Parquet) into a warehouse as raw text tables.

    python scripts/load_raw_tables.py --target postgres \
        --orders data/demo/orders.csv --customers data/demo/customers.csv

On DuckDB the project reads files directly (orders_path); every other
engine reads the `orders` source table. This script makes those tables the
way a raw landing zone holds them: every column text, the values exactly as
in the file, an empty field as NULL, so dirty rows reach staging and are
rejected there with a reason instead of failing the load.

Files are streamed by each engine's own bulk reader, never held in Python
memory: DuckDB's read_csv / read_parquet, PostgreSQL's COPY (Parquet is fed to
COPY a record batch at a time) and Spark's CSV and Parquet readers. A CSV file
is RFC 4180: comma-separated, double-quoted, UTF-8, a header of plain
identifiers; a record with more or fewer fields than the header stops the load
with the engine's message and line.

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
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pyarrow.parquet as pq
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
PROFILE_NAME = "rfm_lifecycle"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
PARQUET_SUFFIXES = (".parquet", ".pq")
# Rows per Parquet record batch fed to PostgreSQL's COPY: memory stays bounded by one batch.
COPY_BATCH_ROWS = 65536


@dataclass(frozen=True)
class RawFile:
    """A file to load: its path, its format and its column names (read from the header or the schema)."""
    path: Path
    kind: str
    header: list[str]


def open_raw_file(path: Path) -> RawFile:
    """Reads only the header (CSV) or the schema (Parquet) and checks the column names."""
    if not path.is_file():
        raise SystemExit(f"load_raw_tables: {path} is not a file")
    if path.suffix.lower() in PARQUET_SUFFIXES:
        kind, header = "parquet", list(pq.ParquetFile(path).schema_arrow.names)
    else:
        with path.open(newline="", encoding="utf-8") as handle:
            try:
                kind, header = "csv", next(csv.reader(handle))
            except StopIteration:
                raise SystemExit(f"load_raw_tables: {path} is empty (no header row)") from None
    for name in header:
        if not IDENTIFIER.fullmatch(name):
            raise SystemExit(f"load_raw_tables: {path}: column name {name!r} is not a plain identifier")
    if len(set(header)) != len(header):
        raise SystemExit(f"load_raw_tables: {path}: a column name appears twice in {header}")
    return RawFile(path, kind, header)


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


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


def load_duckdb(output: dict, schema: str, tables: dict[str, RawFile]) -> dict[str, int]:
    import duckdb

    counts = {}
    with duckdb.connect(output["path"]) as connection:
        connection.execute(f'create schema if not exists "{schema}"')
        for table_name, raw in tables.items():
            if raw.kind == "parquet":
                columns = ", ".join(f'cast("{name}" as varchar) as "{name}"' for name in raw.header)
                source = f"select {columns} from read_parquet({sql_string(str(raw.path))})"
            else:
                # Nothing sniffed: the header's names, every column text, a quoted empty field NULL as well.
                types = ", ".join(f"{sql_string(name)}: 'VARCHAR'" for name in raw.header)
                source = (f"select * from read_csv({sql_string(str(raw.path))}, header = true, delim = ',',"
                          f" quote = '\"', escape = '\"', auto_detect = false, columns = {{{types}}},"
                          " strict_mode = true, null_padding = false, allow_quoted_nulls = true)")
            try:
                connection.execute(f'create or replace table "{schema}"."{table_name}" as {source}')
            except duckdb.Error as error:
                # The line and what is wrong with it; not DuckDB's options for reading past it.
                message = " ".join(str(error).split("\nPossible fixes")[0].split())
                raise SystemExit(f"load_raw_tables: {raw.path}: {message}") from None
            counts[table_name] = connection.execute(f'select count(*) from "{schema}"."{table_name}"').fetchone()[0]
    return counts


class ParquetAsCsv(io.TextIOBase):
    """A Parquet file read as CSV text, one record batch at a time, for COPY FROM STDIN."""

    def __init__(self, path: Path, header: list[str]):
        self._batches = pq.ParquetFile(path).iter_batches(batch_size=COPY_BATCH_ROWS, columns=header)
        self._pending = ""

    def read(self, size: int = -1) -> str:
        while size < 0 or len(self._pending) < size:
            batch = next(self._batches, None)
            if batch is None:
                break
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            columns = [column.cast("string").to_pylist() for column in batch.columns]
            writer.writerows(["" if value is None else value for value in row] for row in zip(*columns))
            self._pending += text.getvalue()
        if size < 0:
            size = len(self._pending)
        chunk, self._pending = self._pending[:size], self._pending[size:]
        return chunk


def load_postgres(output: dict, schema: str, tables: dict[str, RawFile]) -> dict[str, int]:
    import psycopg2

    connection = psycopg2.connect(
        host=output["host"], port=int(output["port"]), user=output["user"],
        password=output.get("password") or None, dbname=output["dbname"],
    )
    counts = {}
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f'create schema if not exists "{schema}"')
            for table_name, raw in tables.items():
                replace_postgres_table(cursor, schema, table_name, raw.header)
                quoted = ", ".join(f'"{name}"' for name in raw.header)
                # FORCE_NULL: a quoted empty field is NULL too, as an unquoted one is in COPY's CSV format.
                options = f"format csv, force_null ({quoted})" + (", header true" if raw.kind == "csv" else "")
                copy = f'copy "{schema}"."{table_name}" ({quoted}) from stdin with ({options})'
                try:
                    if raw.kind == "parquet":
                        cursor.copy_expert(copy, ParquetAsCsv(raw.path, raw.header))
                    else:
                        with raw.path.open(encoding="utf-8", newline="") as handle:
                            cursor.copy_expert(copy, handle)
                except psycopg2.Error as error:
                    message = " ".join((error.pgerror or str(error)).split())
                    raise SystemExit(f"load_raw_tables: {raw.path}: {message}") from None
                cursor.execute(f'select count(*) from "{schema}"."{table_name}"')
                counts[table_name] = cursor.fetchone()[0]
    finally:
        connection.close()
    return counts


def replace_postgres_table(cursor, schema: str, table_name: str, header: list[str]) -> None:
    """A daily reload: the project's staging views depend on the table, and a drop would fail (or take them
    along). The same columns are emptied and refilled in the load's transaction instead; other columns
    replace the table and the views on it, which the next dbt run creates again."""
    cursor.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = %s and table_name = %s order by ordinal_position",
        (schema, table_name))
    existing = cursor.fetchall()
    if existing == [(name, "text") for name in header]:
        cursor.execute(f'truncate table "{schema}"."{table_name}"')
        return
    if existing:
        print(f"load_raw_tables: {schema}.{table_name} gets other columns; the views on it are"
              " dropped with it and come back with the next dbt run", file=sys.stderr)
    cursor.execute(f'drop table if exists "{schema}"."{table_name}" cascade')
    columns = ", ".join(f'"{name}" text' for name in header)
    cursor.execute(f'create table "{schema}"."{table_name}" ({columns})')


def load_spark(output: dict, schema: str, tables: dict[str, RawFile]) -> dict[str, int]:
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("rfm_lifecycle load_raw_tables").enableHiveSupport()
    for key, value in (output.get("server_side_parameters") or {}).items():
        builder = builder.config(key, str(value))
    # dbt-spark sets the same, whatever the profile says.
    builder = builder.config("spark.sql.ansi.enabled", "false").config("spark.ui.showConsoleProgress", "false")
    spark = builder.getOrCreate()
    try:
        return load_spark_tables(spark, schema, tables)
    finally:
        spark.stop()


def load_spark_tables(spark, schema: str, tables: dict[str, RawFile]) -> dict[str, int]:
    """Spark's own readers, split across its tasks; every column text, an empty field NULL."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    spark.sql(f"create database if not exists `{schema}`")
    counts = {}
    for table_name, raw in tables.items():
        location = str(raw.path.resolve())
        if raw.kind == "parquet":
            frame = spark.read.parquet(location).select(*raw.header)
        else:
            # RFC 4180 quoting (a doubled quote inside quotes); FAILFAST: a record with another number of
            # fields than the header stops the load; multiLine: a quoted field may hold a line break.
            frame = spark.read.csv(
                location, header=True, schema=StructType([StructField(name, StringType()) for name in raw.header]),
                quote='"', escape='"', mode="FAILFAST", multiLine=True, encoding="UTF-8",
                ignoreLeadingWhiteSpace=False, ignoreTrailingWhiteSpace=False)
        frame = frame.select(*[
            F.when(F.col(name).cast("string") == "", None).otherwise(F.col(name).cast("string")).alias(name)
            for name in raw.header])
        # Written under a new name first: a file that fails to parse leaves the loaded table as it was.
        spark.sql(f"drop table if exists `{schema}`.`{table_name}__loading`")
        try:
            frame.write.format("parquet").saveAsTable(f"`{schema}`.`{table_name}__loading`")
        except Exception as error:  # py4j and Spark's own errors; the first line says what and where
            spark.sql(f"drop table if exists `{schema}`.`{table_name}__loading`")
            found = re.search(r"Malformed[^\n]*", str(error))
            reason = found.group(0).strip() if found else str(error).strip().splitlines()[0]
            raise SystemExit(f"load_raw_tables: {raw.path}: {reason} (a record has another number of fields "
                             "than the header, or a quote is not closed)") from None
        spark.sql(f"drop table if exists `{schema}`.`{table_name}`")
        spark.sql(f"alter table `{schema}`.`{table_name}__loading` rename to `{schema}`.`{table_name}`")
        counts[table_name] = spark.table(f"`{schema}`.`{table_name}`").count()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True, help="target of profiles.yml: duckdb, postgres or spark")
    parser.add_argument("--orders", type=Path, required=True, help="orders file: CSV, or Parquet (.parquet)")
    parser.add_argument("--customers", type=Path, help="customers file, CSV or Parquet (optional)")
    parser.add_argument("--schema", default="rfm_raw", help="schema to load into (default rfm_raw)")
    parser.add_argument("--orders-table", default="raw_orders")
    parser.add_argument("--customers-table", default="raw_customers")
    args = parser.parse_args(argv)

    for name in (args.schema, args.orders_table, args.customers_table):
        if not IDENTIFIER.fullmatch(name):
            parser.error(f"{name!r} is not a plain identifier")
    tables = {args.orders_table: open_raw_file(args.orders)}
    if args.customers is not None:
        tables[args.customers_table] = open_raw_file(args.customers)

    output = profile_output(args.target)
    kind = output.get("type")
    if kind == "duckdb":
        counts = load_duckdb(output, args.schema, tables)
    elif kind == "postgres":
        counts = load_postgres(output, args.schema, tables)
    elif kind == "spark":
        counts = load_spark(output, args.schema, tables)
    else:
        parser.error(f"target {args.target!r} is of type {kind!r}; this loader knows duckdb, postgres and spark")
    summary = ", ".join(f"{args.schema}.{name} ({rows} rows)" for name, rows in counts.items())
    print(f"load_raw_tables: loaded {summary} on {args.target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
