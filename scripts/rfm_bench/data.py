"""Step 0: the generated orders, the 200-row sample and the split into history and last day."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from .baselines import connect_duckdb
from .settings import FIXED_COST_ROWS, GENERATOR, PARQUET, PROJECT, sql_string


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
