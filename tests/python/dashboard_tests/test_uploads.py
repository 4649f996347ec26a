"""dashboard/uploads.py, the Upload page's logic: safe names, preview, mapping, vars, progress, results.

The real build of an upload runs in the browser test (test_upload_browser.py) and, for a
file that cannot build, once here.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import time
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data, uploads
from dashboard_paths import APP, PROJECT_ROOT

EXPORTS = PROJECT_ROOT / "tests" / "python" / "fixtures" / "exports"
NOW = dt.datetime(2026, 3, 5, 9, 30, 0, tzinfo=dt.timezone.utc)
DUTCH_MAPPING = {"order_id": "Ordernummer", "customer_id": "Klantnummer", "order_date": "Besteldatum",
                 "amount": "Totaal incl. btw", "status": "Status", "margin": None, "line_id": None}


@pytest.mark.parametrize("name,expected", [
    ("orders.csv", "orders.csv"),
    ("C:\\Users\\jan\\Mijn export (mrt).CSV", "Mijn_export_mrt.csv"),
    ("../../etc/passwd.csv", "passwd.csv"),
    ("Bestellingen café 2024.xlsx", "Bestellingen_cafe_2024.xlsx"),
    ("*.csv", "orders.csv"),
    ("orders[1]?.parquet", "orders_1.parquet"),
    (".hidden.tsv", "hidden.tsv"),
    ("a'b\"c;d.txt", "a_b_c_d.txt"),
    ("x" * 200 + ".csv", "x" * 60 + ".csv"),
])
def test_safe_file_name(name, expected):
    assert uploads.safe_file_name(name) == expected


@pytest.mark.parametrize("name", ["orders.exe", "orders", "orders.csv.sh", "", "../"])
def test_a_file_the_project_cannot_read_is_refused(name):
    with pytest.raises(uploads.UploadError, match="must end in"):
        uploads.safe_file_name(name)


def test_save_upload_stays_in_its_folder_and_keeps_the_bytes(tmp_path):
    content = (EXPORTS / "nl_webshop_cp1252.csv").read_bytes()
    upload = uploads.save_upload("..\\..\\Export (1).csv", content, tmp_path, now=NOW)
    assert upload.folder.parent == tmp_path
    assert upload.id.startswith("20260305-093000-")
    assert upload.file == upload.folder / "Export_1.csv"
    assert upload.file.read_bytes() == content
    assert upload.database == upload.folder / "rfm_lifecycle.duckdb"
    assert not list(upload.folder.glob("*.partial"))
    # the same bytes at the same moment are the same upload; found again by its id only
    assert uploads.save_upload("Export (1).csv", content, tmp_path, now=NOW) == upload
    assert uploads.Upload.find(upload.id, tmp_path) == upload
    for bad in ("../" + upload.id, upload.id + "/..", "", None, "20260305-093000-zzzzzzzzzzzz"):
        assert uploads.Upload.find(bad, tmp_path) is None


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(uploads.UploadError, match="empty"):
        uploads.save_upload("orders.csv", b"", tmp_path)


def test_default_folder_is_uploads_in_the_project_and_ignored_by_git():
    assert uploads.uploads_folder({}) == PROJECT_ROOT / "uploads"
    assert "uploads/" in (PROJECT_ROOT / ".gitignore").read_text().splitlines()


@pytest.mark.parametrize("name,facts", [
    ("nl_webshop_cp1252.csv", {"file kind": "CSV text", "encoding": "windows-1252", "delimiter": ";",
                               "byte order mark": "no", "Excel sep= line": "none"}),
    ("nl_excel_sep_line.csv", {"file kind": "CSV text", "encoding": "utf-8", "delimiter": ";",
                               "byte order mark": "no", "Excel sep= line": ";"}),
    ("plain_bom_crlf.csv", {"file kind": "CSV text", "encoding": "utf-8", "delimiter": ",",
                            "byte order mark": "yes", "Excel sep= line": "none"}),
    ("nl_excel_currency.csv", {"file kind": "CSV text", "encoding": "windows-1252", "delimiter": ";",
                               "byte order mark": "no", "Excel sep= line": "none"}),
    ("nl_excel_unicode_text.txt", {"file kind": "CSV text", "encoding": "utf-16", "delimiter": "tab",
                                   "byte order mark": "no", "Excel sep= line": "none"}),
    ("mixed_encoding.csv", {"file kind": "CSV text", "encoding": "utf-8 and windows-1252", "delimiter": ";",
                            "byte order mark": "no", "Excel sep= line": "none"}),
    ("nl_workbook.xlsx", {"file kind": "Excel workbook (first sheet)"}),
])
def test_preview_of_real_exports(tmp_path, name, facts):
    upload = uploads.save_upload(name, (EXPORTS / name).read_bytes(), tmp_path)
    preview = uploads.inspect(upload)
    assert preview.facts() == facts
    assert len(preview.rows) == 10
    if name.startswith(("nl_", "mixed_")):
        assert preview.columns == ["Ordernummer", "Klantnummer", "Klantnaam", "Besteldatum", "Totaal incl. btw",
                                   "Status"]
        assert "Chloë Ørsted" in set(preview.rows["Klantnaam"])  # Windows-1252 read as such
        assert preview.rows["Ordernummer"].iloc[0] == "1001"  # a number cell of the workbook, not 1001.0
    else:
        assert preview.columns == ["order_id", "customer_id", "order_date", "amount", "status"]


def test_preview_of_a_header_with_repeated_and_empty_names(tmp_path):
    upload = uploads.save_upload("o.csv", "Status;Status;;Klant\r\na;b;c;d\r\n".encode("cp1252"), tmp_path)
    preview = uploads.inspect(upload)
    assert preview.columns == ["Status", "Status", "", "Klant"]  # as in the file, for the mapping
    assert list(preview.rows.columns) == ["Status", "Status (2)", "(no name) (1)", "Klant"]
    assert preview.rows.iloc[0].tolist() == ["a", "b", "c", "d"]


def test_preview_of_parquet(tmp_path):
    path = tmp_path / "orders.parquet"
    with duckdb.connect() as connection:
        connection.execute(f"copy (select 1001.0 as order_id, 'K1' as customer_id, date '2024-03-05' as order_date, "
                           f"12.5 as amount) to '{path}' (format parquet)")
    upload = uploads.save_upload(path.name, path.read_bytes(), tmp_path / "uploads")
    preview = uploads.inspect(upload)
    assert preview.facts() == {"file kind": "Parquet"}
    assert preview.columns == ["order_id", "customer_id", "order_date", "amount"]
    assert len(preview.rows) == 1


def test_a_file_that_is_not_what_its_name_says_is_an_upload_error(tmp_path):
    upload = uploads.save_upload("orders.parquet", b"order_id,amount\n1,2\n", tmp_path)
    with pytest.raises(uploads.UploadError, match="cannot be read as parquet"):
        uploads.inspect(upload)


@pytest.mark.parametrize("header,expected", [
    ("Ordernummer;Klantnummer;Besteldatum;Totaal incl. btw;Status", DUTCH_MAPPING),
    ("Ordernummer;Klantnummer;Klantnaam;Besteldatum;Totaal incl. btw;Status", DUTCH_MAPPING),
    ("order_id,customer_id,order_date,amount,status,margin,line_id",
     {field: field for field in uploads.FIELDS}),
    ("Bestellnummer;Kundennummer;Bestelldatum;Gesamtbetrag;Bestellstatus",
     {"order_id": "Bestellnummer", "customer_id": "Kundennummer", "order_date": "Bestelldatum",
      "amount": "Gesamtbetrag", "status": "Bestellstatus", "margin": None, "line_id": None}),
    ("Order ID,Customer,Created at,Order Total",
     {"order_id": "Order ID", "customer_id": "Customer", "order_date": "Created at", "amount": "Order Total",
      "status": None, "margin": None, "line_id": None}),
    ("factuurnr,debiteur,datum,bedrag excl. btw,marge",
     {"order_id": "factuurnr", "customer_id": "debiteur", "order_date": "datum", "amount": "bedrag excl. btw",
      "status": None, "margin": "marge", "line_id": None}),
    ("a;b;c", dict.fromkeys(uploads.FIELDS)),
])
def test_propose_mapping(header, expected):
    columns = header.split(";" if ";" in header else ",")
    assert uploads.propose_mapping(columns) == expected


def test_a_shopify_export_is_proposed_as_shopify_writes_it():
    """Shopify's header gives its own mapping (the order's number in Name, not its Id, which only the first line
    item carries) and the order's total; the same names in another case are still Shopify's; without its line
    item columns a file is read like any other."""
    with (EXPORTS / "shopify_line_items.csv").open(newline="", encoding="utf-8") as f:
        columns = next(csv.reader(f)) + ["Id"]
    assert uploads.propose_mapping(columns) == uploads.SHOPIFY_MAPPING
    assert uploads.propose_amount_grain(columns) == "order"
    lower = [column.lower() for column in columns]
    assert uploads.propose_mapping(lower)["order_id"] == "name" and uploads.propose_amount_grain(lower) == "order"
    plain = [column for column in columns if not column.startswith("Lineitem")]
    assert uploads.propose_amount_grain(plain) == "line"
    assert uploads.propose_mapping(plain)["order_id"] == "Id"
    assert uploads.propose_amount_grain(list(DUTCH_MAPPING.values())[:5]) == "line"


def test_e_mail_addresses_as_customer_ids_are_proposed_without_case():
    """Nine in ten e-mail addresses in the customer column propose one customer per address in any case;
    customer numbers, names and a column with a few addresses do not."""
    import pandas as pd

    rows = pd.DataFrame({"Email": ["jan@shop.nl", "Jan@Shop.nl", " an@x.be ", None, ""] + ["p@q.de"] * 5,
                         "Klantnummer": ["K0042", "k0042", "0815"] + ["K1"] * 7,
                         "Mixed": ["a@b.nl"] * 8 + ["K1", "K2"]})
    assert uploads.propose_ids_ignore_case(rows, "Email") is True
    assert uploads.propose_ids_ignore_case(rows, "Klantnummer") is False
    assert uploads.propose_ids_ignore_case(rows, "Mixed") is False
    assert uploads.propose_ids_ignore_case(rows, None) is False
    assert uploads.propose_ids_ignore_case(rows.iloc[:0], "Email") is False


def test_each_header_is_proposed_once():
    mapping = uploads.propose_mapping(["Order", "Orderregel", "Klant", "Datum", "Totaal"])
    chosen = [column for column in mapping.values() if column]
    assert len(chosen) == len(set(chosen))
    assert mapping["order_id"] == "Order" and mapping["line_id"] == "Orderregel"


def test_mapping_problems():
    columns = list(DUTCH_MAPPING.values())[:5]
    assert uploads.mapping_problems(DUTCH_MAPPING, columns) == []
    problems = uploads.mapping_problems({**DUTCH_MAPPING, "amount": None, "status": "Klantnummer",
                                         "margin": "Marge"}, columns)
    assert problems == ["Choose the column for amount.", "'Marge' is not a column of the file.",
                        "'Klantnummer' is chosen for more than one field."]


def test_the_currency_marks_offered_are_the_ones_the_build_knows():
    """The uploader's choices for orders_format.currency_mark are the marks of rfm_currency_marks()."""
    import re

    macro = (PROJECT_ROOT / "macros" / "sources" / "input_formats.sql").read_text(encoding="utf-8")
    listed = re.search(r"macro rfm_currency_marks\(\).*?return\(\[(.*?)\]\)", macro, re.S).group(1)
    marks = tuple(re.findall(r"'([^']+)'", listed))
    assert uploads.FORMAT_CHOICES["currency_mark"] == ("auto", "none", *marks)


