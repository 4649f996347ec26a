"""The RFM segment rules are checked before use: broken seeds stop the build
with a clear message, valid ones (also percentile scales) build."""
from __future__ import annotations

import csv
import re

import pytest

from dbt_sandbox import ROOT, Sandbox

RULE_MODELS = [
    "build", "--select", "rfm_segment_rules", "int_segment_rules_validated", "int_rfm_segments_defined",
    "int_segment_cells_assigned", "--indirect-selection", "cautious",
]
FIELDS = ["scheme", "segment", "segment_code", "segment_order", "priority", "score_scale",
          "r_min", "r_max", "f_min", "f_max", "m_min", "m_max",
          "phase", "goal", "action", "channel", "trigger"]


def rule(scheme, segment, priority, r=(None, None), f=(None, None), m=(None, None), scale=5, order=1,
         code=None, goal="A goal"):
    return {
        "scheme": scheme, "segment": segment, "segment_code": code or segment.lower().replace(" ", "_"),
        "segment_order": order, "priority": priority, "score_scale": scale,
        "r_min": r[0], "r_max": r[1], "f_min": f[0], "f_max": f[1], "m_min": m[0], "m_max": m[1],
        "phase": "development", "goal": goal, "action": "An action", "channel": "email", "trigger": "A trigger",
    }


def shipped_rules() -> list[dict]:
    with (ROOT / "seeds" / "rfm_segment_rules.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def write_rules(sandbox: Sandbox, rows: list[dict]) -> None:
    with sandbox.rules_seed.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: "" if value is None else value for key, value in row.items()})


def error_lines(result) -> list[str]:
    """The problem lines of the rule check's message."""
    return [line.strip()[2:] for line in result.stdout.splitlines() if line.strip().startswith("- scheme")
            or line.strip().startswith("- var")]


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox()
    try:
        box.generate_orders("--orders", "4000", "--seed", "3")
        yield box
    finally:
        box.remove()


def test_broken_rules_stop_the_build_before_any_segment_is_used(sandbox):
    shipped = shipped_rules()
    gappy = [dict(row, scheme="gappy") for row in shipped if row["scheme"] == "classic_rf" and row["segment"] != "Lost"]
    broken = shipped + gappy + [
        # Two rules with one priority that share the cells R3 x any F x any M.
        rule("clash", "Upper", 1, r=(3, None)),
        rule("clash", "Lower", 1, r=(None, 3), order=2),
        # Covered everywhere by priority 1, yet Early and Later overlap at priority 2: still an error.
        rule("shadowed", "Everyone", 1),
        rule("shadowed", "Early", 2, r=(4, None), order=2),
        rule("shadowed", "Later", 2, r=(5, None), order=3),
        # Overlapping rules with different priorities: valid, priority decides.
        rule("ordered", "Recent", 1, r=(4, None)),
        rule("ordered", "Rest", 2, order=2),
    ]
    write_rules(sandbox, broken)
    result = sandbox.dbt("build", check=False)
    assert result.returncode != 0
    assert "Compilation Error in model int_segment_rules_validated" in result.stdout
    assert error_lines(result) == [
        "scheme 'clash': 25 cells match two rules with priority 1 ('Lower' and 'Upper'), the first is R3 F1 M1."
        " Rules that share a priority must not overlap: narrow one, or give the one that should win a lower"
        " priority number.",
        "scheme 'gappy': 10 of 125 cells match no rule (a gap), the first is R1 F1 M1."
        " Add a rule that covers them or widen one.",
        "scheme 'shadowed': 25 cells match two rules with priority 2 ('Early' and 'Later'), the first is R5 F1 M1."
        " Rules that share a priority must not overlap: narrow one, or give the one that should win a lower"
        " priority number.",
    ]
    assert "docs/segment_schemes.md" in result.stdout
    # The seed loaded and passed its own tests; nothing that uses the rules was built.
    assert re.search(r"OK loaded seed file main\.rfm_segment_rules", result.stdout)
    assert re.search(r"SKIP relation main\.customer_segments", result.stdout)
    tables = {name for (name,) in sandbox.query("select table_name from information_schema.tables")}
    assert "rfm_segment_rules" in tables
    assert "customer_segments" not in tables and "int_segment_cells_assigned" not in tables


