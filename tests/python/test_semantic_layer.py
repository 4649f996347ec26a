"""The dbt semantic layer (models/marts/_semantic_layer.yml): MetricFlow validates it against the
demo build, and its metrics give the numbers read straight from the marts."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from dbt_sandbox import Sandbox
from project_support import query

MF = str(Path(sys.executable).with_name("mf"))


def mf(args: list[str], box: Sandbox) -> str:
    """mf reads <project>/target/semantic_manifest.json, whose relations name the database: so it
    runs in a copy of the project whose manifest `dbt parse` wrote for that copy's database."""
    environment = {
        **os.environ,
        "DBT_PROFILES_DIR": str(box.path),
        "DBT_PROJECT_DIR": str(box.path),
        "RFM_DUCKDB_PATH": str(box.database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    result = subprocess.run([MF, *args], cwd=box.path, env=environment, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def mf_rows(args: list[str], box: Sandbox) -> list[dict]:
    out = box.path / "result.csv"
    mf(["query", *args, "--csv", str(out)], box)
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def cents(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01")) if text else Decimal("0.00")


@pytest.fixture(scope="module")
def box(demo_database):
    sandbox = Sandbox()
    try:
        shutil.copy2(demo_database, sandbox.database)
        sandbox.dbt("parse")
        yield sandbox
    finally:
        sandbox.remove()


def test_metricflow_validates_every_model_metric_and_saved_query(box):
    output = mf(["validate-configs"], box)
    assert output.count("ERRORS: 0, FUTURE_ERRORS: 0") >= 6, output[-3000:]


def test_lifecycle_overview_equals_customer_segments(box):
    rows = mf_rows(["--saved-query", "lifecycle_overview"], box)
    metrics = {row["customer__lifecycle_segment"]: row for row in rows}
    expected = query(box.database, """
        select lifecycle_segment, count(*), sum(trailing_revenue), avg(recency_days),
               sum(case when lifetime_orders >= 2 then 1 else 0 end) / count(*)
        from customer_segments group by lifecycle_segment""")
    assert sorted(metrics) == sorted(segment for segment, *_ in expected)
    for segment, customers, trailing_revenue, recency, repeat_share in expected:
        got = metrics[segment]
        assert int(got["customers"]) == customers, segment
        assert cents(got["trailing_revenue"]) == trailing_revenue, segment
        assert (got["average_recency_days"] == "") == (recency is None), segment
        if recency is not None:
            assert abs(float(got["average_recency_days"]) - float(recency)) < 1e-9, segment
        assert abs(float(got["repeat_customer_share"]) - float(repeat_share)) < 1e-9, segment


def test_money_metrics_equal_the_lifecycle_rows_of_segment_summary(box):
    rows = mf_rows(["--metrics", "revenue_at_risk,upgrade_potential", "--group-by", "segment__segment_code"],
                   box)
    expected = {code: (risk, potential) for code, risk, potential in query(box.database, """
        select segment_code, revenue_at_risk, upgrade_potential
        from segment_summary where segment_scheme = 'lifecycle'""")}
    got = {row["segment__segment_code"]: (cents(row["revenue_at_risk"]), cents(row["upgrade_potential"]))
           for row in rows}
    assert got == expected
    totals = mf_rows(["--metrics", "customers,revenue,revenue_at_risk"], box)
    ((customers, revenue),) = query(box.database, "select count(*), sum(lifetime_revenue) from customer_segments")
    assert int(totals[0]["customers"]) == customers and cents(totals[0]["revenue"]) == revenue
    assert cents(totals[0]["revenue_at_risk"]) == sum(risk for risk, _ in expected.values())
