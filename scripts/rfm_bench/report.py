"""The report: a text table on stdout, results_<N>.json and a section of results.md."""
from __future__ import annotations

import json
import re
from pathlib import Path

from .run import STEP_LABELS


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
    ("cohorts_per_full", "cohort marts beside the core / full"),
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
