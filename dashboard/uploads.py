"""Load your own order export from the dashboard (the Upload page): the logic, without Streamlit.

A dropped file is saved under uploads/<upload id>/ in the project (gitignored), with a
sanitised name, and built there by `dbt build` into a DuckDB file of its own: never the
demo's database, and nothing leaves the machine. The build itself detects the value
formats (decimal separator, thousands separator, date format) and records them in
input_formats; the preview here only reads what it must to show the columns: the file
kind, encoding, byte order mark, Excel `sep=` line and delimiter.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from dashboard import data

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_UPLOADS_FOLDER = PROJECT_ROOT / "uploads"
DATABASE_NAME = "rfm_lifecycle.duckdb"
SESSION_KEY = "rfm_upload_id"

# File name endings the project's input macros read (macros/sources/input_relations.sql), by kind.
KINDS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "sheet", ".xlsm": "sheet", ".xls": "sheet",
         ".ods": "sheet", ".parquet": "parquet"}
DELIMITERS = (";", ",", "\t", "|")
PREVIEW_ROWS = 20
UPLOAD_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{12}$")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# The input contract (orders_columns in dbt_project.yml); the first four must be mapped.
FIELDS = ("order_id", "customer_id", "order_date", "amount", "status", "margin", "line_id")
REQUIRED_FIELDS = FIELDS[:4]
# Header names each field is known by in exports (English, Dutch, German), compared without case,
# spaces or punctuation. An exact name wins; then a header that starts with one (e.g. "Totaal incl. btw").
HEADER_NAMES = {
    "order_id": ("order_id", "order id", "order", "order number", "order no", "ordernummer", "ordernr",
                 "bestelnummer", "bestelnr", "bestelling", "factuurnummer", "factuurnr", "invoice", "invoice id",
                 "invoice number", "bestellnummer", "auftragsnummer", "transaction id", "id"),
    "customer_id": ("customer_id", "customer id", "customer", "customer number", "client id", "klantnummer",
                    "klantnr", "klant id", "klant", "debiteurnummer", "debiteur", "relatienummer",
                    "kundennummer", "kunden nr", "kunde", "user id", "email"),
    "order_date": ("order_date", "order date", "date", "created at", "orderdatum", "besteldatum", "datum",
                   "factuurdatum", "bestelldatum", "auftragsdatum", "invoice date", "transaction date"),
    "amount": ("amount", "total", "order total", "revenue", "grand total", "totaal", "totaalbedrag", "bedrag",
               "omzet", "orderwaarde", "betrag", "gesamt", "gesamtbetrag", "umsatz", "net amount", "price"),
    "status": ("status", "order status", "orderstatus", "bestelstatus", "bestellstatus", "state", "auftragsstatus"),
    "margin": ("margin", "gross margin", "marge", "brutomarge", "winst", "deckungsbeitrag"),
    "line_id": ("line_id", "line id", "line", "order line", "orderregel", "regelnummer", "regel",
                "positionsnummer", "position"),
}

# Shopify's orders export, known by its header: a row per line item, the order's number in Name on every row,
# its Total and Financial Status on the first row only (amount_grain: order). Its Id is left alone: an
# order-level field, blank on the later line items.
SHOPIFY_MAPPING = {"order_id": "Name", "customer_id": "Email", "order_date": "Created at", "amount": "Total",
                   "status": "Financial Status", "margin": None, "line_id": "Lineitem name"}

# The orders_format keys (dbt_project.yml) a user may have to set when the build asks, as for a file
# whose amounts all read two ways (1.250) or carry two currency marks; 'auto' = detected by the build.
FORMAT_CHOICES = {
    "decimal_separator": ("auto", ",", "."),
    "thousands_separator": ("auto", "none", ".", ",", "space"),
    # The marks of rfm_currency_marks() (macros/sources/input_formats.sql): the build asks when a file has two.
    "currency_mark": ("auto", "none", "€", "$", "£", "EUR", "USD", "GBP", "CHF"),
    # A minus after the number (12,50-) or parentheses ((12,50)): the build asks when a file writes both.
    "negative_sign": ("auto", "leading", "trailing", "parentheses"),
    "date_format": ("auto", "dd-mm-yyyy", "yyyy-mm-dd", "dd/mm/yyyy", "dd.mm.yyyy", "mm/dd/yyyy", "mm-dd-yyyy"),
}

# What the amount column holds (amount_grain, dbt_project.yml): Shopify writes an order's Total on its first
# line item only and a line export may repeat it on every line; both are the order's total, never summed.
AMOUNT_GRAINS = {
    "line": "each row's own amount (the order is their sum)",
    "order": "the order's total, on one or more of its rows",
}

# A dbt progress line: "07:18:30  4 of 313 OK loaded seed file main.rfm_segment_rules ... [INSERT 17 in 0.44s]".
PROGRESS_LINE = re.compile(r"^\S*\s*(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP|NO-OP)\b")


class UploadError(Exception):
    """A file the uploader cannot take, with a message for the user."""


def uploads_folder(environ: Mapping[str, str] | None = None) -> Path:
    """uploads/ in the project; RFM_UPLOADS_DIR moves it (tests use a temporary folder)."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("RFM_UPLOADS_DIR") or DEFAULT_UPLOADS_FOLDER).expanduser().resolve()


