#!/usr/bin/env python3
"""Benchmark of the rfm_lifecycle core build against its baselines (`make bench`).

For each size N (orders), in one run, side by side:

  0. data      scripts/generate_orders.py --orders N (the demo data's shape: dirty
               rows, duplicates, refunds, cancelled orders), cached under the work
               folder; split with DuckDB COPY into the history (every row not dated
               on the last day D, unparseable dates included) and the last day.
  1. dbt full  `dbt build` of the core marts and their parents (seeds included,
               data and unit tests excluded) on the history file, as of D - 1, into
               a fresh DuckDB file. A no-op `dbt show` of one settings row, timed
               on its own, shows dbt's fixed start-up beside wall - elapsed_time.
  2. floor     one hand-written DuckDB statement (CREATE TABLE ... AS) computing
               recency, frequency, monetary and tie-safe quintile scores per
               customer from the same file, in a fresh process with the profile's
               DuckDB settings; compared with customer_segments.
  3. pandas    the analyst's version: read_parquet, the same cleaning, groupby,
               rank-based quintiles; compared with customer_segments.
  4. daily     the last-day file is added (orders_path becomes a glob of the
               folder) and `dbt build` runs again on the same database with
               as_of_date D: what a scheduler's daily run costs (every model is a
               plain table, rebuilt). With --verify (default up to 1M orders) a
               --full-refresh build into another file must give the same core
               marts, row for row.
  5. fixed     dbt's fixed cost: the same build on the first 200 rows of the
               history file, into a fresh file with a fresh parse, and once more
               with the parse kept (partial parsing: same vars, same target).
               The core build's work is the full build's wall time minus the
               first of these.

Every measured step is a child process; its wall time is taken around the child
and its peak RSS is ru_maxrss from os.wait4 (the child's own peak, or that of a
descendant it waited for if higher). dbt and DuckDB run inside that child.

Results: a table on stdout, <work>/results_<N>.json and a section appended to
<work>/results.md. Timings are measurements, never assertions: see
docs/benchmark.md for how to read them and the targets they are held against.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
GENERATOR = PROJECT / "scripts" / "generate_orders.py"
DBT = Path(sys.executable).parent / "dbt"

# The core marts (issue 5), one list with the engine tests; `+` adds every parent, seeds included.
sys.path.insert(0, str(PROJECT / "scripts"))
from rfm_marts import CORE_MARTS  # noqa: E402

DBT_SELECTION = [
    "--select", *[f"+{name}" for name in CORE_MARTS],
    "--exclude", "resource_type:test", "resource_type:unit_test",
]
# Compared row for row after the daily run (customer_segments and orders_accounting first).
VERIFIED_MARTS = CORE_MARTS
SCORE_COLUMNS = ["recency_days", "frequency", "monetary", "r_score", "f_score", "m_score"]

# The targets. The ratios hold at 10M orders, the memory bound at 50M.
RATIO_TARGET_ORDERS = 10_000_000
MEMORY_TARGET_ORDERS = 50_000_000
MAX_DBT_WORK_PER_FLOOR = 1.5  # dbt wall minus its fixed cost (the 200-row build), per floor wall
MIN_PANDAS_PER_DBT = 2.0
FIXED_COST_ROWS = 200
MAX_PEAK_RSS_MIB = 8 * 1024
VERIFY_BY_DEFAULT_UP_TO = 1_000_000
# pandas holds every row several times over: measured about 500 bytes per input row at peak
# (1M orders, 1.7M rows: 1 GiB). Above the memory available it is skipped, not run into the OOM killer.
PANDAS_BYTES_PER_ROW = 600

SETTINGS_QUERY = (
    "select current_setting('threads') as threads, current_setting('memory_limit') as memory_limit, "
    "current_setting('temp_directory') as temp_directory, "
    "current_setting('preserve_insertion_order') as preserve_insertion_order"
)
PARQUET = "(FORMAT parquet, COMPRESSION zstd)"


def sql_string(text: object) -> str:
    return "'" + str(text).replace("'", "''") + "'"


# ---------------------------------------------------------------------------
# The project's rules, as far as they decide the numbers (README "Input", "Scores")
# ---------------------------------------------------------------------------
def project_rules() -> dict:
    """The default vars of dbt_project.yml that the floor and pandas must follow."""
    import yaml

    project_vars = yaml.safe_load((PROJECT / "dbt_project.yml").read_text())["vars"]
    if project_vars.get("monetary_measure", "revenue") != "revenue":
        sys.exit("benchmark: the floor and pandas compute revenue; set monetary_measure: revenue")
    if project_vars.get("customer_id_case_sensitive", True) is not True:
        sys.exit("benchmark: the floor and pandas keep customer ids verbatim, as the default does")
    max_order_date = project_vars.get("max_order_date")
    return {
        "lookback_days": int(project_vars["lookback_days"]),
        "score_buckets": int(project_vars["score_buckets"]),
        "excluded_statuses": [str(s).strip().lower() for s in project_vars["excluded_statuses"]],
        "min_order_date": str(project_vars.get("min_order_date") or "1900-01-01"),
        # null = the day of the run, as dbt's run_started_at (UTC) gives it.
        "max_order_date": str(max_order_date or dt.datetime.now(dt.timezone.utc).date().isoformat()),
    }


# ---------------------------------------------------------------------------
# Step 2: the floor, one statement
# ---------------------------------------------------------------------------
def floor_statement(orders_path: str, rules: dict) -> str:
    """The hand-written floor. What it leaves out of the project's rules: the strict
    date and amount text patterns (DuckDB's own casts decide instead) and the
    rejection of orders with two different rows for one line id."""
    statuses = ", ".join(sql_string(s) for s in rules["excluded_statuses"])
    buckets = rules["score_buckets"]

    def score(position: str) -> str:
        # NTILE's bucket of the first row of the tie group: the first `remainder` buckets hold one row more.
        return (
            f"case when {position} < remainder * (per_bucket + 1) "
            f"then {position} // (per_bucket + 1) + 1 "
            f"else remainder + ({position} - remainder * (per_bucket + 1)) // per_bucket + 1 end"
        )

    return f"""
create table floor_scores as
with
source_rows as (
    select
        nullif(trim(order_id), '') as order_id,
        nullif(trim(customer_id), '') as customer_id,
        trim(order_date) as order_date_text,
        try_cast(trim(order_date) as date) as order_date,
        try_cast(trim(amount) as decimal(18, 2)) as amount,
        nullif(lower(trim(status)), '') as status,
        try_cast(trim(margin) as decimal(18, 2)) as margin,
        nullif(trim(margin), '') is not null as has_margin_text,
        nullif(trim(line_id), '') as line_id
    from read_parquet({sql_string(orders_path)})
),
valid_rows as (
    -- Exact duplicates after cleaning count once; excluded statuses still take part in the
    -- check that an order id belongs to one customer.
    select distinct
        order_id, customer_id, order_date_text, order_date, amount, status, margin, line_id,
        coalesce(status in ({statuses}), false) as is_excluded
    from source_rows
    where order_id is not null
        and customer_id is not null
        and order_date between date {sql_string(rules["min_order_date"])}
            and date {sql_string(rules["max_order_date"])}
        and amount is not null
        and (margin is not null or not has_margin_text)
),
orders as (
    -- Refund lines are netted into their order; the order keeps its earliest line date.
    select
        order_id,
        min(customer_id) as customer_id,
        min(order_date) filter (where not is_excluded) as order_date,
        sum(amount) filter (where not is_excluded) as net_amount
    from valid_rows
    group by order_id
    having min(customer_id) = max(customer_id) and count(*) filter (where not is_excluded) > 0
),
as_of as (
    select max(order_date) filter (where net_amount > 0) as as_of_date from orders
),
customers as (
    -- An order id with a net amount of zero or less is a refund record: money, not an order.
    select
        orders.customer_id,
        as_of.as_of_date,
        as_of.as_of_date - max(orders.order_date) filter (where orders.net_amount > 0) as recency_days,
        count(*) filter (
            where orders.net_amount > 0 and orders.order_date > as_of.as_of_date - {rules["lookback_days"]}
        ) as frequency,
        coalesce(sum(orders.net_amount) filter (
            where orders.order_date > as_of.as_of_date - {rules["lookback_days"]}
        ), 0) as monetary
    from orders
    cross join as_of
    where orders.order_date <= as_of.as_of_date
    group by orders.customer_id, as_of.as_of_date
    having count(*) filter (where orders.net_amount > 0) > 0
),
ranked as (
    -- rank() is the position of the first customer of a tie group: equal values, equal scores.
    select
        *,
        rank() over (order by recency_days desc) - 1 as r_position,
        rank() over (order by frequency asc) - 1 as f_position,
        rank() over (order by monetary asc) - 1 as m_position,
        count(*) over () // {buckets} as per_bucket,
        count(*) over () % {buckets} as remainder
    from customers
)
select
    customer_id,
    as_of_date,
    recency_days,
    frequency,
    cast(monetary as decimal(38, 2)) as monetary,
    {score("r_position")} as r_score,
    {score("f_position")} as f_score,
    {score("m_position")} as m_score
from ranked
"""


def connect_duckdb(path: str, settings: dict):
    import duckdb

    con = duckdb.connect(path)
    con.execute(f"set threads = {int(settings['threads'])}")
    con.execute(f"set memory_limit = {sql_string(settings['memory_limit'])}")
    if settings.get("temp_directory"):
        con.execute(f"set temp_directory = {sql_string(settings['temp_directory'])}")
    con.execute(f"set preserve_insertion_order = {str(bool(settings['preserve_insertion_order'])).lower()}")
    con.execute("set enable_progress_bar = false")
    return con


def step_floor(spec: dict) -> dict:
    started = time.perf_counter()
    con = connect_duckdb(spec["database"], spec["settings"])
    con.execute(floor_statement(spec["orders_path"], spec["rules"]))
    customers, as_of = con.execute("select count(*), max(as_of_date) from floor_scores").fetchone()
    con.close()  # the checkpoint that makes the table durable counts too
    return {"work_s": time.perf_counter() - started, "customers": customers, "as_of_date": str(as_of)}


# ---------------------------------------------------------------------------
# Step 3: pandas, the analyst's approach
# ---------------------------------------------------------------------------
def tie_safe_scores(position, count: int, buckets: int):
    """NTILE's bucket for each 0-based tie-group position (numpy arrays)."""
    import numpy as np

    per_bucket, remainder = divmod(count, buckets)
    big = remainder * (per_bucket + 1)
    first = position // (per_bucket + 1) + 1
    if per_bucket == 0:
        return first.astype(np.int64)
    rest = remainder + (position - big) // per_bucket + 1
    return np.where(position < big, first, rest).astype(np.int64)


def step_pandas(spec: dict) -> dict:
    import numpy as np
    import pandas as pd

    rules = spec["rules"]
    started = time.perf_counter()
    raw = pd.read_parquet(spec["orders_path"])

    def cleaned(column: str) -> pd.Series:
        text = raw[column].str.strip()
        return text.mask(text == "")

    order_id = cleaned("order_id")
    customer_id = cleaned("customer_id")
    date_text = raw["order_date"].str.strip()
    order_date = pd.to_datetime(date_text, format="ISO8601", errors="coerce").dt.normalize()
    amount = pd.to_numeric(raw["amount"].str.strip(), errors="coerce")
    margin_text = cleaned("margin")
    margin = pd.to_numeric(margin_text, errors="coerce")
    status = cleaned("status").str.lower()
    rows = pd.DataFrame({
        "order_id": order_id,
        "customer_id": customer_id,
        "date_text": date_text,
        "order_date": order_date,
        # Cents as integers: exact sums, and exact keys for the duplicate check.
        "cents": (amount * 100).round().astype("Int64"),
        "status": status,
        "margin_cents": (margin * 100).round().astype("Int64"),
        "line_id": cleaned("line_id"),
        "is_excluded": status.isin(rules["excluded_statuses"]).to_numpy(),
    })
    del raw
    valid = (
        rows["order_id"].notna()
        & rows["customer_id"].notna()
        & rows["order_date"].between(pd.Timestamp(rules["min_order_date"]), pd.Timestamp(rules["max_order_date"]))
        & rows["cents"].notna()
        & (rows["margin_cents"].notna() | margin_text.isna())
    )
    rows = rows[valid].drop_duplicates(
        subset=["order_id", "customer_id", "date_text", "cents", "status", "margin_cents", "line_id"]
    )
    kept = ~rows["is_excluded"]
    rows = rows.assign(
        order_date=rows["order_date"].where(kept),
        cents=rows["cents"].where(kept, 0),
        kept_rows=kept.astype("int64"),
    )
    orders = rows.groupby(["order_id", "customer_id"], sort=False).agg(
        order_date=("order_date", "min"), net_cents=("cents", "sum"), kept_rows=("kept_rows", "sum"),
    ).reset_index()
    # An order id used by several customers cannot be attributed; an order of excluded rows only is no order.
    orders = orders[~orders["order_id"].duplicated(keep=False) & (orders["kept_rows"] > 0)]

    is_order = orders["net_cents"] > 0
    as_of = orders.loc[is_order, "order_date"].max()
    orders = orders[orders["order_date"] <= as_of]
    is_order = orders["net_cents"] > 0
    in_window = orders["order_date"] > as_of - pd.Timedelta(days=rules["lookback_days"])
    customers = orders.assign(
        last_order_date=orders["order_date"].where(is_order),
        lifetime_orders=is_order.astype("int64"),
        frequency=(is_order & in_window).astype("int64"),
        monetary_cents=orders["net_cents"].where(in_window, 0),
    ).groupby("customer_id", sort=False).agg(
        last_order_date=("last_order_date", "max"),
        lifetime_orders=("lifetime_orders", "sum"),
        frequency=("frequency", "sum"),
        monetary_cents=("monetary_cents", "sum"),
    )
    customers = customers[customers["lifetime_orders"] >= 1]
    customers["recency_days"] = (as_of - customers["last_order_date"]).dt.days.astype("int64")
    count, buckets = len(customers), rules["score_buckets"]
    for score, measure, ascending in [
        ("r_score", "recency_days", False),
        ("f_score", "frequency", True),
        ("m_score", "monetary_cents", True),
    ]:
        position = customers[measure].rank(method="min", ascending=ascending).to_numpy(dtype=np.int64) - 1
        customers[score] = tie_safe_scores(position, count, buckets)
    result = customers.reset_index()[
        ["customer_id", "recency_days", "frequency", "monetary_cents", "r_score", "f_score", "m_score"]
    ]
    result["monetary_cents"] = result["monetary_cents"].astype("int64")
    result.to_parquet(spec["result_path"], index=False)
    return {"work_s": time.perf_counter() - started, "customers": count, "as_of_date": as_of.date().isoformat()}


STEPS = {"floor": step_floor, "pandas": step_pandas}


# ---------------------------------------------------------------------------
# Measuring a child process
# ---------------------------------------------------------------------------
def measure(command: list[str], log_path: Path, env: dict | None = None) -> dict:
    """Run a child, return its wall seconds, peak RSS (MiB) and exit code; output goes to log_path."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    with log_path.open("w") as log:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    # CPU seconds (user + system, the child and its reaped descendants) move less than wall
    # time when other work shares the machine; the load average says how much did.
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024,
            "returncode": child.returncode, "load_1m_before": load_before, "load_1m_after": os.getloadavg()[0],
            "log": str(log_path)}


def failed(what: str, measured: dict) -> None:
    tail = Path(measured["log"]).read_text(errors="replace").splitlines()[-40:]
    sys.exit(f"benchmark: {what} failed (exit {measured['returncode']}); log {measured['log']}:\n" + "\n".join(tail))


def run_python_step(name: str, spec: dict, log_path: Path) -> dict:
    spec_path = log_path.with_suffix(".spec.json")
    spec_path.write_text(json.dumps(spec, indent=2))
    measured = measure([sys.executable, str(Path(__file__).resolve()), "--step", name, str(spec_path)], log_path)
    if measured["returncode"] != 0:
        failed(name, measured)
    report = json.loads(Path(log_path).read_text().strip().splitlines()[-1])
    return {**measured, **report}


def dbt_env(database: Path) -> dict:
    return {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT),
        "DBT_PROJECT_DIR": str(PROJECT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "RFM_DUCKDB_PATH": str(database),
    }


def dbt_vars(orders_path: str, as_of_date: dt.date) -> str:
    # JSON is YAML: paths with any character arrive intact.
    return json.dumps({"orders_path": orders_path, "customers_path": None, "as_of_date": as_of_date.isoformat()})


def run_dbt_build(label: str, database: Path, target_path: Path, variables: str, log_path: Path,
                  full_refresh: bool = False) -> dict:
    command = [str(DBT), "build", *DBT_SELECTION, "--vars", variables, "--target-path", str(target_path),
               "--log-path", str(target_path / "logs"), "--no-use-colors"]
    if full_refresh:
        command.append("--full-refresh")
    measured = measure(command, log_path, dbt_env(database))
    if measured["returncode"] != 0:
        failed(label, measured)
    run_results = json.loads((target_path / "run_results.json").read_text())
    elapsed = float(run_results["elapsed_time"])
    nodes = []
    for result in run_results["results"]:
        phases = {t["name"]: t for t in result.get("timing", [])}

        def seconds(phase: str) -> float | None:
            if phase not in phases or not phases[phase].get("started_at"):
                return None
            start = dt.datetime.fromisoformat(phases[phase]["started_at"].replace("Z", "+00:00"))
            end = dt.datetime.fromisoformat(phases[phase]["completed_at"].replace("Z", "+00:00"))
            return (end - start).total_seconds()

        nodes.append({
            "node": result["unique_id"],
            "status": result["status"],
            "execution_s": result["execution_time"],
            "compile_s": seconds("compile"),
            "execute_s": seconds("execute"),
            "rows_affected": (result.get("adapter_response") or {}).get("rows_affected"),
        })
    nodes.sort(key=lambda n: -n["execution_s"])
    concurrency = re.search(r"Concurrency: (\d+) threads", Path(log_path).read_text())
    return {
        **measured,
        "work_s": elapsed,
        "startup_s": measured["wall_s"] - elapsed,
        "dbt_threads": int(concurrency.group(1)) if concurrency else None,
        "nodes": nodes,
    }


def run_dbt_noop(database: Path, target_path: Path, variables: str, log_path: Path) -> dict:
    """dbt's fixed cost without work: a fresh parse with the build's vars, a connection and one
    settings query (the DuckDB settings the profile gives, which the floor then uses)."""
    command = [str(DBT), "show", "--inline", SETTINGS_QUERY, "--output", "json", "--quiet", "--vars", variables,
               "--target-path", str(target_path), "--log-path", str(target_path / "logs"), "--no-use-colors"]
    measured = measure(command, log_path, dbt_env(database))
    if measured["returncode"] != 0:
        failed("dbt show (start-up)", measured)
    text = Path(log_path).read_text()
    settings = json.loads(text[text.index("{"):text.rindex("}") + 1])["show"][0]
    for leftover in (database, Path(str(database) + ".wal")):
        leftover.unlink(missing_ok=True)
    return {**measured, "settings": settings}


# ---------------------------------------------------------------------------
# Step 0: the data
# ---------------------------------------------------------------------------
def generated_orders(orders: int, work: Path) -> tuple[Path, dict]:
    """The generator's file for this size, reused when an earlier run made it with the same arguments."""
    path = work / f"source_{orders}.parquet"
    marker = work / f"source_{orders}.json"
    arguments = ["--orders", str(orders)]
    if path.exists() and marker.exists() and json.loads(marker.read_text()).get("arguments") == arguments:
        return path, {"cached": True, **json.loads(marker.read_text())}
    partial = work / f"source_{orders}.partial.parquet"
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, str(GENERATOR), *arguments, "--out", str(partial)],
                          cwd=PROJECT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"benchmark: generate_orders failed:\n{proc.stderr}")
    partial.replace(path)
    info = {"arguments": arguments, "generator_s": time.perf_counter() - started,
            "generator_summary": proc.stderr.strip()}
    marker.write_text(json.dumps(info, indent=2))
    return path, {"cached": False, **info}


