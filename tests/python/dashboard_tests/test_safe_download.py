"""The dashboard's contact-list download neutralises formula cells, as the export files do (issue 13)."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pandas as pd

from dashboard.data import contacts_csv


def test_the_download_neutralises_formula_cells_and_keeps_numbers():
    contacts = pd.DataFrame({
        "customer_id": ['=HYPERLINK("http://evil.example","klik")', "@SUM(A1)", "+316", "-K1", "\tx", "K0042", None],
        "monetary": [Decimal("-12.50"), Decimal("1"), Decimal("2"), Decimal("3"), Decimal("4"), Decimal("5"),
                     Decimal("6")],
        "last_order_date": [dt.date(2024, 3, 5)] * 7,
    })
    rows = list(csv.DictReader(io.StringIO(contacts_csv(contacts))))
    assert [r["customer_id"] for r in rows] == [
        '\'=HYPERLINK("http://evil.example","klik")', "'@SUM(A1)", "'+316", "'-K1", "'\tx", "K0042", ""]
    assert rows[0]["monetary"] == "-12.50"
    assert rows[0]["last_order_date"] == "2024-03-05"
    # the frame shown on the page is not changed
    assert contacts.loc[0, "customer_id"].startswith("=")
