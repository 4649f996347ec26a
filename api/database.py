"""Read-only access to the marts, one DuckDB connection per request.

Why per request: a snapshot switch (a new current.json) takes effect on the next
request without any cache to invalidate, and one request never reads two runs,
because all its queries go through the one connection opened on one file. Opening
costs about 50 ms on the demo for the project database and about 2 ms for a published
snapshot, which SnapshotAnchor keeps open. Every query binds its
values as parameters; table names come from the constants below, never from input."""

from __future__ import annotations

import datetime as dt
import decimal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb

from .snapshot import DatabaseChoice, database_to_read

UNPUBLISHED_RUN_ID = "unpublished"
SCHEMA = "main"
# One thread per database: every query here reads one table of a small mart for one request, and
# DuckDB's thread pool cost more CPU than it saved on such queries (a customer lookup 1.5 ms with one
# thread against 2.1 ms with two, on the demo). DuckDB keeps one configuration per open file in a
# process, so the anchor and every request connect with this same one.
READ_CONFIG = {"threads": 1}
# Column types converted inside DuckDB for queries of many rows (Reader.all_columns), so they reach
# Python as JSON-ready values: decimals become doubles (the same double as float(Decimal): one
# correctly rounded division) and dates ISO text. On the demo a page of 100 customers cost 4.3 ms
# this way against 5.2 ms converted in Python; one customer's row 2.5 ms against 1.7 ms, because
# the casts cost more to plan than one row costs to convert, so single rows use select *.
CAST_IN_SQL = (("DECIMAL", "double"), ("DATE", "varchar"))
JSON_READY_TYPES = frozenset({"VARCHAR", "DOUBLE", "FLOAT", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT",
                              "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"})


class DatabaseUnavailable(RuntimeError):
    """No database to read (not built, locked by a build, not DuckDB): the API answers 503."""


class MartMissing(LookupError):
    """The database has no such mart (an older build): the API answers 501."""


