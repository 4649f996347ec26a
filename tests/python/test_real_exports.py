"""Real-looking exports from shops (issue 13): each fixture file with the fate of its rows.

One harness, parsed once; each case runs only the models up to the classification
(`+int_orders_netted`, `orders_rejected`), so the whole file costs a few seconds.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import re

import pytest

from dbt_harness import GUARD_OFF, PROJECT_DIR, RUN_STATS, DbtHarness
from engine_results import assert_identical, dbt_command, load, normalized, postgres_marts, source_vars

EXPORTS = PROJECT_DIR / "tests" / "python" / "fixtures" / "exports"
# What a user sets for a Dutch export: the column mapping and the statuses to exclude, nothing else.
DUTCH = {
    "orders_columns": {"order_id": "Ordernummer", "customer_id": "Klantnummer", "order_date": "Besteldatum",
                       "amount": "Totaal incl. btw", "status": "Status", "margin": None, "line_id": None},
    "excluded_statuses": ["geannuleerd", "testbestelling"],
}
FRENCH = {
    "orders_columns": {"order_id": "Numéro de commande", "customer_id": "Client", "order_date": "Date",
                       "amount": "Montant TTC", "status": "Statut", "margin": None, "line_id": None},
    "excluded_statuses": ["annulée", "test"],
}
PLAIN = {"orders_columns": {"margin": None, "line_id": None}}
# The marts a CRM, BI tool or campaign reads; equal inputs must give them equal, row for row.
COMPARED_MARTS = ["customer_segments", "segment_summary", "rf_matrix", "rfm_score_ranges", "lifecycle_thresholds",
                  "orders_accounting"]

AS_OF = {"as_of_date": "2024-06-30", "max_order_date": "2025-12-31", "customers_path": None, **GUARD_OFF}


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    h = DbtHarness(tmp_path_factory.mktemp("real_exports"), base_vars=AS_OF)
    h.seed()  # the segment rules and action paths the marts read
    return h


def marts_of(h: DbtHarness, vars: dict) -> dict:
    result = h.build(vars, select=[f"+{mart}" for mart in COMPARED_MARTS] + ["input_formats"], resource="run")
    RUN_STATS["real exports: files built"] += 1
    assert result.success, result.messages
    return {mart: sorted(h.query(f"select * from {mart}")[1], key=repr) for mart in COMPARED_MARTS}


def formats_of(h: DbtHarness) -> dict:
    return {r["setting_name"]: r["value_in_force"] for r in h.table("input_formats") if r["input_name"] == "orders"}


@pytest.fixture(scope="module")
def plain_marts(harness):
    return marts_of(harness, {"orders_path": str(EXPORTS / "plain_contract.csv"), **PLAIN})


# Each export of the same orders, with what the build must find in it.
SAME_ORDERS = [
    ("nl_webshop_cp1252.csv", DUTCH, {"encoding": "windows-1252", "delimiter": ";", "excel_sep_line": "none",
                                      "decimal_separator": ",", "thousands_separator": ".",
                                      "date_format": "dd-mm-yyyy"}),
    ("nl_excel_sep_line.csv", DUTCH, {"encoding": "utf-8", "delimiter": ";", "excel_sep_line": ";",
                                      "decimal_separator": ",", "thousands_separator": ".",
                                      "date_format": "dd-mm-yyyy"}),
    ("nl_excel_currency.csv", DUTCH, {"encoding": "windows-1252", "delimiter": ";", "decimal_separator": ",",
                                      "thousands_separator": ".", "currency_mark": "€",
                                      "date_format": "dd-mm-yyyy"}),
    ("nl_erp_trailing_minus.csv", DUTCH, {"encoding": "windows-1252", "delimiter": ";", "decimal_separator": ",",
                                          "thousands_separator": ".", "currency_mark": "none",
                                          "negative_sign": "trailing", "date_format": "dd.mm.yyyy"}),
    ("us_accounting_parentheses.csv", PLAIN, {"encoding": "utf-8", "delimiter": ",", "decimal_separator": ".",
                                              "thousands_separator": ",", "currency_mark": "$",
                                              "negative_sign": "parentheses", "date_format": "mm/dd/yyyy"}),
    ("be_intl_spaces.csv", FRENCH, {"encoding": "utf-8", "delimiter": ";", "decimal_separator": ",",
                                    "thousands_separator": "space", "currency_mark": "€",
                                    "negative_sign": "leading", "date_format": "dd/mm/yyyy"}),
    ("nl_excel_unicode_text.txt", DUTCH, {"encoding": "utf-16", "byte_order_mark": "no", "delimiter": "tab",
                                          "decimal_separator": ",", "date_format": "dd-mm-yyyy"}),
    ("mixed_encoding.csv", DUTCH, {"encoding": "utf-8 and windows-1252", "delimiter": ";",
                                   "decimal_separator": ",", "date_format": "dd-mm-yyyy"}),
    ("nl_workbook.xlsx", DUTCH, {"file_kind": "sheet", "decimal_separator": ".", "date_format": "yyyy-mm-dd"}),
    ("plain_bom_crlf.csv", PLAIN, {"encoding": "utf-8", "byte_order_mark": "yes", "decimal_separator": ".",
                                   "thousands_separator": "none", "currency_mark": "none", "negative_sign": "leading",
                                   "date_format": "yyyy-mm-dd"}),
]


@pytest.mark.parametrize("name,vars,expected_formats", SAME_ORDERS, ids=[case[0] for case in SAME_ORDERS])
def test_an_export_of_the_same_orders_gives_exactly_the_marts_of_the_plain_contract(
        harness, plain_marts, name, vars, expected_formats):
    """A Dutch export (Windows-1252, semicolons, 1.234,50, dd-mm-yyyy and d-m-yyyy, Excel's sep=; line, an .xlsx
    workbook, Retour as a positive amount) with only the column mapping and the excluded statuses set."""
    marts = marts_of(harness, {"orders_path": str(EXPORTS / name), **vars})
    found = formats_of(harness)
    assert {key: found.get(key) for key in expected_formats} == expected_formats
    for mart in COMPARED_MARTS:
        assert marts[mart] == plain_marts[mart], mart
    # ids as the shop wrote them, leading zeros kept
    ids = {row[0] for row in harness.query("select customer_id from customer_segments")[1]}
    assert {"K0042", "K0107", "K0500", "0815"} <= ids


@pytest.mark.parametrize("name,vars", [("nl_webshop_cp1252.csv", DUTCH), ("plain_contract.csv", PLAIN)])
def test_a_gzipped_export_gives_the_marts_of_the_file_itself(harness, plain_marts, tmp_path, name, vars):
    """DuckDB reads .csv.gz itself; the plugin must look inside too (a Windows-1252 file goes through a copy)."""
    import gzip

    packed = tmp_path / f"{name}.gz"
    packed.write_bytes(gzip.compress((EXPORTS / name).read_bytes(), mtime=0))
    marts = marts_of(harness, {"orders_path": str(packed), **vars})
    assert formats_of(harness)["encoding"] == ("windows-1252" if "cp1252" in name else "utf-8")
    for mart in COMPARED_MARTS:
        assert marts[mart] == plain_marts[mart], mart


def test_a_zstd_export_is_taken_as_utf8_and_a_copy_in_another_encoding_is_refused(tmp_path):
    """No zstd reader in Python's standard library: the plugin takes a .zst file as UTF-8, as DuckDB reads it,
    and says so when it would have to convert one."""
    import sys

    sys.path.insert(0, str(PROJECT_DIR / "plugins"))
    try:
        import rfm_files
    finally:
        sys.path.remove(str(PROJECT_DIR / "plugins"))
    packed = tmp_path / "orders.csv.zst"
    packed.write_bytes(b"(\xb5/\xfd not read")
    assert rfm_files.file_facts(str(packed)) == '{"encoding": "utf-8", "bom": false, "sep_line": null}'
    with pytest.raises(ValueError, match="zstd-compressed and written in windows-1252.*csv.gz"):
        rfm_files.utf8_copy(str(packed), "windows-1252", tmp_path)


SHOPIFY = {
    "orders_columns": {"order_id": "Name", "customer_id": "Email", "order_date": "Created at", "amount": "Total",
                       "status": "Financial Status", "margin": None, "line_id": "Lineitem name"},
    "amount_grain": "order",
}


def test_a_shopify_export_by_order_gives_the_marts_of_the_plain_contract(harness, plain_marts):
    """Shopify writes one row per line item and the order's Total and Financial Status on its first row only.
    By order, the other rows are lines of the order (their blank status is the order's: the voided order's second
    line is excluded too) and the Total is counted once: the same customers, segments and scores as the plain
    file. Only the accounting differs: the line items are merged rows."""
    marts = marts_of(harness, {"orders_path": str(EXPORTS / "shopify_line_items.csv"), **SHOPIFY})
    assert formats_of(harness)["amount_grain"] == "order"
    columns, rows = harness.query("select * from customer_segments")
    by_email = {f"{customer.lower()}@example.nl": customer for customer in ("K0042", "K0107", "K0500", "0815")}
    at = columns.index("customer_id")
    translated = sorted((tuple(by_email[v] if i == at else v for i, v in enumerate(row)) for row in rows), key=repr)
    assert translated == plain_marts["customer_segments"]
    for mart in COMPARED_MARTS:
        if mart not in ("customer_segments", "orders_accounting"):
            assert marts[mart] == plain_marts[mart], mart
    fates = {(r["row_status"], r["rejection_reason"]): (r["source_rows"], str(r["amount"]))
             for r in harness.table("orders_accounting")}
    assert fates == {("kept", None): (8, "1237160.33"), ("merged", None): (4, "0.00"),
                     ("excluded_status", None): (3, "60.00")}


def test_a_shopify_export_by_line_rejects_the_blank_totals_and_the_guard_names_amount_grain(harness):
    """Read by line (the default), the line items after the first carry no amount: rejected as missing amount,
    never read as 0, and a guard set to 90% stops the build with the var that fixes it."""
    vars = {"orders_path": str(EXPORTS / "shopify_line_items.csv"), **SHOPIFY, "amount_grain": "line"}
    classify(harness, vars)
    rejected = [(r["source_order_id"], r["rejection_reason"]) for r in harness.table("orders_rejected")]
    assert sorted(rejected) == [("#1001", "missing amount")] * 2 + [
        ("#1002", "missing amount"), ("#1004", "missing amount"), ("#1006", "missing amount")]
    result = harness.build({**vars, "min_accepted_share": 0.9}, select=["+int_orders_netted"], resource="run")
    RUN_STATS["real exports: files classified"] += 1
    assert not result.success
    assert "'missing amount' (5 rows)" in result.messages and "amount_grain: order" in result.messages, \
        result.messages


def test_line_amounts_read_by_order_are_rejected_and_the_guard_names_amount_grain(harness, tmp_path):
    """The other mistake: an export of line amounts read by order. Its lines write different amounts, so no
    order's total can be known: every line is rejected (never one line's amount taken) and the guard says
    which var to set back."""
    path = tmp_path / "lines.csv"
    path.write_text("order_id;customer_id;order_date;amount;line_id\n"
                    "L1;K1;2024-03-01;10,00;1\nL1;K1;2024-03-01;5,00;2\n"
                    "L2;K2;2024-03-02;7,00;1\nL2;K2;2024-03-02;3,00;2\nL3;K2;2024-03-03;4,00;1\n",
                    encoding="utf-8")
    vars = {"orders_path": str(path), "orders_columns": {"status": None, "margin": None}, "amount_grain": "order"}
    result = harness.build({**vars, "min_accepted_share": 0.5}, select=["+int_orders_netted"], resource="run")
    RUN_STATS["real exports: files classified"] += 1
    assert not result.success
    assert "'conflicting amounts for one order' (4 rows)" in result.messages, result.messages
    assert "amount_grain: line" in result.messages
    classify(harness, vars)
    assert {r["order_id"]: str(r["net_amount"]) for r in harness.table("int_orders_netted")} == {"L3": "4.00"}


def test_a_shopify_export_by_order_gives_the_same_marts_on_postgres(harness, tmp_path):
    """By order on PostgreSQL: the Shopify export landed as a raw table, its columns named the way a connector
    names them (name, email, financial_status, total...), gives DuckDB's marts of the file, value for value."""
    if not os.environ.get("PGHOST"):
        pytest.fail("PGHOST not set: run through scripts/with_test_postgres.sh (make test does)")
    marts_of(harness, {"orders_path": str(EXPORTS / "shopify_line_items.csv"), **SHOPIFY})
    reference = {mart: normalized(*harness.query(f"select * from {mart}")) for mart in COMPARED_MARTS}
    landed = tmp_path / "shopify_orders.csv"
    with (EXPORTS / "shopify_line_items.csv").open(newline="", encoding="utf-8") as source, \
            landed.open("w", newline="", encoding="utf-8") as copy:
        rows = list(csv.reader(source))
        csv.writer(copy, lineterminator="\n").writerows(
            [[re.sub(r"[^a-z0-9]+", "_", name.lower()) for name in rows[0]], *rows[1:]])
    load("postgres", {}, orders=landed, customers=None, schema="rfm_shopify_raw")
    columns = {"order_id": "name", "customer_id": "email", "order_date": "created_at", "amount": "total",
               "status": "financial_status", "margin": None, "line_id": "lineitem_name"}
    variables = {**AS_OF, **source_vars("rfm_shopify_raw"), "customers_table": None, "orders_columns": columns,
                 "amount_grain": "order", "publish_snapshots": False}
    dbt_command(["build", "--target", "postgres", "--select", *[f"+{mart}" for mart in COMPARED_MARTS],
                 "--exclude", "resource_type:test", "resource_type:unit_test"],
                tmp_path, variables, {"RFM_SCHEMA": "rfm_shopify"})
    postgres = postgres_marts("rfm_shopify", COMPARED_MARTS)
    for mart in COMPARED_MARTS:
        assert_identical(reference[mart], postgres[mart], f"PostgreSQL {mart}")