def safe_file_name(name: str) -> str:
    """The dropped file's own name made safe to store and to pass to dbt as orders_path.

    Any folder part is dropped (also a Windows one), accents become plain letters, and every
    character other than letters, digits, '.', '-' and '_' becomes '_': no path separator,
    no glob character (orders_path reads globs), no quote. The ending must be one the
    project reads; it is kept, lower-cased.
    """
    base = re.split(r"[\\/]", name or "")[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, suffix = ascii_name.rpartition(".")
    suffix = "." + suffix.lower() if dot else ""
    if suffix not in KINDS:
        known = ", ".join(sorted(KINDS))
        raise UploadError(f"{base or 'The file'}: the name must end in one of {known}.")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:60].strip("._-")
    return (stem or "orders") + suffix


@dataclass(frozen=True)
class Upload:
    """One dropped file and the build beside it: uploads/<id>/<file>, <id>/rfm_lifecycle.duckdb."""

    id: str
    folder: Path
    file: Path

    @property
    def database(self) -> Path:
        return self.folder / DATABASE_NAME

    @property
    def kind(self) -> str:
        return KINDS[self.file.suffix.lower()]

    @classmethod
    def find(cls, upload_id: str, root: Path | None = None) -> Upload | None:
        """An earlier upload by its id (from the session), or None; the id is checked, never a path."""
        if not isinstance(upload_id, str) or not UPLOAD_ID.match(upload_id):
            return None
        folder = (root or uploads_folder()) / upload_id
        files = sorted(p for p in folder.glob("*") if p.is_file() and p.suffix.lower() in KINDS)
        return cls(upload_id, folder, files[0]) if files else None


def save_upload(name: str, content: bytes, root: Path | None = None, now: dt.datetime | None = None) -> Upload:
    """Store the bytes under uploads/<utc time>-<hash of name and content>/<safe name>; the same file dropped
    twice in one second is one upload."""
    if not content:
        raise UploadError(f"{name}: the file is empty.")
    file_name = safe_file_name(name)
    now = now or dt.datetime.now(dt.timezone.utc)
    digest = hashlib.sha256(file_name.encode() + b"\0" + content).hexdigest()[:12]
    upload_id = f"{now:%Y%m%d-%H%M%S}-{digest}"
    folder = (root or uploads_folder()) / upload_id
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file_name
    if not target.exists():
        partial = folder / (file_name + ".partial")
        partial.write_bytes(content)
        partial.replace(target)
    return Upload(upload_id, folder, target)


@dataclass
class Preview:
    """What the page shows before the build: how the file is written and its first rows, as text."""

    kind: str
    columns: list[str]
    rows: pd.DataFrame
    encoding: str | None = None
    byte_order_mark: bool = False
    sep_line: str | None = None
    delimiter: str | None = None

    def facts(self) -> dict[str, str]:
        if self.kind != "csv":
            return {"file kind": {"sheet": "Excel workbook (first sheet)", "parquet": "Parquet"}[self.kind]}
        return {
            "file kind": "CSV text",
            "encoding": self.encoding or "",
            "delimiter": {"\t": "tab"}.get(self.delimiter, self.delimiter or ""),
            "byte order mark": "yes" if self.byte_order_mark else "no",
            "Excel sep= line": self.sep_line or "none",
        }


