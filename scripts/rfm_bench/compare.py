"""Agreement of the baselines with customer_segments, and of the daily run with a full refresh."""
from __future__ import annotations

import sys
from pathlib import Path

from .baselines import connect_duckdb
from .settings import SCORE_COLUMNS, VERIFIED_MARTS, sql_string


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------
def table_name(con, catalog: str, table: str) -> str:
    row = con.execute(
        "select schema_name from duckdb_tables() where database_name = ? and table_name = ? order by 1",
        [catalog, table],
    ).fetchone()
    if row is None:
        sys.exit(f"benchmark: no table {table} in {catalog}")
    return f'{catalog}."{row[0]}"."{table}"'


def agreement(con, segments: str, other: str, monetary_cents: bool) -> dict:
    """Share of scored customers on which both sides agree on every R/F/M value and score."""
    monetary = "cast(round(dbt.monetary * 100) as bigint)" if monetary_cents else "dbt.monetary"
    other_monetary = "other.monetary_cents" if monetary_cents else "other.monetary"
    checks = {
        column: (f"{monetary} is not distinct from {other_monetary}" if column == "monetary"
                 else f"dbt.{column} is not distinct from other.{column}")
        for column in SCORE_COLUMNS
    }
    everything = " and ".join(f"({check})" for check in checks.values())
    query = f"""
        with dbt as (select * from {segments} where r_score is not null),
        joined as (
            select dbt.customer_id as dbt_customer, other.customer_id as other_customer, ({everything}) as agrees,
                {", ".join(f"({check}) as same_{column}" for column, check in checks.items())}
            from dbt full outer join {other} as other on dbt.customer_id = other.customer_id
        )
        select count(*), count(dbt_customer), count(other_customer),
            count(*) filter (where dbt_customer is not null and other_customer is not null and agrees),
            {", ".join(f"count(*) filter (where dbt_customer is not null and other_customer is not null "
                       f"and not same_{column})" for column in SCORE_COLUMNS)}
        from joined
    """
    total, in_dbt, in_other, agree, *differ = con.execute(query).fetchone()
    examples = con.execute(f"""
        select coalesce(dbt.customer_id, other.customer_id) as customer_id,
            {", ".join(f"dbt.{c} as dbt_{c}" for c in SCORE_COLUMNS)},
            {", ".join(f"other.{c if c != 'monetary' else ('monetary_cents' if monetary_cents else c)} as other_{c}"
                       for c in SCORE_COLUMNS)}
        from (select * from {segments} where r_score is not null) as dbt
        full outer join {other} as other on dbt.customer_id = other.customer_id
        where not coalesce({everything}, false)
        order by 1 limit 5
    """).fetchall()
    columns = ["customer_id"] + [f"dbt_{c}" for c in SCORE_COLUMNS] + [f"other_{c}" for c in SCORE_COLUMNS]
    return {
        "customers_compared": total,
        "scored_in_customer_segments": in_dbt,
        "customers_in_baseline": in_other,
        "agree_exactly": agree,
        "share": agree / total if total else None,
        "differing_by_column": dict(zip(SCORE_COLUMNS, differ)),
        "examples": [{k: (str(v) if v is not None else None) for k, v in zip(columns, row)} for row in examples],
    }


def compare_with_baselines(bench_db: Path, floor_db: Path, pandas_result: Path, settings: dict) -> dict:
    con = connect_duckdb(":memory:", settings)
    con.execute(f"attach {sql_string(bench_db)} as bench (read_only)")
    segments = table_name(con, "bench", "customer_segments")
    result = {}
    if floor_db.exists():
        con.execute(f"attach {sql_string(floor_db)} as floor_db (read_only)")
        result["floor"] = agreement(con, segments, table_name(con, "floor_db", "floor_scores"), False)
    if pandas_result.exists():
        result["pandas"] = agreement(con, segments, f"read_parquet({sql_string(pandas_result)})", True)
    result["as_of_date"] = str(con.execute(f"select max(as_of_date) from {segments}").fetchone()[0])
    accounting = table_name(con, "bench", "orders_accounting")
    result["orders_accounting"] = [
        {"row_status": s, "rejection_reason": r, "source_rows": n}
        for s, r, n in con.execute(f"select row_status, rejection_reason, source_rows from {accounting} "
                                   "order by row_status, rejection_reason nulls first").fetchall()
    ]
    con.close()
    return result


def compare_databases(daily_db: Path, rebuilt_db: Path, settings: dict) -> dict:
    con = connect_duckdb(":memory:", settings)
    con.execute(f"attach {sql_string(daily_db)} as daily (read_only)")
    con.execute(f"attach {sql_string(rebuilt_db)} as rebuilt (read_only)")
    tables = {}
    for mart in VERIFIED_MARTS:
        left, right = table_name(con, "daily", mart), table_name(con, "rebuilt", mart)
        rows, only_daily, only_rebuilt = con.execute(
            f"select (select count(*) from {left}), "
            f"(select count(*) from (select * from {left} except all select * from {right})), "
            f"(select count(*) from (select * from {right} except all select * from {left}))"
        ).fetchone()
        tables[mart] = {"rows": rows, "only_daily": only_daily, "only_full_refresh": only_rebuilt,
                        "identical": only_daily == 0 and only_rebuilt == 0}
    con.close()
    return {"identical": all(t["identical"] for t in tables.values()), "tables": tables}