def test_a_file_that_reads_two_ways_stops_and_names_the_var(harness):
    before = harness.query("select * from customer_segments order by customer_id")
    result = harness.build({"orders_path": str(EXPORTS / "ambiguous_amounts.csv"),
                            "orders_columns": {"status": None, "margin": None, "line_id": None}},
                           select=["+customer_segments"], resource="run")
    RUN_STATS["real exports: files built"] += 1
    assert not result.success
    assert "orders_format.decimal_separator" in result.messages, result.messages
    assert "1.250" in result.messages
    assert harness.query("select * from customer_segments order by customer_id") == before


def write_amounts(path, amounts: list[str]) -> None:
    lines = ["order_id;customer_id;order_date;amount"]
    lines += [f"M{number};K{number % 3};{dt.date(2024, 3, 1) + dt.timedelta(days=number)};{amount}"
              for number, amount in enumerate(amounts, start=1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_amounts_in_two_currencies_stop_the_build_and_name_the_var(harness, tmp_path):
    """€ and $ amounts cannot be added up: the build stops before anything is replaced and names the var."""
    path = tmp_path / "two_currencies.csv"
    write_amounts(path, ["€ 12,50", "€ 1.234,50", "$ 3,00", "7,50 €"])
    before = harness.query("select * from customer_segments order by customer_id")
    columns = {"orders_columns": {"status": None, "margin": None, "line_id": None}}
    result = harness.build({"orders_path": str(path), **columns}, select=["+customer_segments"], resource="run")
    RUN_STATS["real exports: files built"] += 1
    assert not result.success
    assert "more than one currency mark (€: 3, $: 1" in result.messages, result.messages
    assert "orders_format.currency_mark" in result.messages
    assert harness.query("select * from customer_segments order by customer_id") == before

    # Told which mark to read, the other currency and a mark inside a number are rejected, never misread.
    write_amounts(path, ["€ 12,50", "-€ 1.234,50", "$ 3,00", "7,50 €", "12€50", "€ 2,50 €", "€", "EUR 4,00"])
    result = harness.build({"orders_path": str(path), "orders_format": {"currency_mark": "€"}, **columns},
                           select=["+int_orders_netted", "+orders_rejected", "input_formats"], resource="run")
    RUN_STATS["real exports: files classified"] += 1
    assert result.success, result.messages
    amounts = {r["order_id"]: str(r["net_amount"]) for r in harness.table("int_orders_netted")}
    assert amounts == {"M1": "12.50", "M2": "-1234.50", "M4": "7.50"}
    rejected = {r["source_amount"]: r["rejection_reason"] for r in harness.table("orders_rejected")}
    assert rejected == {text: "unparseable amount" for text in ["$ 3,00", "12€50", "€ 2,50 €", "€", "EUR 4,00"]}
    found = {r["setting_name"]: (r["value_in_force"], r["set_by"]) for r in harness.table("input_formats")
             if r["input_name"] == "orders"}
    assert found["currency_mark"] == ("€", "configured")

    # One mark on 90% of the marked amounts is detected; the stray other currency is rejected.
    write_amounts(path, ["€ 1,00"] * 9 + ["$ 1,00"])
    result = harness.build({"orders_path": str(path), **columns},
                           select=["+int_orders_netted", "+orders_rejected", "input_formats"], resource="run")
    RUN_STATS["real exports: files classified"] += 1
    assert result.success, result.messages
    assert [r["source_amount"] for r in harness.table("orders_rejected")] == ["$ 1,00"]
    found = {r["setting_name"]: (r["value_in_force"], r["set_by"]) for r in harness.table("input_formats")
             if r["input_name"] == "orders"}
    assert found["currency_mark"] == ("€", "detected")


def test_negative_amounts_written_two_ways_stop_the_build_and_name_the_var(harness, tmp_path):
    """12,50- and (12,50) both mean minus 12,50; a file that writes both ways without a 90% majority stops,
    names orders_format.negative_sign, and replaces nothing. Told the form, the other is rejected, never misread."""
    path = tmp_path / "two_signs.csv"
    write_amounts(path, ["12,50", "3,00-", "(4,00)", "1.234,50", "€ 5,00-"])
    before = harness.query("select * from customer_segments order by customer_id")
    columns = {"orders_columns": {"status": None, "margin": None, "line_id": None}}
    result = harness.build({"orders_path": str(path), **columns}, select=["+customer_segments"], resource="run")
    RUN_STATS["real exports: files built"] += 1
    assert not result.success
    assert "a minus after the number (2 values such as 12,50-) and in parentheses (1 values" in result.messages, \
        result.messages
    assert "orders_format.negative_sign" in result.messages
    assert harness.query("select * from customer_segments order by customer_id") == before

    result = harness.build({"orders_path": str(path), "orders_format": {"negative_sign": "trailing"}, **columns},
                           select=["+int_orders_netted", "+orders_rejected", "input_formats"], resource="run")
    RUN_STATS["real exports: files classified"] += 1
    assert result.success, result.messages
    amounts = {r["order_id"]: str(r["net_amount"]) for r in harness.table("int_orders_netted")}
    assert amounts == {"M1": "12.50", "M2": "-3.00", "M4": "1234.50", "M5": "-5.00"}
    assert {r["source_amount"]: r["rejection_reason"] for r in harness.table("orders_rejected")} == {
        "(4,00)": "unparseable amount"}
    found = {r["setting_name"]: (r["value_in_force"], r["set_by"]) for r in harness.table("input_formats")
             if r["input_name"] == "orders"}
    assert found["negative_sign"] == ("trailing", "configured")


def test_formula_cells_and_placeholders_meet_their_fate(harness):
    path = EXPORTS / "formula_cells.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    classify(harness, {"orders_path": str(path), "orders_columns": {"margin": None, "line_id": None}})
    rejected = {r["source_order_id"]: "rejected: " + r["rejection_reason"] for r in harness.table("orders_rejected")}
    orders = {r["order_id"]: r["customer_id"] for r in harness.table("int_orders_netted")}
    for row in rows:
        if row["expected_fate"] == "order":
            # kept verbatim (a float id without its zeros); the CSV writers neutralise such cells, not the marts
            assert orders[row["order_id"]] == row["customer_id"].removesuffix(".0"), row
        else:
            assert rejected[row["order_id"]] == row["expected_fate"], row


def classify(h: DbtHarness, vars: dict) -> None:
    result = h.build(vars, select=["+int_orders_netted", "+orders_rejected"], resource="run")
    RUN_STATS["real exports: files classified"] += 1
    assert result.success, result.messages


def test_parquet_with_float_ids_and_zoned_timestamps(harness, tmp_path):
    """A Parquet export: ids as doubles (1001.0), order dates as timestamps with a time zone. The ids are
    whole numbers again; the day is the one in orders_time_zone (UTC unless set), whatever the session's."""
    import duckdb

    path = tmp_path / "orders.parquet"
    con = duckdb.connect()
    con.execute("""
        copy (
            select * from (values
                (5001.0, 1001.0, timestamptz '2024-03-05 23:30:00+00', 10.00),
                (5002.0, 1001.0, timestamptz '2024-03-06 00:30:00+01', 20.00),
                (5003.0, 123457000000.0, timestamptz '2024-03-07 12:00:00+00', 30.00),
                (5004.0, 1e20, timestamptz '2024-03-07 12:00:00+00', 40.00)
            ) as t(order_id, customer_id, order_date, amount)
        ) to '""" + str(path) + "' (format parquet)")
    con.close()
    vars = {"orders_path": str(path), "orders_columns": {"status": None, "margin": None, "line_id": None}}

    classify(harness, vars)
    orders = {r["order_id"]: (r["customer_id"], r["order_date"])
              for r in harness.table("int_orders_netted")}
    assert orders == {
        "5001": ("1001", dt.date(2024, 3, 5)),
        # 00:30 in +01 is 23:30 UTC the day before
        "5002": ("1001", dt.date(2024, 3, 5)),
        "5003": ("123457000000", dt.date(2024, 3, 7)),
    }
    assert harness.table("select source_customer_id, rejection_reason from orders_rejected") == [
        {"source_customer_id": "1e+20", "rejection_reason": "customer_id in scientific notation"}]
    # the view reads the same day in a session whose zone is far from UTC
    con = duckdb.connect(str(harness.db_path))
    con.execute("set TimeZone = 'Pacific/Kiritimati'")
    assert sorted(con.sql("select order_id, order_date from stg_orders").fetchall()) == [
        ("5001", dt.date(2024, 3, 5)), ("5002", dt.date(2024, 3, 5)), ("5003", dt.date(2024, 3, 7)),
        ("5004", dt.date(2024, 3, 7))]
    con.close()

    classify(harness, {**vars, "orders_time_zone": "Europe/Amsterdam"})
    assert {r["order_id"]: r["order_date"] for r in harness.table("int_orders_netted")} == {
        "5001": dt.date(2024, 3, 6), "5002": dt.date(2024, 3, 6), "5003": dt.date(2024, 3, 7)}


@pytest.mark.parametrize("dialect", ["standard", "excel"])
def test_every_csv_written_neutralises_formula_cells(harness, tmp_path, dialect):
    """Customer ids such as =HYPERLINK(...), @SUM(...), +316..., -K0042 reach the export files with a leading '
    (OWASP); numbers stay numbers. The excel dialect: ';', a decimal comma, UTF-8 with a byte order mark."""
    folder = tmp_path / "exports"
    folder.mkdir()
    # The scheduler command of docs/exports.md: the files come after every test of the run passed.
    result = harness.invoke(["build", "--select", "+export_files", "--indirect-selection", "cautious",
                             "--exclude-resource-type", "unit_test", "--exclude-resource-type", "seed"],
                            {"orders_path": str(EXPORTS / "formula_cells.csv"),
                             "orders_columns": {"margin": None, "line_id": None},
                             "export_folder": str(folder), "export_csv_dialect": dialect})
    RUN_STATS["real exports: files built"] += 1
    assert result.success, result.messages
    delimiter = ";" if dialect == "excel" else ","
    cells = []
    for path in sorted(folder.glob("*.csv")):
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") == (dialect == "excel"), path.name
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f, delimiter=delimiter))
        assert rows or path.name != "manifest.csv"
        cells += [value for row in rows for value in row.values() if value]
    dangerous = [cell for cell in cells if cell[0] in "=+-@\t\r"]
    assert not dangerous, dangerous
    for written in ("'=HYPERLINK(\"http://evil.example\",\"klik\")", "'@SUM(A1:A9)", "'+31612345678", "'-K0042"):
        assert written in cells, written
    # the marts keep the ids as they arrived: only the files written for spreadsheets carry the quote
    ids = {r["customer_id"] for r in harness.table("customer_segments")}
    assert {"=HYPERLINK(\"http://evil.example\",\"klik\")", "-K0042", "4711"} <= ids
    monetary = {r["customer_id"]: r["monetary"] for r in harness.table("customer_segments")}
    assert monetary["4711"] == 10
    expected = "10,00" if dialect == "excel" else "10.00"
    assert expected in cells


def test_your_own_orders_never_pull_in_the_demo_customers(harness):
    """customers_path auto: the demo's customers belong to the demo's orders only."""
    own = {"orders_path": str(EXPORTS / "plain_contract.csv"), "customers_path": "auto"}
    assert harness.build(own, select=["stg_customers", "int_customers_listed"], resource="run").success
    assert harness.query("select count(*) from int_customers_listed")[1][0][0] == 0
    demo = {"orders_path": "data/demo/orders.csv", "customers_path": "auto"}
    assert (PROJECT_DIR / "data" / "demo" / "customers.csv").exists(), "make demo writes the demo data"
    assert harness.build(demo, select=["stg_customers", "int_customers_listed"], resource="run").success
    assert harness.query("select count(*) from int_customers_listed")[1][0][0] > 1000
