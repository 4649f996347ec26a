"""dbt-duckdb plugin: the file work DuckDB cannot do on its own (issues 13 and 14).

Registers SQL functions on every DuckDB connection dbt opens; the input
macros (macros/sources/input_relations.sql) call the first three while a model
compiles, export_files the folder check, and the export and publishing hooks the
others at the end of a run:

  rfm_file_facts(path)         JSON: the encoding (utf-16 after its byte order mark, utf-8,
                               windows-1252 when a byte sequence is not UTF-8, or both when
                               lines of each stand in one file), whether a UTF-8 byte order
                               mark starts it, and the delimiter of an Excel `sep=;` first line.
                               A .gz file is read uncompressed; a .zst file (no reader in
                               Python's standard library) is taken as UTF-8, as DuckDB reads it.
  rfm_utf8_copy(path, enc)     a UTF-8 copy of a text file written in `enc`
                               (windows-1252, latin-1, ..., or both UTF-8 and Windows-1252,
                               converted line by line), uncompressed; DuckDB's own CSV
                               reader knows UTF-8 and strict latin-1 only. Returns its path.
  rfm_sheet_copy(path)         the first sheet of an .xlsx/.xls/.ods workbook as a UTF-8
                               CSV, every cell as text (python-calamine). Returns its path.
  rfm_add_byte_order_mark(p)   puts a UTF-8 byte order mark in front of a CSV file the
                               export wrote (export_csv_dialect: excel), replacing it whole.
  rfm_folder_state(path)       'folder', 'missing' or 'not a folder': export_files checks
                               export_folder with it before the run writes a file.
  rfm_snapshot_folder()        the folder of published snapshots beside the database
                               (`<database>.published/`), created when missing.
  rfm_prune_snapshots(keep)    deletes the published snapshots (`run_*.duckdb`) but the
                               `keep` newest and the one current.json names; returns how
                               many it deleted. A reader that has an old one open keeps
                               reading it (the file lives on until it is closed).

Copies go to a folder beside the DuckDB database (`<database>.inputs/`), named after
the source path, size and modification time, so an unchanged file is converted once.
Nothing leaves the machine.
"""
from __future__ import annotations

import atexit
import codecs
import csv
import datetime as dt
import functools
import gzip
import hashlib
import io
import json
import os
import re
import threading
from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin

CHUNK = 1 << 20


def _copy_folder(database: str | None) -> Path:
    base = Path(database) if database and database != ":memory:" else Path.cwd() / "rfm_lifecycle.duckdb"
    folder = base.with_name(base.name + ".inputs")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _copy_name(path: str, suffix: str, *extra: str) -> str:
    stat = os.stat(path)
    key = "|".join([os.path.abspath(path), str(stat.st_size), str(stat.st_mtime_ns), *extra])
    return f"{Path(path).stem[:40]}_{hashlib.sha256(key.encode()).hexdigest()[:16]}{suffix}"


def _is_zstd(path: str) -> bool:
    return path.lower().endswith(".zst")


def _open_bytes(path: str):
    """The file's bytes as DuckDB's CSV reader sees them: a .gz file uncompressed."""
    return gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb")


