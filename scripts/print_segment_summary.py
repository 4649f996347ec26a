"""Print the lifecycle rows of segment_summary in a built rfm_lifecycle DuckDB file as a table."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb

COLUMNS = [
    ("segment_code", "segment", "<"),
    ("customers", "customers", ">"),
    ("share_of_customers", "share", ">"),
    ("revenue", "revenue", ">"),
    ("revenue_at_risk", "at risk", ">"),
    ("upgrade_potential", "upgrade pot.", ">"),
    ("action_goal", "action", "<"),
]


def format_value(name: str, value: object) -> str:
    if value is None:
        return ""
    if name == "share_of_customers":
        return f"{float(value) * 100:.1f}%"
    if name in {"revenue", "revenue_at_risk", "upgrade_potential"}:
        return f"{float(value):,.0f}"
    if name == "customers":
        return f"{int(value):,}"
    return str(value)


def main() -> int:
    database = Path(os.environ.get("RFM_DUCKDB_PATH", "rfm_lifecycle.duckdb"))
    if not database.exists():
        print(f"No database at {database}: run `make run` first.", file=sys.stderr)
        return 1
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            f"select {', '.join(name for name, _, _ in COLUMNS)}, as_of_date "
            "from segment_summary where segment_scheme = 'lifecycle' order by segment_order"
        ).fetchall()
    if not rows:
        print("segment_summary is empty: the input held no usable orders.")
        return 0
    table = [[format_value(name, value) for (name, _, _), value in zip(COLUMNS, row)] for row in rows]
    headers = [header for _, header, _ in COLUMNS]
    widths = [max(len(headers[i]), *(len(line[i]) for line in table)) for i in range(len(headers))]
    widths[-1] = min(widths[-1], 60)

    def render(cells: list[str]) -> str:
        parts = []
        for (_, _, align), cell, width in zip(COLUMNS, cells, widths):
            cell = cell if len(cell) <= width else cell[: width - 1] + "…"
            parts.append(f"{cell:{align}{width}}")
        return "  ".join(parts).rstrip()

    print(f"Customer lifecycle segments as of {rows[0][-1]}")
    print(render(headers))
    print(render(["-" * width for width in widths]))
    for line in table:
        print(render(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