def test_every_format_choice_offered_is_one_the_build_takes():
    """The uploader's keys and values of orders_format are the ones rfm_format_settings() validates."""
    import re

    macro = (PROJECT_ROOT / "macros" / "configuration" / "rfm_settings.sql").read_text(encoding="utf-8")
    block = re.search(r"macro rfm_format_settings\(entity\).*?set choices = \{(.*?)\} -%\}", macro, re.S).group(1)
    choices = {key: set(re.findall(r"'([^']*)'", values))
               for key, values in re.findall(r"'(\w+)': \[([^\]]*)\]", block)}
    assert set(uploads.FORMAT_CHOICES) == set(choices) - {"delimiter", "encoding"}
    for key, offered in uploads.FORMAT_CHOICES.items():
        if key != "currency_mark":  # the marks come from rfm_currency_marks(): the test above
            assert set(offered) == choices[key], key


def test_the_amount_grains_offered_are_the_ones_the_build_takes():
    """The uploader's choices for amount_grain are the ones rfm_input_settings() validates, line first."""
    import re

    macro = (PROJECT_ROOT / "macros" / "configuration" / "rfm_settings.sql").read_text(encoding="utf-8")
    listed = re.search(r"rfm_choice_var\('amount_grain', \[([^\]]*)\]\)", macro).group(1)
    assert tuple(uploads.AMOUNT_GRAINS) == tuple(re.findall(r"'([^']*)'", listed)) == ("line", "order")