def test_malformed_rules_are_all_listed(sandbox):
    shipped = shipped_rules()
    write_rules(sandbox, shipped + [
        rule("bad", "Upside down", 1, r=(4, 2)),
        rule("bad", "Too high", 1, m=(2, 6), order=2),
        rule("bad", "Split", 2, r=(1, 2), order=3, goal="One goal"),
        rule("bad", "Split", 2, r=(3, 5), order=3, goal="Another goal"),
        rule("bad", "Badly coded", 3, code="Bad Code", order=4),
        rule("bad", "Ten scale", 4, scale=10, order=5),
        rule("lifecycle", "Reserved", 1),
    ])
    result = sandbox.dbt(*RULE_MODELS, dbt_vars={"rfm_segment_scheme": "nope"}, check=False)
    assert result.returncode != 0
    message = result.stdout
    for expected in [
        "scheme 'bad', segment 'Upside down' (priority 1): r_min 4 is above r_max 2, so the rule matches nothing.",
        "scheme 'bad', segment 'Too high' (priority 1): m_max 6 is outside 1..5 (score_scale)",
        "scheme 'bad', segment 'Split' (priority 2): the rules of segment_code 'split' disagree on segment,"
        " segment_order or the action path",
        "scheme 'bad', segment 'Badly coded' (priority 3): segment_code 'Bad Code' must be a code",
        "scheme 'bad', segment 'Ten scale' (priority 4): score_scale 10 differs from 5",
        "scheme 'lifecycle', segment 'Reserved' (priority 1): 'lifecycle' is reserved",
        "var 'rfm_segment_scheme' is 'nope', but the seed has no rules for it; schemes found: bad, classic_rf,"
        " lifecycle, value.",
    ]:
        assert expected in message, expected
    # Malformed rows are reported before (and instead of) the cell check.
    assert "(a gap)" not in message


def test_priority_decides_and_percentile_rules_are_checked_on_the_cells_in_force(sandbox):
    shipped = shipped_rules()
    write_rules(sandbox, shipped + [
        rule("ordered", "Recent", 1, r=(4, None)),
        rule("ordered", "Rest", 2, order=2),
        # Written for percentiles, with a hole at R 50.
        rule("percentile", "Low", 1, r=(1, 49), scale=100),
        rule("percentile", "High", 1, r=(51, 100), scale=100, order=2),
    ])
    sandbox.dbt(*RULE_MODELS)
    cells = dict(((scheme, r), segment) for scheme, r, segment in sandbox.query(
        "select distinct rfm_scheme, r_score, rfm_segment from int_segment_cells_assigned"
        " where rfm_scheme in ('ordered', 'percentile')"))
    assert cells == {
        ("ordered", 5): "Recent", ("ordered", 4): "Recent",
        ("ordered", 3): "Rest", ("ordered", 2): "Rest", ("ordered", 1): "Rest",
        # At 5 buckets the scores read as percentiles 20, 40, 60, 80 and 100: the hole is never hit.
        ("percentile", 1): "Low", ("percentile", 2): "Low",
        ("percentile", 3): "High", ("percentile", 4): "High", ("percentile", 5): "High",
    }
    counts = dict(sandbox.query("select rfm_scheme, count(*) from int_segment_cells_assigned group by 1"))
    assert counts == {"classic_rf": 125, "value": 125, "ordered": 125, "percentile": 125}

    # At 100 buckets every one of the 1,000,000 cells is checked, and R 50 is a gap.
    result = sandbox.dbt(*RULE_MODELS, dbt_vars={"score_buckets": 100}, check=False)
    assert result.returncode != 0
    assert error_lines(result) == [
        "scheme 'percentile': 10000 of 1000000 cells match no rule (a gap), the first is R50 F1 M1."
        " Add a rule that covers them or widen one.",
    ]


def test_shipped_schemes_with_percentile_scores(sandbox):
    sandbox.rules_seed.write_bytes((ROOT / "seeds" / "rfm_segment_rules.csv").read_bytes())
    # The whole project, with every data test, on 1-100 scores.
    sandbox.dbt("build", dbt_vars={"score_buckets": 100})
    counts = dict(sandbox.query("select rfm_scheme, count(*) from int_segment_cells_assigned group by 1"))
    assert counts == {"classic_rf": 1_000_000, "value": 1_000_000}
    segment_of = dict(((scheme, r, f, m), segment) for scheme, r, f, m, segment in sandbox.query(
        "select rfm_scheme, r_score, f_score, m_score, rfm_segment from int_segment_cells_assigned"
        " where (r_score, f_score, m_score) in ((81, 81, 1), (80, 81, 1), (61, 61, 61), (60, 61, 61), (1, 1, 100))"))
    # A 5-scale rule step covers 20 percentiles: 81-100 read as 5, 61-80 as 4, 41-60 as 3.
    assert segment_of[("classic_rf", 81, 81, 1)] == "Champions"
    assert segment_of[("classic_rf", 80, 81, 1)] == "Loyal"
    assert segment_of[("value", 61, 61, 61)] == "Premium"
    assert segment_of[("value", 60, 61, 61)] == "Repeat"
    assert segment_of[("value", 1, 1, 100)] == "Inactive"
    unsegmented, scored = sandbox.query(
        "select count(*) filter (where rfm_segment is null), count(*) from customer_segments"
        " where r_score is not null")[0]
    assert unsegmented == 0 and scored > 500
    assert sandbox.query("select max(r_score), max(f_score), max(m_score) from customer_segments")[0][0] > 5
