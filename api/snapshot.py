"""Which DuckDB file the API reads.

Order: RFM_API_DATABASE if set; else the latest published snapshot; else the
project's database file (RFM_DUCKDB_PATH, default rfm_lifecycle.duckdb in the
project folder).

The published-snapshot contract (the publisher writes it): beside the database
file `<db>` a folder `<db>.published/` holds `run_<run_id>.duckdb` files and a
pointer `current.json`, one line of JSON
`{"snapshot": "run_<run_id>.duckdb", "run_id": ..., "as_of_date": ..., "published_at": ...}`,
replaced atomically by rename. A pointer that cannot be read, is not valid JSON,
names a file outside the folder, a file that does not match its run_id, or a
file that does not exist is ignored: the API then reads the project database, as
if nothing had been published, instead of guessing among snapshot files that may
still be half-written."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .settings import DEFAULT_DATABASE

POINTER = "current.json"
SNAPSHOT_NAME = re.compile(r"run_([A-Za-z0-9][A-Za-z0-9._-]{0,127})\.duckdb")
MAX_POINTER_BYTES = 64 * 1024


@dataclass(frozen=True)
class DatabaseChoice:
    """The file to read and where it came from; run_id is None unless it is a published snapshot."""

    path: Path
    source: str  # "RFM_API_DATABASE", "published_snapshot" or "project_database"
    run_id: str | None = None
    published_at: str | None = None
    pointer_problem: str | None = None  # why a published folder was there but not used


def project_database(environ: dict[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get("RFM_DUCKDB_PATH") or DEFAULT_DATABASE).expanduser()


def read_pointer(folder: Path) -> tuple[dict | None, str | None]:
    """The pointer's content when it names an existing snapshot in `folder`, else (None, reason)."""
    pointer = folder / POINTER
    try:
        with open(pointer, "rb") as handle:
            raw = handle.read(MAX_POINTER_BYTES + 1)
    except FileNotFoundError:
        return None, f"no {POINTER} in {folder}"
    except OSError as error:
        return None, f"{pointer} cannot be read: {error}"
    if len(raw) > MAX_POINTER_BYTES:
        return None, f"{pointer} is larger than {MAX_POINTER_BYTES} bytes"
    try:
        content = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, f"{pointer} is not valid JSON ({error})"
    if not isinstance(content, dict):
        return None, f"{pointer} is not a JSON object"
    name, run_id = content.get("snapshot"), content.get("run_id")
    if not isinstance(name, str) or not isinstance(run_id, str):
        return None, f"{pointer} lacks the text fields snapshot and run_id"
    match = SNAPSHOT_NAME.fullmatch(name)
    if not match or match.group(1) != run_id:
        return None, f"{pointer} names {name!r}, not run_{run_id}.duckdb"
    if not (folder / name).is_file():
        return None, f"{pointer} names {name}, which does not exist"
    return content, None


def database_to_read(environ: dict[str, str] | None = None) -> DatabaseChoice:
    """The DuckDB file to answer the next request from (see the module docstring for the order)."""
    environ = os.environ if environ is None else environ
    explicit = environ.get("RFM_API_DATABASE")
    if explicit:
        return DatabaseChoice(Path(explicit).expanduser(), "RFM_API_DATABASE")
    database = project_database(environ)
    folder = database.with_name(database.name + ".published")
    problem = None
    if folder.is_dir():
        content, problem = read_pointer(folder)
        if content is not None:
            published_at = content.get("published_at")
            return DatabaseChoice(
                folder / content["snapshot"],
                "published_snapshot",
                run_id=content["run_id"],
                published_at=published_at if isinstance(published_at, str) else None,
            )
    return DatabaseChoice(database, "project_database", pointer_problem=problem)