def to_json_value(value):
    """DuckDB values as JSON: dates as ISO text, decimals as numbers."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


@dataclass(frozen=True)
class SnapshotFacts:
    """What a run holds for every request: the marts present, the run's as-of date and the
    thresholds in force (lifecycle_thresholds: name -> value, unit, set_by), which every
    customer lookup returns. Read once per published snapshot (SnapshotAnchor): a second query
    per lookup was about 0.8 of its 5 ms of server CPU on the demo."""

    tables: frozenset[str]
    as_of_date: str | None
    thresholds_in_force: tuple[tuple[str, dict], ...] = ()
    select_lists: dict[str, str] = field(default_factory=dict)  # table -> its columns, see select_list()


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def select_list(columns: list[tuple[str, str]]) -> str:
    """Every column of a table, in order, with the types of CAST_IN_SQL converted to JSON-ready ones."""
    parts = []
    for name, data_type in columns:
        cast = next((target for prefix, target in CAST_IN_SQL
                     if data_type == prefix or data_type.startswith(prefix + "(")), None)
        parts.append(f"cast({quoted(name)} as {cast}) as {quoted(name)}" if cast else quoted(name))
    return ", ".join(parts)


def read_facts(connection: duckdb.DuckDBPyConnection) -> SnapshotFacts:
    rows = connection.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_catalog = current_database() order by table_name, ordinal_position",
        [SCHEMA],
    ).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, []).append((column, data_type))
    tables = frozenset(columns)
    as_of = None
    if "customer_segments" in tables:
        (as_of,) = connection.execute("select max(as_of_date) from main.customer_segments").fetchone()
    in_force = ()
    if "lifecycle_thresholds" in tables:
        in_force = tuple(
            (name, {"value": to_json_value(value), "unit": unit, "set_by": set_by})
            for name, value, unit, set_by in connection.execute(
                "select threshold_name, threshold_value, value_unit, set_by from main.lifecycle_thresholds "
                "order by threshold_name"
            ).fetchall()
        )
    return SnapshotFacts(tables, to_json_value(as_of), in_force,
                         {table: select_list(names) for table, names in columns.items()})


@dataclass
class Reader:
    connection: duckdb.DuckDBPyConnection
    choice: DatabaseChoice
    facts: SnapshotFacts

    @property
    def run_id(self) -> str:
        return self.choice.run_id or UNPUBLISHED_RUN_ID

    @property
    def as_of_date(self) -> str | None:
        return self.facts.as_of_date

    @property
    def headers(self) -> dict[str, str]:
        """Sent with every answer, errors included, so a client can tell which run answered."""
        return {
            "X-RFM-Run-Id": self.run_id,
            "X-RFM-As-Of-Date": self.as_of_date or "",
            "X-RFM-Source": self.choice.source,
        }

    def tables(self) -> frozenset[str]:
        return self.facts.tables

    def require(self, table: str) -> None:
        if table not in self.tables():
            raise MartMissing(table)

    def all_columns(self, table: str) -> str:
        """The select list for every column of a mart, read from the catalog (never from input)."""
        self.require(table)
        return self.facts.select_lists[table]

    def rows(self, sql: str, parameters: list | None = None) -> list[dict]:
        cursor = self.connection.execute(sql, parameters or [])
        names = [column[0] for column in cursor.description]
        converted = [index for index, column in enumerate(cursor.description)
                     if str(column[1]) not in JSON_READY_TYPES]
        if not converted:
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        answers = []
        for row in cursor.fetchall():
            values = list(row)
            for index in converted:
                values[index] = to_json_value(values[index])
            answers.append(dict(zip(names, values)))
        return answers


class SnapshotAnchor:
    """Keeps the current published snapshot open, so each request's own connection reuses the open
    database (DuckDB shares one instance per file within a process): about 2 ms to open instead of
    about 50 ms on the demo. Only for published snapshots, which are never written again; the
    project database is not held open, because that would block the next `dbt build` on it.
    A published snapshot never changes, so its marts and as-of date are read once, when it is
    anchored, not on every request (about 2 ms of a 5 ms lookup on the demo).
    When current.json names another snapshot, the old anchor is closed; requests still reading it
    keep their own connections, and DuckDB releases the file when the last one closes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._path: str | None = None
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._facts: SnapshotFacts | None = None

    def hold(self, choice: DatabaseChoice) -> None:
        path = str(choice.path) if choice.source == "published_snapshot" else None
        with self._lock:
            if path == self._path:
                return
            previous, self._connection, self._path, self._facts = self._connection, None, None, None
            if previous is not None:
                previous.close()
            if path is None:
                return
            try:
                self._connection = duckdb.connect(path, read_only=True, config=READ_CONFIG)
                self._path = path
                self._facts = read_facts(self._connection)
            except duckdb.Error:
                pass  # the request's own connect reports the problem

    def facts(self, choice: DatabaseChoice) -> SnapshotFacts | None:
        """The anchored snapshot's facts when `choice` is that snapshot, else None (read them yourself)."""
        with self._lock:
            if choice.source == "published_snapshot" and str(choice.path) == self._path:
                return self._facts
        return None


ANCHOR = SnapshotAnchor()


@contextmanager
def open_reader(choice: DatabaseChoice | None = None) -> Iterator[Reader]:
    """A Reader on the file database_to_read() names, opened read-only and closed afterwards."""
    choice = choice or database_to_read()
    if not choice.path.is_file():
        raise DatabaseUnavailable(
            f"No database at {choice.path.name} ({choice.source}): build the project first (make build)."
        )
    ANCHOR.hold(choice)
    try:
        connection = duckdb.connect(str(choice.path), read_only=True, config=READ_CONFIG)
    except duckdb.Error as error:
        if "lock" in str(error).lower():
            raise DatabaseUnavailable(
                f"{choice.path.name} is locked by a running build; publish snapshots so the API can keep "
                "answering during builds (docs/api.md), or retry when the build has finished."
            ) from error
        raise DatabaseUnavailable(f"{choice.path.name} cannot be opened as a DuckDB database.") from error
    try:
        facts = ANCHOR.facts(choice) or read_facts(connection)
        if "customer_segments" not in facts.tables:
            raise DatabaseUnavailable(f"{choice.path.name} holds no rfm_lifecycle marts (no customer_segments).")
        yield Reader(connection, choice, facts)
    finally:
        connection.close()
