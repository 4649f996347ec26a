"""Read the rfm_lifecycle marts from a DuckDB file, read-only.

The file is the build's published snapshot when there is one
(`<database>.published/current.json` names it; macros/publishing/published_snapshots.sql):
one whole build whose every test passed, so the dashboard never shows marts of
two runs and keeps working while the next build holds the database. Without a
snapshot (publishing switched off, a database built before 0.4.0) it reads the
database itself.

Every function opens the file, reads and closes it again: a read-only DuckDB
connection on the database holds a lock that would make the next `dbt build`
fail, so the dashboard never keeps one open. Results are cached by the caller on
the file's signature (path, size, modification time), so a new build shows up on
reload.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from api.snapshot import read_pointer

DEFAULT_DATABASE = "rfm_lifecycle.duckdb"
BUILD_COMMAND = "make run"

SEGMENTS = ("prospect", "new", "one_time", "regular", "loyal", "inactive", "lost")
# Customers in these segments bought recently enough for their tier: the
# active side of the diagonal in the RF matrix.
ACTIVE_SEGMENTS = ("new", "regular", "loyal")

CORE_TABLES = ("segment_summary", "rf_matrix", "lifecycle_thresholds", "rfm_score_ranges", "customer_segments")
# The lifecycle-over-time marts (history contract); the dashboard shows a note
# for each one that is not built yet instead of failing.
HISTORY_TABLES = ("segment_history", "segment_transitions", "segment_trends", "repeat_purchase_curve")

CONTACT_COLUMNS = (
    "customer_id",
    "lifecycle_segment",
    "next_segment_if_no_order",
    "next_transition_date",
    "days_until_transition",
    "recency_days",
    "frequency",
    "monetary",
    "lifetime_orders",
    "rfm_key",
    "action_goal",
    "action_channel",
    "as_of_date",
)


class DashboardDataError(Exception):
    """A database the dashboard cannot show, with the command that fixes it."""

    def __init__(self, message: str, command: str | None = BUILD_COMMAND) -> None:
        super().__init__(message)
        self.message = message
        self.command = command


def database_path(environ: dict[str, str] | None = None) -> Path:
    """The file to read for RFM_DUCKDB_PATH (default rfm_lifecycle.duckdb): its published snapshot, if any."""
    environ = os.environ if environ is None else environ
    return readable_database(Path(environ.get("RFM_DUCKDB_PATH") or DEFAULT_DATABASE).expanduser())


def readable_database(database: Path) -> Path:
    """The published snapshot current.json names beside the database, else the database itself. The
    pointer is read by the API's rule (api/snapshot.py), so the dashboard and the API answer from the
    same build; a pointer that cannot be trusted is no snapshot."""
    folder = database.with_name(database.name + ".published")
    content, _problem = read_pointer(folder)
    return database if content is None else folder / content["snapshot"]


def database_signature(path: Path) -> tuple[str, int, int]:
    """What the cache is keyed on; raises DashboardDataError when there is no file."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise DashboardDataError(
            f"No database at {path}: the project has not been built there yet."
        ) from None
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@contextlib.contextmanager
def open_database(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    database_signature(path)
    try:
        connection = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise DashboardDataError(
                f"{path} is locked by a running build; reload the page when it has finished.",
                command=None,
            ) from error
        raise DashboardDataError(f"{path} cannot be opened as a DuckDB database: {error}") from error
    except duckdb.Error as error:
        raise DashboardDataError(f"{path} cannot be opened as a DuckDB database: {error}") from error
    try:
        yield connection
    finally:
        connection.close()


def find_schema(connection: duckdb.DuckDBPyConnection, environ: dict[str, str] | None = None) -> str:
    """The schema holding the marts: RFM_DUCKDB_SCHEMA, else the one with segment_summary (main first)."""
    environ = os.environ if environ is None else environ
    wanted = environ.get("RFM_DUCKDB_SCHEMA")
    rows = connection.execute(
        "select table_schema from information_schema.tables "
        "where table_name = 'segment_summary' and table_catalog = current_database() "
        "order by table_schema = 'main' desc, table_schema"
    ).fetchall()
    schemas = [row[0] for row in rows]
    if wanted:
        if wanted not in schemas:
            raise DashboardDataError(f"The database has no table segment_summary in schema {wanted!r}.")
        return wanted
    if not schemas:
        raise DashboardDataError("The database holds no rfm_lifecycle marts (no table segment_summary).")
    return schemas[0]


def _tables(connection: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    rows = connection.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_catalog = current_database()",
        [schema],
    ).fetchall()
    return {row[0] for row in rows}


def _frame(connection: duckdb.DuckDBPyConnection, query: str, parameters: list | None = None) -> pd.DataFrame:
    """A query result as a DataFrame whose DATE columns hold datetime.date (pandas would make them timestamps)."""
    connection.execute(query, parameters or [])
    date_columns = [name for name, type_code, *_ in connection.description if str(type_code) == "DATE"]
    frame = connection.df()
    for name in date_columns:
        frame[name] = [None if pd.isna(value) else value.date() for value in frame[name]]
    return frame


def _quoted(schema: str, table: str) -> str:
    return '"' + schema.replace('"', '""') + '"."' + table.replace('"', '""') + '"'


@dataclass
class Marts:
    """The small marts, read whole; customer-level tables are queried on demand."""

    path: Path
    schema: str
    tables: set[str]
    segment_summary: pd.DataFrame
    rf_matrix: pd.DataFrame
    lifecycle_thresholds: pd.DataFrame
    rfm_score_ranges: pd.DataFrame
    history: dict[str, pd.DataFrame] = field(default_factory=dict)
    history_periods: list[dt.date] = field(default_factory=list)

    @property
    def missing_history(self) -> list[str]:
        return [table for table in HISTORY_TABLES if table not in self.tables]

    @property
    def as_of_date(self) -> dt.date | None:
        values = self.segment_summary["as_of_date"].dropna()
        return values.iloc[0] if len(values) else None

    def threshold(self, name: str) -> float | None:
        rows = self.lifecycle_thresholds[self.lifecycle_thresholds["threshold_name"] == name]
        if rows.empty or pd.isna(rows["threshold_value"].iloc[0]):
            return None
        return float(rows["threshold_value"].iloc[0])


def load_marts(path: Path) -> Marts:
    with open_database(path) as connection:
        schema = find_schema(connection)
        tables = _tables(connection, schema)
        missing = [table for table in CORE_TABLES if table not in tables]
        if missing:
            raise DashboardDataError(
                f"The database lacks the mart(s) {', '.join(missing)}: the build did not finish."
            )

        def read(table: str, order_by: str, where: str = "true") -> pd.DataFrame:
            return _frame(connection, f"select * from {_quoted(schema, table)} where {where} order by {order_by}")

        # The dashboard shows the lifecycle; the summary marts hold the RFM schemes beside it.
        lifecycle = "segment_scheme = 'lifecycle'"
        marts = Marts(
            path=path,
            schema=schema,
            tables=tables,
            segment_summary=read("segment_summary", "segment_order", lifecycle).rename(
                columns={"segment_code": "lifecycle_segment"}
            ),
            rf_matrix=read("rf_matrix", "r_score, f_score", lifecycle),
            lifecycle_thresholds=read("lifecycle_thresholds", "threshold_name"),
            rfm_score_ranges=read("rfm_score_ranges", "measure, score"),
        )
        order_by = {
            "segment_trends": "period_end_date, lifecycle_segment",
            "segment_transitions": "period_end_date, from_segment, to_segment",
            "repeat_purchase_curve": "bucket_start_day",
        }
        for table, order in order_by.items():
            if table in tables:
                marts.history[table] = read(table, order)
        if "segment_history" in tables:
            marts.history_periods = [
                row[0]
                for row in connection.execute(
                    f"select distinct period_end_date from {_quoted(schema, 'segment_history')} "
                    "order by period_end_date"
                ).fetchall()
            ]
        elif "segment_transitions" in marts.history:
            marts.history_periods = sorted(set(marts.history["segment_transitions"]["period_end_date"]))
    return marts


def headline(marts: Marts) -> dict[str, float | int | None]:
    """The five headline numbers, all from segment_summary."""
    summary = marts.segment_summary
    customers = int(summary["customers"].sum())
    buyers = int(summary.loc[summary["lifecycle_segment"] != "prospect", "customers"].sum())
    active = int(summary.loc[summary["lifecycle_segment"].isin(ACTIVE_SEGMENTS), "customers"].sum())
    return {
        "customers": customers,
        "buyers": buyers,
        "active_customers": active,
        # Prospects never bought, so they are left out of the share rather than counted as not active.
        "active_share": active / buyers if buyers else None,
        "trailing_revenue": float(summary["trailing_revenue"].sum()),
        "revenue_at_risk": float(summary["revenue_at_risk"].sum()),
        "upgrade_potential": float(summary["upgrade_potential"].sum()),
    }


def rf_boundary(rf_matrix: pd.DataFrame, below: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the diagonal runs: per frequency score, the recency score the line is drawn under.

    That is one above the highest non-empty cell dominated by a segment in `below` (so
    buckets + 1 when the top cell is one), or the lowest non-empty cell when no cell is.
    Returns (f_score, r_score) pairs; empty columns are skipped.
    """
    boundary = []
    filled = rf_matrix[rf_matrix["customers"] > 0]
    for f_score in sorted(filled["f_score"].unique()):
        column = filled[filled["f_score"] == f_score]
        below_cells = column[column["dominant_segment"].isin(below)]
        line = int(below_cells["r_score"].max()) + 1 if len(below_cells) else int(column["r_score"].min())
        boundary.append((int(f_score), line))
    return boundary


LEARNED_PREFIX = "learned_days_orders_"


def learned_thresholds(thresholds: pd.DataFrame) -> dict[int, float]:
    """inactivity_mode probability: the learned day threshold per order-count group, from the
    learned_days_orders_<group> rows of lifecycle_thresholds (the last group, '5+', holds 5 and more).
    Empty in the other modes."""
    rows = thresholds[thresholds["threshold_name"].astype(str).str.startswith(LEARNED_PREFIX)]
    return {
        int(name.removeprefix(LEARNED_PREFIX).rstrip("+")): float(value)
        for name, value in zip(rows["threshold_name"], rows["threshold_value"])
        if pd.notna(value)
    }


def recency_height(days: float, score_ranges: pd.DataFrame) -> float:
    """Where "recency <= days" ends on the RF matrix's recency axis (a cell spans score +/- 0.5; the
    highest score holds the fewest days): inside a cell, in proportion to the whole days of its range
    on the active side; between two cells' ranges, on their border."""
    ranges = score_ranges[score_ranges["measure"] == "recency_days"].sort_values("score", ascending=False)
    for score, low, high in zip(ranges["score"], ranges["min_value"], ranges["max_value"]):
        low, high = float(low), float(high)
        if days < low:
            return int(score) + 0.5
        if days <= high:
            return int(score) + 0.5 - (days - low + 1) / (high - low + 1)
    return int(ranges["score"].min()) - 0.5 if len(ranges) else 0.5


def learned_diagonal(
    thresholds: pd.DataFrame, score_ranges: pd.DataFrame, f_scores: list[int]
) -> list[tuple[float, float] | None]:
    """The learned diagonal on the RF matrix: points (x, y), None where the line breaks.

    Each frequency column is cut into equal slices, one per order count of its frequency range
    (orders in the window, taken as the order count: its group, the last group for every count
    from it on); a slice is drawn at the recency height of its group's learned days. A column
    without orders (frequency 0) breaks the line. Empty when no learned thresholds exist.
    """
    learned = learned_thresholds(thresholds)
    if not learned:
        return []
    last_group = max(learned)
    frequency = score_ranges[score_ranges["measure"] == "frequency"].set_index("score")
    points: list[tuple[float, float] | None] = []
    for f_score in f_scores:
        if f_score not in frequency.index:
            points.append(None)
            continue
        low = max(int(frequency.loc[f_score, "min_value"]), 1)
        high = int(frequency.loc[f_score, "max_value"])
        counts = list(range(low, high + 1))
        if not counts:
            points.append(None)
            continue
        width = 1 / len(counts)
        for index, count in enumerate(counts):
            days = learned.get(min(count, last_group))
            if days is None:
                continue
            y = recency_height(days, score_ranges)
            left, right = f_score - 0.5 + index * width, f_score - 0.5 + (index + 1) * width
            if points and points[-1] is not None and points[-1] == (left, y):
                points[-1] = (right, y)  # the same group as the slice before: one segment
            else:
                points += [(left, y), (right, y)]
    return points


def contact_list(path: Path, schema: str, segment: str, within_days: int) -> pd.DataFrame:
    """Customers of a segment whose next transition falls within `within_days` of the as-of date."""
    with open_database(path) as connection:
        return _frame(
            connection,
            f"select {', '.join(CONTACT_COLUMNS)} from {_quoted(schema, 'customer_segments')} "
            "where lifecycle_segment = ? and days_until_transition <= ? "
            "order by next_transition_date, customer_id",
            [segment, int(within_days)],
        )


def transitions_between(marts: Marts, from_date: dt.date, to_date: dt.date) -> tuple[pd.DataFrame, str]:
    """Customers per (from_segment, to_segment) between two period ends, and the mart it came from.

    Consecutive period ends read segment_transitions; any other pair is counted on
    segment_history. A customer not known at from_date comes from 'none'.
    """
    periods = marts.history_periods
    consecutive = (
        from_date in periods and to_date in periods and periods.index(to_date) == periods.index(from_date) + 1
    )
    if consecutive and "segment_transitions" in marts.history:
        transitions = marts.history["segment_transitions"]
        rows = transitions[transitions["period_end_date"] == to_date]
        frame = rows[["from_segment", "to_segment", "customers"]].reset_index(drop=True)
        return frame.astype({"customers": "int64"}), "segment_transitions"
    if "segment_history" not in marts.tables:
        raise DashboardDataError("segment_history is not built yet, so only consecutive periods can be compared.")
    history = _quoted(marts.schema, "segment_history")
    with open_database(marts.path) as connection:
        frame = _frame(
            connection,
            f"""
            select
                coalesce(earlier.lifecycle_segment, 'none') as from_segment,
                later.lifecycle_segment as to_segment,
                count(*) as customers
            from {history} as later
            left join {history} as earlier
                on earlier.customer_id = later.customer_id
                and earlier.period_end_date = ?
            where later.period_end_date = ?
            group by all
            order by from_segment, to_segment
            """,
            [from_date, to_date],
        )
    return frame.astype({"customers": "int64"}), "segment_history"


def repeat_curve_knee_day(marts: Marts) -> float | None:
    """The knee of the repeat-purchase curve: the threshold row if built, else the flagged bucket."""
    knee = marts.threshold("repeat_curve_knee_days")
    if knee is not None:
        return knee
    curve = marts.history.get("repeat_purchase_curve")
    if curve is None:
        return None
    flagged = curve[curve["is_knee"].fillna(False).astype(bool)]
    return float(flagged["bucket_end_day"].iloc[0]) if len(flagged) else None


def contacts_due_by_segment(path: Path, schema: str, within_days: int) -> pd.DataFrame:
    """Per segment, how many customers change segment within `within_days` of the as-of date."""
    with open_database(path) as connection:
        return _frame(
            connection,
            f"select lifecycle_segment, count(*) as customers_due from {_quoted(schema, 'customer_segments')} "
            "where days_until_transition <= ? group by lifecycle_segment order by lifecycle_segment",
            [int(within_days)],
        )


# A text cell starting with one of these runs as a formula when the file is opened in a spreadsheet
# (OWASP, CSV injection); the export files neutralise the same set (macros/exports/export_files.sql).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def contacts_csv(contacts: pd.DataFrame) -> str:
    """The contact list as CSV for a CRM or mailing tool: ISO dates, '.' decimals, no index. A text cell
    that starts like a formula gets a leading ' (numbers stay numbers, -12.50 included)."""
    safe = contacts.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column].dtype):
            safe[column] = safe[column].map(
                lambda value: "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value)
    return safe.to_csv(index=False, date_format="%Y-%m-%d")


# --- Will they come back? (return curves and the back-test, issue 12) ----------------------------

RETURN_TABLES = ("return_curves", "lifecycle_backtest", "return_probability_calibration")


@dataclass
class ReturnMarts:
    """The return curves and the back-test marts, read whole (a few thousand rows); None when not built."""

    path: Path
    schema: str
    curves: pd.DataFrame | None
    backtest: pd.DataFrame | None
    calibration: pd.DataFrame | None

    @property
    def missing(self) -> list[str]:
        frames = dict(zip(RETURN_TABLES, (self.curves, self.backtest, self.calibration)))
        return [table for table, frame in frames.items() if frame is None]

    @property
    def backtest_dates(self) -> list[dt.date]:
        if self.backtest is None:
            return []
        return sorted(set(self.backtest["backtest_date"]))

    @property
    def as_of_date(self) -> dt.date | None:
        if self.curves is None or self.curves.empty:
            return None
        return self.curves["as_of_date"].iloc[0]

    @property
    def horizon_days(self) -> int | None:
        """return_horizon_days, as the marts that are built and not empty carry it."""
        for frame in (self.curves, self.backtest, self.calibration):
            if frame is not None and len(frame):
                return int(frame["return_horizon_days"].iloc[0])
        return None


def load_return_marts(path: Path) -> ReturnMarts:
    with open_database(path) as connection:
        schema = find_schema(connection)
        tables = _tables(connection, schema)

        def read(table: str, order_by: str) -> pd.DataFrame | None:
            if table not in tables:
                return None
            return _frame(connection, f"select * from {_quoted(schema, table)} order by {order_by}")

        return ReturnMarts(
            path=path,
            schema=schema,
            curves=read("return_curves", "order_count_group, days_since_last_order"),
            backtest=read("lifecycle_backtest", "backtest_date, lifecycle_segment"),
            calibration=read("return_probability_calibration", "backtest_date, decile"),
        )


def backtest_rows(marts: ReturnMarts, backtest_date: dt.date) -> pd.DataFrame:
    """The lifecycle_backtest rows of one date, in the segments' lifecycle order."""
    rows = marts.backtest[marts.backtest["backtest_date"] == backtest_date]
    order = {segment: index for index, segment in enumerate(SEGMENTS)}
    return rows.sort_values("lifecycle_segment", key=lambda column: column.map(order)).reset_index(drop=True)


def backtest_sentence(rows: pd.DataFrame, backtest_date: dt.date, horizon_days: int) -> str | None:
    """What a marketer reads: 'Of the customers we called inactive on <date>, X% came back within
    <h> days; of the regular ones, Y%; ...' for the repeat segments the date holds."""
    shares = {row.lifecycle_segment: float(row.ordered_share) for row in rows.itertuples()
              if row.customers and not pd.isna(row.ordered_share)}
    # The repeat customers first (the doc's example); any other segment only when the date has none of them.
    named = [segment for segment in ("inactive", "regular", "loyal") if segment in shares]
    named = named or [segment for segment in ("new", "one_time", "lost") if segment in shares]
    if not named:
        return None
    label = {"one_time": "one-time"}
    first, *others = named
    sentence = (f"Of the customers we called {label.get(first, first)} on {backtest_date}, "
                f"{shares[first] * 100:.0f}% came back within {horizon_days} days")
    for segment in others:
        sentence += f"; of the {label.get(segment, segment)} ones, {shares[segment] * 100:.0f}%"
    return sentence + "."