@functools.cache
def _plugin():
    """plugins/rfm_files.py, the build's own reader helpers: the preview sees the file the way the build does."""
    spec = importlib.util.spec_from_file_location("rfm_files_for_uploads", PROJECT_ROOT / "plugins" / "rfm_files.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _table(header: list[str], body: list[list[str]]) -> pd.DataFrame:
    """The preview rows as text; a repeated or empty header is shown numbered (a table needs unique names)."""
    seen: dict[str, int] = {}
    names = []
    for column in header:
        seen[column] = seen.get(column, 0) + 1
        names.append(column if column and seen[column] == 1 else f"{column or '(no name)'} ({seen[column]})")
    return pd.DataFrame(body, columns=names, dtype="string")


def _delimiter(lines: list[str]) -> str:
    """The candidate that splits the header into the most fields, the same number on the next lines."""
    best, best_fields = ",", 1
    for candidate in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=candidate) if row]
        if counts and counts[0] > best_fields and all(count == counts[0] for count in counts[1:]):
            best, best_fields = candidate, counts[0]
    return best


def inspect(upload: Upload, rows: int = PREVIEW_ROWS) -> Preview:
    """The preview of an upload; raises UploadError when the file cannot be read at all."""
    try:
        if upload.kind == "parquet":
            with duckdb.connect() as connection:
                frame = connection.execute(
                    f"select * from read_parquet(?) limit {int(rows)}", [str(upload.file)]).df()
            return Preview("parquet", [str(c) for c in frame.columns], frame.astype("string"))
        if upload.kind == "sheet":
            from python_calamine import CalamineWorkbook

            sheet = CalamineWorkbook.from_path(str(upload.file)).get_sheet_by_index(0)
            cells = [row for row in sheet.to_python(skip_empty_area=True, nrows=rows + 1)
                     if any(cell not in (None, "") for cell in row)]
            if not cells:
                raise UploadError("The first sheet of the workbook is empty.")
            text = _plugin()._cell_text
            header = [text(cell) or "" for cell in cells[0]]
            body = [[text(cell) or "" for cell in row] for row in cells[1:]]
            return Preview("sheet", header, _table(header, body))
        return _inspect_text(upload.file, rows)
    except UploadError:
        raise
    except Exception as error:  # noqa: BLE001 (any reader's failure is the user's file, shown as such)
        raise UploadError(f"{upload.file.name} cannot be read as {upload.kind}: {error}") from error


def _inspect_text(path: Path, rows: int) -> Preview:
    plugin = _plugin()
    facts = json.loads(plugin.file_facts(str(path)))
    with path.open("rb") as f:
        head = f.read(1 << 16)
    text = plugin.decode_text(head, facts["encoding"], errors="replace")
    if facts["bom"]:
        text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    if facts["sep_line"]:
        lines = lines[1:]
    if len(head) == 1 << 16 and len(lines) > 1:
        lines = lines[:-1]  # the last line read may be cut off
    lines = lines[: rows + 1]
    if not lines or not lines[0].strip():
        raise UploadError(f"{path.name} holds no header line.")
    delimiter = facts["sep_line"] or _delimiter(lines[:10])
    parsed = [row for row in csv.reader(lines, delimiter=delimiter)]
    header = [column.strip() for column in parsed[0]]
    body = [(row + [""] * len(header))[: len(header)] for row in parsed[1:] if row]
    return Preview("csv", header, _table(header, body),
                   encoding=facts["encoding"], byte_order_mark=facts["bom"], sep_line=facts["sep_line"],
                   delimiter=delimiter)


def _normal(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower())


def is_shopify_export(columns: list[str]) -> bool:
    """The header holds every column of SHOPIFY_MAPPING (compared as propose_mapping compares names)."""
    present = {_normal(column) for column in columns}
    return all(_normal(header) in present for header in SHOPIFY_MAPPING.values() if header)


def propose_amount_grain(columns: list[str]) -> str:
    """'order' for an export known to write the order's total (Shopify's), else 'line'."""
    return "order" if is_shopify_export(columns) else "line"


def propose_ids_ignore_case(rows: pd.DataFrame, customer_column: str | None) -> bool:
    """True when the customer column of the preview holds e-mail addresses (nine in ten of its values):
    'Jan@shop.nl' and 'jan@shop.nl' are one customer (customer_id_case_sensitive: false)."""
    if not customer_column or customer_column not in rows.columns:
        return False
    values = [str(value).strip() for value in rows[customer_column] if pd.notna(value) and str(value).strip()]
    return bool(values) and sum(EMAIL.fullmatch(value) is not None for value in values) * 10 >= len(values) * 9


