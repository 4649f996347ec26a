"""Writing scripts/generate_orders.py's files: the rows go through a temporary DuckDB
database, rendered as text (CSV and Parquet carry the same strings)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .lines import (
    D_BAD_AMOUNT_1,
    D_BAD_AMOUNT_2,
    D_BAD_DATE_1,
    D_BAD_DATE_2,
    D_BLANK_CUSTOMER_1,
    D_BLANK_CUSTOMER_2,
    D_EMPTY_AMOUNT,
    D_EMPTY_CUSTOMER,
    D_EMPTY_ORDER,
    STATUS_NAMES,
)


def render_sql(start: dt.date, order_width: int, customer_width: int) -> str:
    def money(col: str) -> str:
        return f"(CAST({col} AS DECIMAL(18,0)) * 0.01)::VARCHAR"

    ts_expr = f"(TIMESTAMP '{start.isoformat()} 00:00:00' + to_seconds(ts))"
    status_list = "[" + ", ".join(f"'{s}'" for s in STATUS_NAMES) + "]"
    return f"""
    SELECT
      CASE WHEN dirty = {D_EMPTY_ORDER} THEN NULL
           WHEN refdoc THEN 'R' || lpad(ord::VARCHAR, {order_width}, '0')
           ELSE 'O' || lpad(ord::VARCHAR, {order_width}, '0') END AS order_id,
      CASE dirty WHEN {D_EMPTY_CUSTOMER} THEN NULL
                 WHEN {D_BLANK_CUSTOMER_1} THEN ' '
                 WHEN {D_BLANK_CUSTOMER_2} THEN '   '
                 ELSE 'C' || lpad(cust::VARCHAR, {customer_width}, '0') END AS customer_id,
      CASE WHEN dirty = {D_BAD_DATE_1} THEN 'not a date'
           WHEN dirty = {D_BAD_DATE_2} THEN '2024-13-45'
           WHEN date_only THEN strftime({ts_expr}, '%Y-%m-%d')
           ELSE strftime({ts_expr}, '%Y-%m-%d %H:%M:%S') END AS order_date,
      CASE dirty WHEN {D_BAD_AMOUNT_1} THEN 'n/a'
                 WHEN {D_BAD_AMOUNT_2} THEN '12,50,0'
                 WHEN {D_EMPTY_AMOUNT} THEN NULL
                 ELSE {money('cents')} END AS amount,
      {status_list}[status + 1] AS status,
      {money('margin')} AS margin,
      line::VARCHAR AS line_id
    FROM lines
    """


def copy_options(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "(FORMAT csv, HEADER true)"
    if suffix == ".parquet":
        return "(FORMAT parquet, COMPRESSION zstd)"
    raise SystemExit(f"unsupported output extension {suffix!r} (use .csv or .parquet)")


def sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