def sample_orders(history: Path, run_dir: Path) -> Path:
    """The first rows of the history file: an input so small that its build is dbt's fixed cost."""
    sample = run_dir / f"sample_{FIXED_COST_ROWS}.parquet"
    con = connect_duckdb(":memory:", {"threads": 1, "memory_limit": "1GB", "preserve_insertion_order": True})
    con.execute(f"copy (select * from read_parquet({sql_string(history)}) limit {FIXED_COST_ROWS}) "
                f"to {sql_string(sample)} {PARQUET}")
    con.close()
    return sample


def split_orders(source: Path, folder: Path, rules: dict) -> dict:
    """history.parquet (not dated on the last day D, unparseable dates included) and
    last_day.parquet (dated D), by DuckDB COPY. Reused while newer than the source."""
    history, last_day, marker = folder / "history.parquet", folder / "last_day.parquet", folder / "split.json"
    if marker.exists() and history.exists() and last_day.exists() \
            and marker.stat().st_mtime >= source.stat().st_mtime:
        return json.loads(marker.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.parquet"):
        stale.unlink()
    # Not measured; a modest memory limit keeps it polite on a shared machine (COPY streams).
    con = connect_duckdb(":memory:", {"threads": os.cpu_count(), "memory_limit": "2GB",
                                      "preserve_insertion_order": False})
    parsed = "try_cast(trim(order_date) as date)"
    source_sql = f"read_parquet({sql_string(source)})"
    last = con.execute(
        f"select max({parsed}) from {source_sql} where {parsed} between "
        f"date {sql_string(rules['min_order_date'])} and date {sql_string(rules['max_order_date'])}"
    ).fetchone()[0]
    if last is None:
        sys.exit(f"benchmark: {source} has no valid order date")
    day = f"date {sql_string(last.isoformat())}"
    con.execute(f"copy (select * from {source_sql} where {parsed} is distinct from {day}) "
                f"to {sql_string(history)} {PARQUET}")
    con.execute(f"copy (select * from {source_sql} where {parsed} = {day}) to {sql_string(last_day)} {PARQUET}")
    total, history_rows, last_day_rows = con.execute(
        f"select (select count(*) from {source_sql}), (select count(*) from read_parquet({sql_string(history)})), "
        f"(select count(*) from read_parquet({sql_string(last_day)}))"
    ).fetchone()
    con.close()
    if history_rows + last_day_rows != total:
        sys.exit(f"benchmark: split lost rows ({history_rows} + {last_day_rows} != {total})")
    info = {"last_day": last.isoformat(), "source_rows": total, "history_rows": history_rows,
            "last_day_rows": last_day_rows}
    marker.write_text(json.dumps(info, indent=2))
    return info


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------
def table_name(con, catalog: str, table: str) -> str:
    row = con.execute(
        "select schema_name from duckdb_tables() where database_name = ? and table_name = ? order by 1",
        [catalog, table],
    ).fetchone()
    if row is None:
        sys.exit(f"benchmark: no table {table} in {catalog}")
    return f'{catalog}."{row[0]}"."{table}"'


def agreement(con, segments: str, other: str, monetary_cents: bool) -> dict:
    """Share of scored customers on which both sides agree on every R/F/M value and score."""
    monetary = "cast(round(dbt.monetary * 100) as bigint)" if monetary_cents else "dbt.monetary"
    other_monetary = "other.monetary_cents" if monetary_cents else "other.monetary"
    checks = {
        column: (f"{monetary} is not distinct from {other_monetary}" if column == "monetary"
                 else f"dbt.{column} is not distinct from other.{column}")
        for column in SCORE_COLUMNS
    }
    everything = " and ".join(f"({check})" for check in checks.values())
    query = f"""
        with dbt as (select * from {segments} where r_score is not null),
        joined as (
            select dbt.customer_id as dbt_customer, other.customer_id as other_customer, ({everything}) as agrees,
                {", ".join(f"({check}) as same_{column}" for column, check in checks.items())}
            from dbt full outer join {other} as other on dbt.customer_id = other.customer_id
        )
        select count(*), count(dbt_customer), count(other_customer),
            count(*) filter (where dbt_customer is not null and other_customer is not null and agrees),
            {", ".join(f"count(*) filter (where dbt_customer is not null and other_customer is not null "
                       f"and not same_{column})" for column in SCORE_COLUMNS)}
        from joined
    """
    total, in_dbt, in_other, agree, *differ = con.execute(query).fetchone()
    examples = con.execute(f"""
        select coalesce(dbt.customer_id, other.customer_id) as customer_id,
            {", ".join(f"dbt.{c} as dbt_{c}" for c in SCORE_COLUMNS)},
            {", ".join(f"other.{c if c != 'monetary' else ('monetary_cents' if monetary_cents else c)} as other_{c}"
                       for c in SCORE_COLUMNS)}
        from (select * from {segments} where r_score is not null) as dbt
        full outer join {other} as other on dbt.customer_id = other.customer_id
        where not coalesce({everything}, false)
        order by 1 limit 5
    """).fetchall()
    columns = ["customer_id"] + [f"dbt_{c}" for c in SCORE_COLUMNS] + [f"other_{c}" for c in SCORE_COLUMNS]
    return {
        "customers_compared": total,
        "scored_in_customer_segments": in_dbt,
        "customers_in_baseline": in_other,
        "agree_exactly": agree,
        "share": agree / total if total else None,
        "differing_by_column": dict(zip(SCORE_COLUMNS, differ)),
        "examples": [{k: (str(v) if v is not None else None) for k, v in zip(columns, row)} for row in examples],
    }


def compare_with_baselines(bench_db: Path, floor_db: Path, pandas_result: Path, settings: dict) -> dict:
    con = connect_duckdb(":memory:", settings)
    con.execute(f"attach {sql_string(bench_db)} as bench (read_only)")
    segments = table_name(con, "bench", "customer_segments")
    result = {}
    if floor_db.exists():
        con.execute(f"attach {sql_string(floor_db)} as floor_db (read_only)")
        result["floor"] = agreement(con, segments, table_name(con, "floor_db", "floor_scores"), False)
    if pandas_result.exists():
        result["pandas"] = agreement(con, segments, f"read_parquet({sql_string(pandas_result)})", True)
    result["as_of_date"] = str(con.execute(f"select max(as_of_date) from {segments}").fetchone()[0])
    accounting = table_name(con, "bench", "orders_accounting")
    result["orders_accounting"] = [
        {"row_status": s, "rejection_reason": r, "source_rows": n}
        for s, r, n in con.execute(f"select row_status, rejection_reason, source_rows from {accounting} "
                                   "order by row_status, rejection_reason nulls first").fetchall()
    ]
    con.close()
    return result


def compare_databases(daily_db: Path, rebuilt_db: Path, settings: dict) -> dict:
    con = connect_duckdb(":memory:", settings)
    con.execute(f"attach {sql_string(daily_db)} as daily (read_only)")
    con.execute(f"attach {sql_string(rebuilt_db)} as rebuilt (read_only)")
    tables = {}
    for mart in VERIFIED_MARTS:
        left, right = table_name(con, "daily", mart), table_name(con, "rebuilt", mart)
        rows, only_daily, only_rebuilt = con.execute(
            f"select (select count(*) from {left}), "
            f"(select count(*) from (select * from {left} except all select * from {right})), "
            f"(select count(*) from (select * from {right} except all select * from {left}))"
        ).fetchone()
        tables[mart] = {"rows": rows, "only_daily": only_daily, "only_full_refresh": only_rebuilt,
                        "identical": only_daily == 0 and only_rebuilt == 0}
    con.close()
    return {"identical": all(t["identical"] for t in tables.values()), "tables": tables}


# ---------------------------------------------------------------------------
# One size
# ---------------------------------------------------------------------------
def machine_info() -> dict:
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    cpu_model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), platform.processor())

    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    return {
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "cpu": cpu_model,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "duckdb": version("duckdb"),
        "dbt_core": version("dbt-core"),
        "dbt_duckdb": version("dbt-duckdb"),
        "pandas": version("pandas"),
        "pyarrow": version("pyarrow"),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def evaluate(orders: int, steps: dict) -> tuple[dict, list[dict]]:
    full, floor, pandas, daily, fixed = (steps.get(k) for k in ("full", "floor", "pandas", "daily", "fixed"))
    startup = full["startup_s"]
    ratios = {
        "dbt_per_floor": ratio(full["wall_s"], floor and floor["wall_s"]),
        "dbt_work_per_floor": ratio(fixed and full["wall_s"] - fixed["wall_s"], floor and floor["wall_s"]),
        "dbt_without_startup_per_floor": ratio(full["wall_s"] - startup, floor and floor["wall_s"]),
        "pandas_per_dbt": ratio(pandas and pandas["wall_s"], full["wall_s"]),
        "daily_per_full": ratio(daily and daily["wall_s"], full["wall_s"]),
        "daily_per_full_without_startup": ratio(daily and daily["wall_s"] - daily["startup_s"],
                                                      full["wall_s"] - startup),
        # Informative only: CPU seconds show the same comparisons with less noise from a busy machine.
        "dbt_per_floor_cpu": ratio(full["cpu_s"], floor and floor["cpu_s"]),
        "pandas_per_dbt_cpu": ratio(pandas and pandas["cpu_s"], full["cpu_s"]),
        "daily_per_full_cpu": ratio(daily and daily["cpu_s"], full["cpu_s"]),
    }
    dbt_peak = max(s["peak_rss_mib"] for k, s in steps.items() if k in ("full", "daily", "verify"))

    def check(name, value, limit, passed, applies_at):
        return {"target": name, "value": value, "limit": limit,
                "result": None if value is None else ("pass" if passed(value) else "fail"),
                "applies": orders == applies_at, "set_for_orders": applies_at}

    targets = [
        check("dbt full build minus its fixed cost <= 1.5 x floor", ratios["dbt_work_per_floor"],
              MAX_DBT_WORK_PER_FLOOR, lambda v: v <= MAX_DBT_WORK_PER_FLOOR, RATIO_TARGET_ORDERS),
        check("pandas >= 2 x dbt full build", ratios["pandas_per_dbt"], MIN_PANDAS_PER_DBT,
              lambda v: v >= MIN_PANDAS_PER_DBT, RATIO_TARGET_ORDERS),
        check("peak RSS of the dbt builds < 8 GiB (MiB)", dbt_peak, MAX_PEAK_RSS_MIB,
              lambda v: v < MAX_PEAK_RSS_MIB, MEMORY_TARGET_ORDERS),
    ]
    return ratios, targets


STEP_LABELS = {
    "startup": "dbt start-up (no-op dbt show)",
    "full": "1 dbt build, core marts (full)",
    "floor": "2 floor: one DuckDB statement",
    "pandas": "3 pandas",
    "daily": "4 dbt build, daily (one more day)",
    "verify": "  dbt build --full-refresh (verify)",
    "fixed": f"5 dbt build, {FIXED_COST_ROWS} rows (fixed cost, full parse)",
    "fixed_partial_parse": f"  dbt build, {FIXED_COST_ROWS} rows, partial parse",
}


def available_memory_bytes() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


def run_size(orders: int, work: Path, verify: bool, skip: set[str], force_pandas: bool, machine: dict) -> dict:
    rules = project_rules()
    run_dir = work / f"run_{orders}"
    run_dir.mkdir(parents=True, exist_ok=True)
    bench_db, verify_db, floor_db = run_dir / "bench.duckdb", run_dir / "verify.duckdb", run_dir / "floor.duckdb"
    fixed_db = run_dir / "fixed.duckdb"
    pandas_result = run_dir / "pandas_scores.parquet"
    for stale in (bench_db, verify_db, floor_db, fixed_db, pandas_result, run_dir / "startup.duckdb"):
        for path in (stale, Path(str(stale) + ".wal")):
            path.unlink(missing_ok=True)
    full_target, verify_target = run_dir / "dbt_target", run_dir / "dbt_target_verify"
    noop_target, fixed_target = run_dir / "dbt_target_noop", run_dir / "dbt_target_fixed"
    for target in (full_target, verify_target, noop_target, fixed_target):
        subprocess.run(["rm", "-rf", str(target)], check=True)  # a fresh parse, as on a fresh checkout

    print(f"\n== {orders:,} orders ==", flush=True)
    source, generation = generated_orders(orders, work)
    print(f"data: {source} ({'cached' if generation['cached'] else 'generated'})", flush=True)

    split_folder = work / f"orders_{orders}"
    history_path = str((split_folder / "history.parquet").resolve())
    all_days_glob = str(split_folder.resolve() / "*.parquet")
    steps: dict = {}

    split = split_orders(source, split_folder, rules)
    last_day = dt.date.fromisoformat(split["last_day"])
    print(f"split: {split['history_rows']:,} history rows, {split['last_day_rows']:,} rows on the last day "
          f"{last_day}", flush=True)
    full_vars = dbt_vars(history_path, last_day - dt.timedelta(days=1))

    # The no-op also reports the profile's DuckDB settings, which the floor then uses.
    print("dbt start-up (no-op) ...", flush=True)
    steps["startup"] = run_dbt_noop(run_dir / "startup.duckdb", noop_target, full_vars, run_dir / "startup.log")
    settings = steps["startup"]["settings"]

    print("step 1: dbt build (full) ...", flush=True)
    steps["full"] = run_dbt_build("dbt build (full)", bench_db, full_target, full_vars, run_dir / "full.log")
    spec = {"orders_path": history_path, "rules": rules, "settings": settings}
    if "floor" not in skip:
        print("step 2: floor ...", flush=True)
        steps["floor"] = run_python_step("floor", {**spec, "database": str(floor_db)}, run_dir / "floor.log")
    pandas_skipped = None
    if "pandas" not in skip and not force_pandas:
        needed, available = split["history_rows"] * PANDAS_BYTES_PER_ROW, available_memory_bytes()
        if needed > available:
            pandas_skipped = (f"needs about {needed / 2**30:.1f} GiB, {available / 2**30:.1f} GiB available "
                              "(--force-pandas runs it anyway)")
            print(f"step 3: pandas skipped: {pandas_skipped}", flush=True)
    if "pandas" not in skip and pandas_skipped is None:
        print("step 3: pandas ...", flush=True)
        steps["pandas"] = run_python_step("pandas", {**spec, "result_path": str(pandas_result)},
                                          run_dir / "pandas.log")
    comparison = compare_with_baselines(bench_db, floor_db, pandas_result, settings)

    daily_vars = dbt_vars(all_days_glob, last_day)
    if "daily" not in skip:
        print("step 4: dbt build (daily: one more day) ...", flush=True)
        steps["daily"] = run_dbt_build("dbt build (daily)", bench_db, full_target, daily_vars, run_dir / "daily.log")
    verification = None
    if verify and "daily" not in skip:
        print("verify: dbt build --full-refresh into another file ...", flush=True)
        steps["verify"] = run_dbt_build("dbt build --full-refresh (verify)", verify_db, verify_target, daily_vars,
                                        run_dir / "verify.log", full_refresh=True)
        verification = compare_databases(bench_db, verify_db, settings)

    print(f"step 5: dbt build of {FIXED_COST_ROWS} rows (fixed cost) ...", flush=True)
    sample_vars = dbt_vars(str(sample_orders(split_folder / "history.parquet", run_dir)), last_day - dt.timedelta(days=1))
    steps["fixed"] = run_dbt_build("dbt build (fixed cost)", fixed_db, fixed_target, sample_vars, run_dir / "fixed.log")
    steps["fixed_partial_parse"] = run_dbt_build("dbt build (fixed cost, partial parse)", fixed_db, fixed_target,
                                                 sample_vars, run_dir / "fixed_partial_parse.log")

    ratios, targets = evaluate(orders, steps)
    return {
        "orders": orders,
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine,
        "duckdb_settings": settings,
        "dbt_threads": steps["full"]["dbt_threads"],
        "rules": rules,
        "data": {"source": str(source), **generation, **split, "history_path": history_path,
                 "daily_orders_path": all_days_glob},
        "steps": {name: {k: v for k, v in step.items() if k != "nodes"} for name, step in steps.items()},
        "dbt_models": {name: step["nodes"] for name, step in steps.items() if "nodes" in step},
        "pandas_skipped": pandas_skipped,
        "agreement": comparison,
        "verify": verification,
        "ratios": ratios,
        "targets": targets,
    }


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------
def fmt(value, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def step_rows(result: dict) -> list[list[str]]:
    rows = []
    for name, label in STEP_LABELS.items():
        step = result["steps"].get(name)
        if step is None:
            continue
        rows.append([label, fmt(step["wall_s"], 1), fmt(step.get("work_s"), 1),
                     fmt(step.get("startup_s"), 1), fmt(step["peak_rss_mib"], 0), fmt(step["cpu_s"], 1),
                     fmt(step["load_1m_before"], 1)])
    return rows


def target_rows(result: dict) -> list[list[str]]:
    rows = []
    for t in result["targets"]:
        verdict = (t["result"] or "not run").upper()
        if not t["applies"]:
            verdict += f" (target set for {t['set_for_orders']:,}; informative here)"
        digits = 2 if t["limit"] < 100 else 0
        rows.append([t["target"], fmt(t["value"], digits), fmt(t["limit"], digits), verdict])
    return rows


def agreement_rows(result: dict) -> list[list[str]]:
    rows = []
    for name in ("floor", "pandas"):
        a = result["agreement"].get(name)
        if a:
            rows.append([name, f"{a['agree_exactly']:,} / {a['customers_compared']:,}",
                         f"{100 * a['share']:.4f}%" if a["share"] is not None else "–"])
    verify = result.get("verify")
    if verify:
        rows.append(["daily vs --full-refresh (core marts)", "identical" if verify["identical"] else "DIFFERENT",
                     ", ".join(f"{k}: {'=' if v['identical'] else '≠'}" for k, v in verify["tables"].items())])
    return rows


def numeric_columns(header: list[str], rows: list[list[str]]) -> list[bool]:
    """Columns whose every cell is a number (or a dash): those are right-aligned."""
    def numeric(cell: str) -> bool:
        return re.fullmatch(r"–|-?[0-9][0-9,]*(\.[0-9]+)?%?", cell) is not None
    return [bool(rows) and all(numeric(str(r[i])) for r in rows) for i in range(len(header))]


def text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    right = numeric_columns(header, rows)

    def line(row: list[str]) -> str:
        return "  ".join(str(c).rjust(w) if r else str(c).ljust(w) for c, w, r in zip(row, widths, right)).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    rule = "|" + "".join("---:|" if r else "---|" for r in numeric_columns(header, rows))
    return "\n".join(["| " + " | ".join(header) + " |", rule, *["| " + " | ".join(r) + " |" for r in rows]])


STEP_HEADER = ["step", "wall s", "work s", "start-up s", "peak RSS MiB", "CPU s", "load"]
RATIO_LABELS = [
    ("dbt_per_floor", "dbt / floor (wall)"),
    ("dbt_work_per_floor", "dbt / floor, without dbt's fixed cost (200-row build)"),
    ("dbt_without_startup_per_floor", "dbt / floor, without dbt start-up"),
    ("pandas_per_dbt", "pandas / dbt"),
    ("daily_per_full", "daily / full (wall)"),
    ("daily_per_full_without_startup", "daily / full, without start-up"),
    ("dbt_per_floor_cpu", "dbt / floor (CPU s)"),
    ("pandas_per_dbt_cpu", "pandas / dbt (CPU s)"),
    ("daily_per_full_cpu", "daily / full (CPU s)"),
]


def print_report(result: dict) -> None:
    m, s = result["machine"], result["duckdb_settings"]
    print(f"\n{result['orders']:,} orders: {result['data']['source_rows']:,} rows; history to "
          f"{result['agreement']['as_of_date']}, daily run adds {result['data']['last_day']} "
          f"({result['data']['last_day_rows']:,} rows)")
    print(f"machine: {m['cores']} cores, {m['memory_gib']} GiB, load {m['load_average_at_start']}; "
          f"DuckDB {m['duckdb']} threads={s['threads']} memory_limit={s['memory_limit']}; "
          f"dbt-core {m['dbt_core']} (threads {result['dbt_threads']}), dbt-duckdb {m['dbt_duckdb']}")
    print()
    print(text_table(STEP_HEADER, step_rows(result)))
    if result["pandas_skipped"]:
        print(f"pandas skipped: {result['pandas_skipped']}")
    print()
    print(text_table(["ratio", "value"], [[label, fmt(result["ratios"][key])] for key, label in RATIO_LABELS]))
    print()
    print(text_table(["target", "value", "limit", "result"], target_rows(result)))
    print()
    print(text_table(["agreement with customer_segments", "customers", "share / detail"], agreement_rows(result)))
    for name in ("floor", "pandas"):
        a = result["agreement"].get(name)
        if a and a["examples"]:
            print(f"  {name} differs on {a['differing_by_column']}; first examples:")
            for example in a["examples"]:
                print(f"    {example}")
    print("\nslowest dbt models of the full build (execution s):")
    for node in result["dbt_models"]["full"][:10]:
        print(f"  {node['execution_s']:8.2f}  {node['node']}")


def markdown_section(result: dict) -> str:
    m, s = result["machine"], result["duckdb_settings"]
    slowest = ", ".join(f"{n['node'].split('.')[-1]} {n['execution_s']:.1f} s"
                        for n in result["dbt_models"]["full"][:5])
    return "\n".join([
        f"## {result['orders']:,} orders ({result['data']['source_rows']:,} rows), {result['finished_at']}",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, load average at start "
        f"{m['load_average_at_start']}. DuckDB {m['duckdb']} (threads {s['threads']}, memory_limit "
        f"{s['memory_limit']}), dbt-core {m['dbt_core']} (threads {result['dbt_threads']}), dbt-duckdb "
        f"{m['dbt_duckdb']}, pandas {m['pandas']}, Python {m['python']}.",
        "",
        markdown_table(STEP_HEADER, step_rows(result)),
        "",
        *([f"pandas skipped: {result['pandas_skipped']}.", ""] if result["pandas_skipped"] else []),
        markdown_table(["ratio", "value"], [[label, fmt(result["ratios"][key])] for key, label in RATIO_LABELS]),
        "",
        markdown_table(["target", "value", "limit", "result"], target_rows(result)),
        "",
        markdown_table(["agreement with customer_segments", "customers", "share / detail"], agreement_rows(result)),
        "",
        f"Slowest models of the full build: {slowest}.",
        "",
    ])


def write_results(result: dict, work: Path) -> Path:
    json_path = work / f"results_{result['orders']}.json"
    json_path.write_text(json.dumps(result, indent=2, default=str))
    markdown = work / "results.md"
    if not markdown.exists():
        markdown.write_text("# rfm_lifecycle benchmark results\n\nOne section per run of "
                            "scripts/benchmark.py (docs/benchmark.md explains the columns).\n\n")
    with markdown.open("a") as out:
        out.write(markdown_section(result) + "\n")
    return json_path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--step"]:  # a measured child: one step, its report as the last line of stdout
        spec = json.loads(Path(argv[2]).read_text())
        print(json.dumps(STEPS[argv[1]](spec)), flush=True)
        return 0

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[10_000_000],
                        help="sizes to measure, in orders (default 10000000)")
    parser.add_argument("--work-dir", type=Path, default=PROJECT / "target" / "bench",
                        help="data cache, databases and results (default target/bench)")
    parser.add_argument("--verify", action=argparse.BooleanOptionalAction, default=None,
                        help="rebuild with --full-refresh after the daily run and compare the core marts "
                             f"(default: on up to {VERIFY_BY_DEFAULT_UP_TO:,} orders)")
    parser.add_argument("--skip", action="append", default=[], choices=["floor", "pandas", "daily"],
                        help="leave a step out (repeatable)")
    parser.add_argument("--force-pandas", action="store_true",
                        help="run pandas even when it looks larger than the memory available")
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.orders):
        parser.error("--orders must be positive")
    if not DBT.exists():
        sys.exit(f"benchmark: no dbt at {DBT}; run `make setup` and use .venv/bin/python")

    work = args.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    failures = []
    for orders in args.orders:
        verify = args.verify if args.verify is not None else orders <= VERIFY_BY_DEFAULT_UP_TO
        result = run_size(orders, work, verify, set(args.skip), args.force_pandas, machine)
        path = write_results(result, work)
        print_report(result)
        print(f"\nresults: {path} and {work / 'results.md'}")
        if result["verify"] is not None and not result["verify"]["identical"]:
            failures.append(f"{orders:,} orders: the daily run differs from a --full-refresh build")
    for failure in failures:
        print(f"benchmark: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