def propose_mapping(columns: list[str]) -> dict[str, str | None]:
    """A header per contract field, or None: Shopify's own mapping for its export; else exact known names
    first, then headers starting with one.

    Each header is used once; required fields choose first, so "Ordernummer" is never taken
    for a line id.
    """
    if is_shopify_export(columns):
        by_name = {_normal(column): column for column in reversed(columns)}  # the first of equal names
        return {field: header and by_name[_normal(header)] for field, header in SHOPIFY_MAPPING.items()}
    mapping: dict[str, str | None] = dict.fromkeys(FIELDS)
    used: set[str] = set()
    normal = {column: _normal(column) for column in columns}
    for exact in (True, False):
        for field in FIELDS:
            if mapping[field] is not None:
                continue
            for known in HEADER_NAMES[field]:
                key = _normal(known)
                match = next((column for column in columns if column not in used and (
                    normal[column] == key if exact else (len(key) >= 4 and normal[column].startswith(key)))), None)
                if match is not None:
                    mapping[field] = match
                    used.add(match)
                    break
    return mapping


def mapping_problems(mapping: Mapping[str, str | None], columns: list[str]) -> list[str]:
    """Why the mapping cannot be built yet (empty: it can)."""
    problems = [f"Choose the column for {field}." for field in REQUIRED_FIELDS if not mapping.get(field)]
    chosen = [column for column in mapping.values() if column]
    problems += [f"{column!r} is not a column of the file." for column in chosen if column not in columns]
    problems += [f"{column!r} is chosen for more than one field." for column in sorted(set(chosen))
                 if chosen.count(column) > 1]
    return problems


def build_vars(upload: Upload, mapping: Mapping[str, str | None],
               formats: Mapping[str, str] | None = None, amount_grain: str = "line",
               ids_ignore_case: bool = False) -> dict:
    """The --vars of the upload's build: its file, the mapping, no customers file (no demo prospects),
    the orders_format keys the user set (a key left on auto is left out: the build detects it),
    amount_grain when the amount is the order's total, and customer_id_case_sensitive false when
    customer ids that differ only in case are one customer."""
    if amount_grain not in AMOUNT_GRAINS:
        raise ValueError(f"Not an amount_grain: {amount_grain}")
    variables = {
        "orders_path": str(upload.file),
        "orders_columns": {field: mapping.get(field) or None for field in FIELDS},
        "customers_path": None,
    }
    if amount_grain != "line":
        variables["amount_grain"] = amount_grain
    if ids_ignore_case:
        variables["customer_id_case_sensitive"] = False
    chosen = {key: value for key, value in (formats or {}).items() if value and value != "auto"}
    unknown = [f"{key}: {value}" for key, value in chosen.items() if value not in FORMAT_CHOICES.get(key, ())]
    if unknown:
        raise ValueError(f"Not an orders_format choice: {', '.join(unknown)}")
    if chosen:
        variables["orders_format"] = chosen
    return variables


@dataclass
class BuildOutcome:
    success: bool
    returncode: int
    message: str
    log: Path