def test_build_vars_hold_the_file_and_the_mapping_and_no_demo_customers(tmp_path):
    upload = uploads.save_upload("orders.csv", b"Ordernummer\n1\n", tmp_path)
    variables = uploads.build_vars(upload, {**DUTCH_MAPPING, "status": ""})
    assert variables == {
        "orders_path": str(upload.file),
        "orders_columns": {**DUTCH_MAPPING, "status": None},
        "customers_path": None,
    }
    # an orders_format key only when the user set it; auto is the build's own detection
    assert uploads.build_vars(upload, DUTCH_MAPPING, {"decimal_separator": "auto"}) == variables | {
        "orders_columns": DUTCH_MAPPING}
    assert uploads.build_vars(upload, DUTCH_MAPPING, {"decimal_separator": ",", "date_format": "auto"})[
        "orders_format"] == {"decimal_separator": ","}
    with pytest.raises(ValueError, match="decimal_separator: ;"):
        uploads.build_vars(upload, DUTCH_MAPPING, {"decimal_separator": ";"})
    assert uploads.build_vars(upload, DUTCH_MAPPING, {"currency_mark": "€"})["orders_format"] == {"currency_mark": "€"}
    # amount_grain only when the amount is the order's total (a Shopify export)
    assert "amount_grain" not in uploads.build_vars(upload, DUTCH_MAPPING, amount_grain="line")
    assert uploads.build_vars(upload, DUTCH_MAPPING, amount_grain="order")["amount_grain"] == "order"
    with pytest.raises(ValueError, match="amount_grain: orders"):
        uploads.build_vars(upload, DUTCH_MAPPING, amount_grain="orders")
    # customer_id_case_sensitive only when ids that differ in case are one customer
    assert "customer_id_case_sensitive" not in variables
    assert uploads.build_vars(upload, DUTCH_MAPPING, ids_ignore_case=True)["customer_id_case_sensitive"] is False
    command, environment = uploads.dbt_command(upload, variables)
    assert command[1] == "build" and "--vars" in command
    # its own database, never the demo's; DuckDB whatever RFM_TARGET says; no usage statistics sent
    assert environment["RFM_DUCKDB_PATH"] == str(upload.database)
    assert environment["RFM_TARGET"] == "duckdb"
    assert environment["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "False"
    assert Path(environment["DBT_TARGET_PATH"]).parent == upload.folder


def test_progress_and_failure_lines_of_dbt():
    line = "07:18:30  4 of 313 OK loaded seed file main.rfm_segment_rules ........ [INSERT 17 in 0.44s]"
    match = uploads.PROGRESS_LINE.match(line)
    assert match and match.groups() == ("4", "313", "OK")
    assert not uploads.PROGRESS_LINE.match("07:18:30  4 of 313 START sql view model main.stg_orders ... [RUN]")
    output = ["07:18:30  1 of 2 START x", "07:18:31  Completed with 1 error, 0 partial successes, and 0 warnings:",
              "07:18:31  Runtime Error in model stg_orders", "07:18:31    the column 'Bedrag' is not in the file"]
    assert uploads.failure_message(output).splitlines() == [
        "Completed with 1 error, 0 partial successes, and 0 warnings:", "Runtime Error in model stg_orders",
        "  the column 'Bedrag' is not in the file"]


def test_results_of_a_build(dashboard_database):
    results = uploads.read_results(dashboard_database)
    with duckdb.connect(str(dashboard_database), read_only=True) as connection:
        total, kept = connection.execute(
            "select sum(source_rows), sum(source_rows) filter (where row_status in ('kept', 'merged')) "
            "from orders_accounting").fetchone()
        rejected = connection.execute("select count(*) from orders_rejected").fetchone()[0]
    assert (results.source_rows, results.accepted_rows) == (total, kept)
    assert results.fates["source_rows"].sum() == total
    assert results.fates["fate"].iloc[0] == "accepted: an order"
    assert len(results.rejected_examples) == min(rejected, 20)
    assert "decimal_separator" in set(results.formats["setting_name"])


def test_the_dashboard_shows_the_sessions_upload_else_the_demo(tmp_path):
    environ = {"RFM_UPLOADS_DIR": str(tmp_path), "RFM_DUCKDB_PATH": "/demo/rfm_lifecycle.duckdb"}
    upload = uploads.save_upload("orders.csv", b"a\n1\n", tmp_path)
    session = {uploads.SESSION_KEY: upload.id}
    assert uploads.selected_database(session, environ) == Path("/demo/rfm_lifecycle.duckdb")  # not built yet
    upload.database.write_bytes(b"")
    assert uploads.selected_database(session, environ) == upload.database
    assert uploads.selected_database({}, environ) == Path("/demo/rfm_lifecycle.duckdb")
    assert uploads.selected_database({uploads.SESSION_KEY: "../x"}, environ) == Path("/demo/rfm_lifecycle.duckdb")


def test_a_mapping_to_a_missing_column_stops_the_build_with_dbts_reason(tmp_path):
    """The one real build here: it stops early, so it is short; the message reaches the page."""
    upload = uploads.save_upload("nl.csv", (EXPORTS / "nl_webshop_cp1252.csv").read_bytes(), tmp_path)
    seen: list[tuple[float, str]] = []
    outcome = uploads.run_build(upload, uploads.build_vars(upload, {**DUTCH_MAPPING, "amount": "Bedrag"}),
                                lambda share, text: seen.append((share, text)))
    assert not outcome.success and outcome.returncode != 0
    assert "Bedrag" in outcome.message, outcome.message
    assert seen[0] == (0.0, "Reading the project (dbt parse)") and seen[-1] == (1.0, "Build stopped")
    assert all(0.0 <= share <= 1.0 for share, _ in seen)
    assert outcome.log.exists()
    with pytest.raises(data.DashboardDataError):
        uploads.read_results(upload.database)


class LeftThePage(Exception):
    """Stands in for the exception Streamlit raises in a script that is stopped or rerun."""


def test_a_build_interrupted_by_the_page_stops_dbt(tmp_path):
    upload = uploads.save_upload("nl.csv", (EXPORTS / "nl_webshop_cp1252.csv").read_bytes(), tmp_path)

    left: list[float] = []

    def progress(share: float, text: str) -> None:
        if share > 0:
            left.append(time.monotonic())
            raise LeftThePage

    with pytest.raises(LeftThePage):
        uploads.run_build(upload, uploads.build_vars(upload, DUTCH_MAPPING), progress)
    assert time.monotonic() - left[0] < 5  # not after the rest of the build
    assert not processes_naming(str(upload.file))  # the dbt that read the upload is gone
    assert "Done." not in (upload.folder / "build.log").read_text()


def processes_naming(text: str) -> list[int]:
    """Ids of live processes whose command line holds `text` (from /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            pass
    return found


def test_every_page_shows_the_sessions_upload_until_back_to_the_demo(dashboard_database, tmp_path, monkeypatch):
    """AppTest: a built upload in the session is what the overview and the phase pages read;
    the overview's sidebar button returns to RFM_DUCKDB_PATH."""
    demo = tmp_path / "demo.duckdb"
    shutil.copyfile(dashboard_database, demo)
    monkeypatch.setenv("RFM_DUCKDB_PATH", str(demo))
    monkeypatch.setenv("RFM_UPLOADS_DIR", str(tmp_path / "uploads"))
    upload = uploads.save_upload("orders.csv", b"a\n1\n", tmp_path / "uploads")
    shutil.copyfile(dashboard_database, upload.database)

    for script in (APP, APP.parent / "pages" / "1_Acquisition.py"):
        page = AppTest.from_file(str(script), default_timeout=120)
        page.session_state[uploads.SESSION_KEY] = upload.id
        page.run()
        assert not page.exception, [exception.value for exception in page.exception]
        captions = " ".join(caption.value for caption in page.caption)
        assert str(upload.database) in captions and str(demo) not in captions

    app = AppTest.from_file(str(APP), default_timeout=120)
    app.session_state[uploads.SESSION_KEY] = upload.id
    app.run()
    app.sidebar.button(key="demo_data").click().run()
    assert not app.exception
    captions = " ".join(caption.value for caption in app.caption)
    assert str(demo) in captions and str(upload.database) not in captions
    assert not app.sidebar.button  # no way back to the demo shown while the demo is shown


def test_a_file_that_reads_two_ways_builds_once_the_user_answers(tmp_path):
    """Only 1.250-like amounts: the build stops and names the var; with decimal_separator ',' it builds."""
    upload = uploads.save_upload("ambiguous.csv", (EXPORTS / "ambiguous_amounts.csv").read_bytes(), tmp_path)
    mapping = uploads.propose_mapping(uploads.inspect(upload).columns)
    assert mapping == {"order_id": "order_id", "customer_id": "customer_id", "order_date": "order_date",
                       "amount": "amount", "status": None, "margin": None, "line_id": None}
    stopped = uploads.run_build(upload, uploads.build_vars(upload, mapping))
    assert not stopped.success
    assert "orders_format.decimal_separator" in stopped.message, stopped.message
    built = uploads.run_build(upload, uploads.build_vars(upload, mapping, {"decimal_separator": ","}))
    assert built.success, built.message
    results = uploads.read_results(upload.database)
    assert (results.accepted_rows, results.source_rows) == (2, 2)
    formats = results.formats.set_index("setting_name")
    assert tuple(formats.loc["decimal_separator", ["value_in_force", "set_by"]]) == (",", "configured")
    assert set(results.fates["source_rows"]) == {2}