# Lines put together from two tools: some UTF-8, some Windows-1252. Read whole as Windows-1252, the
# UTF-8 lines would turn into mojibake (a status 'Rückerstattet' into 'RÃ¼ckerstattet', no longer a refund);
# such a file is converted line by line instead.
MIXED = "utf-8 and windows-1252"
# A character of two to four bytes in UTF-8: hardly ever text of a Windows-1252 file.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _utf8_or_windows_1252(f) -> str:
    """utf-8 when every byte sequence of the stream is UTF-8; else windows-1252 when none of its non-ASCII
    text is UTF-8, MIXED when some is (a second pass, only for a file that is not UTF-8)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := f.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    f.seek(0)
    previous = b""
    while chunk := f.read(CHUNK):
        # With the end of the chunk before, so a character cut in two is still seen.
        if _UTF8_MULTIBYTE.search(previous[-3:] + chunk):
            return MIXED
        previous = chunk
    return "windows-1252"


def decode_text(data: bytes, encoding: str, errors: str = "strict") -> str:
    """Bytes as text in the encoding file_facts found; MIXED line by line (UTF-8 where a line is UTF-8,
    else Windows-1252)."""
    if encoding != MIXED:
        return data.decode(encoding, errors=errors)
    return "".join(_mixed_line(line, errors) for line in data.splitlines(keepends=True))


def _mixed_line(line: bytes, errors: str = "strict") -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("windows-1252", errors=errors)


def file_facts(path: str) -> str:
    stat = os.stat(path)
    return _file_facts(os.path.abspath(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _file_facts(path: str, size: int, modified_ns: int) -> str:
    """Once per file version and process: staging and input_formats both ask, and a file that is not
    UTF-8 is read whole, twice."""
    if _is_zstd(path):
        return json.dumps({"encoding": "utf-8", "bom": False, "sep_line": None})
    with _open_bytes(path) as f:
        head = f.read(4096)
        # Excel's "Unicode text" is UTF-16 with a byte order mark: its bytes are no UTF-8, but no
        # Windows-1252 text either.
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            f.seek(0)
            encoding = _utf8_or_windows_1252(f)
    bom = head.startswith(codecs.BOM_UTF8)
    text = head[3:] if bom else head
    first_line = decode_text(text, encoding, errors="replace").split("\n", 1)[0].rstrip("\r")
    sep_line = None
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        sep_line = first_line[4]
    return json.dumps({"encoding": encoding, "bom": bom, "sep_line": sep_line})


def _private_partial(target: Path) -> Path:
    """A temporary name of this process and thread: dbt's threads may convert the same file at once
    (staging and input_formats read it in parallel); each writes its own copy and renames it over the
    target, so no writer renames a file another one is still writing or has already moved."""
    return target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.partial")


def utf8_copy(path: str, encoding: str, folder: Path) -> str:
    if encoding != MIXED:
        codecs.lookup(encoding)  # an unknown encoding raises here, with its name
    if _is_zstd(path):
        raise ValueError(f"rfm_lifecycle: {path} is zstd-compressed and written in {encoding}: DuckDB reads a .zst"
                         " file only as UTF-8. Save the export as .csv.gz, or uncompressed.")
    target = folder / _copy_name(path, ".csv", encoding)
    if not target.exists():
        partial = _private_partial(target)
        if encoding == MIXED:
            with _open_bytes(path) as source, open(partial, "w", encoding="utf-8", newline="") as out:
                for line in source:
                    out.write(_mixed_line(line))
        else:
            with io.TextIOWrapper(_open_bytes(path), encoding=encoding, errors="strict", newline="") as source, \
                    open(partial, "w", encoding="utf-8", newline="") as out:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
        partial.replace(target)
    return str(target)


def _cell_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # a number cell: a whole number as one (ids, amounts in cents), else as Python writes it
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def sheet_copy(path: str, folder: Path) -> str:
    from python_calamine import CalamineWorkbook

    target = folder / _copy_name(path, ".csv", "sheet")
    if not target.exists():
        workbook = CalamineWorkbook.from_path(path)
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=True)
        partial = _private_partial(target)
        with open(partial, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
            for row in rows:
                if any(cell not in (None, "") for cell in row):
                    writer.writerow(["" if (text := _cell_text(cell)) is None else text for cell in row])
        partial.replace(target)
    return str(target)


def add_byte_order_mark(path: str) -> str:
    content = Path(path).read_bytes()
    if not content.startswith(codecs.BOM_UTF8):
        partial = _private_partial(Path(path))
        partial.write_bytes(codecs.BOM_UTF8 + content)
        partial.replace(path)
    return path


def folder_state(path: str) -> str:
    """'folder', 'missing' or 'not a folder': export_folder is checked before a file is written."""
    target = Path(path)
    return "folder" if target.is_dir() else "not a folder" if target.exists() else "missing"


def _snapshot_folder(database: str | None) -> Path:
    base = Path(database) if database and database != ":memory:" else Path.cwd() / "rfm_lifecycle.duckdb"
    folder = base.with_name(base.name + ".published")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def prune_snapshots(folder: Path, keep: int) -> int:
    current = None
    try:
        current = json.loads((folder / "current.json").read_text().splitlines()[0])["snapshot"]
    except (OSError, IndexError, KeyError, ValueError):
        pass
    snapshots = sorted(folder.glob("run_*.duckdb"), key=lambda path: (path.stat().st_mtime_ns, path.name),
                       reverse=True)
    deleted = 0
    for path in snapshots[keep:]:
        if path.name != current:
            path.unlink(missing_ok=True)
            Path(str(path) + ".wal").unlink(missing_ok=True)
            deleted += 1
    return deleted


FUNCTIONS = ("rfm_file_facts", "rfm_utf8_copy", "rfm_sheet_copy", "rfm_add_byte_order_mark",
             "rfm_folder_state", "rfm_snapshot_folder", "rfm_prune_snapshots")


def _forget_functions(conn) -> None:
    """Python functions registered on a connection keep it alive past the interpreter's end (DuckDB's
    bindings then report leaked objects): remove them while the interpreter still runs."""
    for name in FUNCTIONS:
        try:
            conn.remove_function(name)
        except Exception:  # noqa: BLE001 (the connection may be closed already)
            pass


class Plugin(BasePlugin):
    def configure_connection(self, conn):
        database = getattr(self.creds, "path", None)
        conn.create_function("rfm_file_facts", file_facts, ["VARCHAR"], "VARCHAR", side_effects=True)
        conn.create_function("rfm_utf8_copy",
                             lambda path, encoding: utf8_copy(path, encoding, _copy_folder(database)),
                             ["VARCHAR", "VARCHAR"], "VARCHAR", side_effects=True)
        conn.create_function("rfm_sheet_copy", lambda path: sheet_copy(path, _copy_folder(database)),
                             ["VARCHAR"], "VARCHAR", side_effects=True)
        conn.create_function("rfm_add_byte_order_mark", add_byte_order_mark, ["VARCHAR"], "VARCHAR",
                             side_effects=True)
        conn.create_function("rfm_folder_state", folder_state, ["VARCHAR"], "VARCHAR", side_effects=True)
        conn.create_function("rfm_snapshot_folder", lambda: str(_snapshot_folder(database)), [], "VARCHAR",
                             side_effects=True)
        conn.create_function("rfm_prune_snapshots", lambda keep: prune_snapshots(_snapshot_folder(database), keep),
                             ["INTEGER"], "INTEGER", side_effects=True)
        atexit.register(_forget_functions, conn)