def dbt_command(upload: Upload, variables: dict) -> tuple[list[str], dict[str, str]]:
    """The dbt build of an upload and its environment: DuckDB, its own database, target and logs folders."""
    dbt = str(Path(sys.executable).with_name("dbt"))
    command = [dbt, "build", "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT),
               "--vars", json.dumps(variables), "--no-use-colors"]
    environment = {
        **os.environ,
        "RFM_TARGET": "duckdb",
        "RFM_DUCKDB_PATH": str(upload.database),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DBT_TARGET_PATH": str(upload.folder / "target"),
        "DBT_LOG_PATH": str(upload.folder / "logs"),
        "RFM_DUCKDB_TEMP_DIRECTORY": str(upload.folder / "duckdb_tmp"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    return command, environment


def failure_message(output: list[str]) -> str:
    """What dbt said went wrong: the summary after 'Completed with', else the last lines."""
    start = next((i for i, line in enumerate(output) if "Completed with" in line), None)
    lines = output[start:] if start is not None else output[-30:]
    text = "\n".join(re.sub(r"^\d\d:\d\d:\d\d  ", "", line) for line in lines).strip()
    return text[-6000:]


def run_build(upload: Upload, variables: dict, progress: Callable[[float, str], None] | None = None,
              timeout_s: int = 1800) -> BuildOutcome:
    """Run `dbt build` for the upload, reporting (share done, what runs) from dbt's 'n of N' lines."""
    progress = progress or (lambda share, text: None)
    command, environment = dbt_command(upload, variables)
    log = upload.folder / "build.log"
    output: list[str] = []
    progress(0.0, "Reading the project (dbt parse)")
    with log.open("w", encoding="utf-8") as log_file, subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace", bufsize=1,
    ) as process:
        deadline = dt.datetime.now() + dt.timedelta(seconds=timeout_s)
        try:
            for line in process.stdout:
                log_file.write(line)
                line = line.rstrip("\n")
                output.append(line)
                match = PROGRESS_LINE.match(line.strip())
                if match:
                    done, total = int(match.group(1)), int(match.group(2))
                    node = line.split(match.group(3), 1)[1].split("..")[0].strip()
                    progress(min(done / total, 1.0), f"{done} of {total}: {node}")
                if dt.datetime.now() > deadline:
                    process.kill()
                    output.append(f"Stopped: the build took longer than {timeout_s} s.")
                    break
        except BaseException:
            # The page was left or rerun mid-build (Streamlit stops the script with an exception):
            # stop dbt too, rather than leave it writing the upload's database unseen.
            process.kill()
            raise
        returncode = process.wait()
    success = returncode == 0
    progress(1.0, "Build finished" if success else "Build stopped")
    return BuildOutcome(success, returncode, "" if success else failure_message(output), log)


@dataclass
class Results:
    """Where the upload's rows went (orders_accounting), examples of the rejected ones, what the build detected."""

    source_rows: int
    accepted_rows: int
    fates: pd.DataFrame
    rejected_examples: pd.DataFrame
    formats: pd.DataFrame


ACCEPTED_STATUSES = ("kept", "merged")
FATE_LABELS = {"kept": "accepted: an order", "merged": "accepted: a line merged into its order",
               "duplicate": "not used: duplicate row", "excluded_status": "not used: excluded status"}


def read_results(database: Path, examples: int = 20) -> Results:
    """Read the accounting of a finished build; raises data.DashboardDataError when there is none."""
    with data.open_database(database) as connection:
        schema = data.find_schema(connection)
        tables = data._tables(connection, schema)
        if "orders_accounting" not in tables:
            raise data.DashboardDataError("The build wrote no orders_accounting table.", command=None)
        fates = data._frame(connection, f"select row_status, rejection_reason, source_rows, amount from "
                                        f"{data._quoted(schema, 'orders_accounting')} "
                                        "order by row_status = 'rejected', source_rows desc, rejection_reason")
        rejected = (data._frame(connection, f"select * from {data._quoted(schema, 'orders_rejected')} "
                                            f"limit {int(examples)}")
                    if "orders_rejected" in tables else pd.DataFrame())
        formats = (data._frame(connection, "select setting_name, value_in_force, set_by, evidence from "
                                           f"{data._quoted(schema, 'input_formats')} "
                                           "where input_name = 'orders' order by setting_order")
                   if "input_formats" in tables else pd.DataFrame())
    fates["fate"] = [
        f"rejected: {reason}" if status == "rejected" else FATE_LABELS.get(status, status)
        for status, reason in zip(fates["row_status"], fates["rejection_reason"])
    ]
    fates["source_rows"] = fates["source_rows"].astype("int64")
    accepted = int(fates.loc[fates["row_status"].isin(ACCEPTED_STATUSES), "source_rows"].sum())
    return Results(int(fates["source_rows"].sum()), accepted,
                   fates[["fate", "source_rows", "amount"]], rejected, formats)


def selected_database(session_state: Mapping, environ: Mapping[str, str] | None = None) -> Path:
    """The database the dashboard shows: the session's built upload, else RFM_DUCKDB_PATH (the demo)."""
    upload = Upload.find(session_state.get(SESSION_KEY), uploads_folder(environ))
    if upload is not None and upload.database.exists():
        return data.readable_database(upload.database)
    return data.database_path(None if environ is None else dict(environ))

