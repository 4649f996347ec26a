"""Vars are input too: every var that reaches SQL is validated at compile time.

Each case sets one var to a hostile value and compiles a model of the var's
area (macros/configuration/rfm_settings.sql: one settings macro per area, and
the input vars through rfm_input_relation / rfm_input_columns). The compile
must fail before any SQL runs, with one message that names the var. A broken
var stops only the models of its area: the rest of the project still builds.
A static check keeps raw var() calls out of the SQL and YAML.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from dbt_harness import GUARD_OFF, PROJECT_DIR, RUN_STATS, DbtHarness

FILE = str(PROJECT_DIR / "tests" / "python" / "fixtures" / "hostile" / "orders_hostile.csv")
SQL_INJECTION = "'; drop table customer_segments; --"

CASES = [
    # (var, hostile value, name the message must carry)
    ("as_of_date", "2024-01-01" + SQL_INJECTION, "as_of_date"),
    # dbt renders a string var as Jinja before any project code sees it (docs/testing.md); what it
    # renders to is still validated
    ("as_of_date", "{{ '2024-01-01' ~ \"' or 1=1\" }}", "as_of_date"),
    ("as_of_date", "2024-02-30", "as_of_date"),
    ("as_of_date", "tomorrow", "as_of_date"),
    ("min_order_date", "1990-01-01' or '1'='1", "min_order_date"),
    ("max_order_date", "now()", "max_order_date"),
    ("max_order_date", "1980-01-01", "min_order_date"),  # before min_order_date: the pair is named
    ("lookback_days", "730; drop table customer_segments", "lookback_days"),
    ("lookback_days", -5, "lookback_days"),
    ("lookback_days", 7.5, "lookback_days"),
    ("monetary_measure", "revenue' or '1'='1", "monetary_measure"),
    ("score_buckets", "5 union select 1", "score_buckets"),
    ("score_buckets", 101, "score_buckets"),
    ("trailing_revenue_days", "365/*", "trailing_revenue_days"),
    ("loyal_min_orders", "auto; drop table x", "loyal_min_orders"),
    ("loyal_min_orders", 2, "loyal_min_orders"),
    ("new_customer_days", "90 or 1=1", "new_customer_days"),
    ("inactive_days_regular", ["180"], "inactive_days_regular"),
    ("inactive_days_loyal", True, "inactive_days_loyal"),
    ("lost_days", "365--", "lost_days"),
    ("lost_days", 30, "lost_days"),  # not above the other fixed day thresholds
    ("inactivity_mode", "cycle' --", "inactivity_mode"),
    ("cycle_multiplier", "2.0) or (1=1", "cycle_multiplier"),
    ("cycle_multiplier", "1e2", "cycle_multiplier"),
    ("cycle_min_days", {"x": 1}, "cycle_min_days"),
    ("auto_new_customer_percentile", "0.8; select 1", "auto_new_customer_percentile"),
    ("auto_inactive_percentile", "1.5", "auto_inactive_percentile"),
    ("auto_loyal_percentile", "0.8'", "auto_loyal_percentile"),
    ("auto_lost_percentile", "0.98 --", "auto_lost_percentile"),
    ("inactive_below_return_probability", "0.25 or 1=1", "inactive_below_return_probability"),
    ("inactive_below_return_probability", 0, "inactive_below_return_probability"),  # strictly above 0
    ("inactive_below_return_probability", 1, "inactive_below_return_probability"),  # strictly below 1
    ("inactive_below_return_probability", "0.0000001", "inactive_below_return_probability"),
    ("excluded_statuses", ["cancelled", "x')" + SQL_INJECTION], "excluded_statuses"),
    ("excluded_statuses", "cancelled", "excluded_statuses"),
    ("customer_id_case_sensitive", "true; drop table x", "customer_id_case_sensitive"),
    ("refund_statuses", ["retour", "x')" + SQL_INJECTION], "refund_statuses"),
    ("refund_statuses", ["retour", "cancelled"], "refund_statuses"),  # also excluded: a row cannot be both
    ("orders_time_zone", "UTC'" + SQL_INJECTION, "orders_time_zone"),
    ("orders_time_zone", ["UTC"], "orders_time_zone"),
    ("amount_grain", "order' --", "amount_grain"),
    ("amount_grain", "orders", "amount_grain"),
    ("orders_format", {"decimal_separator": "'; drop table x; --"}, "orders_format.decimal_separator"),
    ("orders_format", {"separator": ";"}, "orders_format"),
    ("orders_format", {"currency_mark": "€'; drop table x; --"}, "orders_format.currency_mark"),
    ("orders_format", "dutch", "orders_format"),
    ("customers_format", {"encoding": "ebcdic"}, "customers_format.encoding"),
    ("orders_path", "data/x.csv')" + SQL_INJECTION, "orders_path"),
    ("orders_path", "data/x.csv\n; drop", "orders_path"),
    ("customers_path", "data/c.csv' --", "customers_path"),
    ("orders_database", 'db"; drop table customer_segments; --', "orders_database"),
    ("orders_schema", "main.x", "orders_schema"),
    ("orders_table", "raw_orders" + SQL_INJECTION, "orders_table"),
    ("customers_table", "customers/*", "customers_table"),
    ("orders_columns", {"amount": 'amount"' + SQL_INJECTION}, "orders_columns.amount"),
    ("orders_columns", {"amount; drop table x": "amount"}, "orders_columns"),
    ("orders_columns", "order_id", "orders_columns"),
    ("customers_columns", {"customer_id": "id) --"}, "customers_columns.customer_id"),
]


# The node compiled for each var: one that reads the var's settings area. The input vars
# (paths, tables, column mappings, date range, statuses, id case) are read by staging.
STAGING = ["stg_orders", "stg_customers"]
AREA_NODES = {
    **{name: ["int_as_of_dates_resolved"] for name in
       ("as_of_date", "lookback_days", "monetary_measure", "score_buckets", "trailing_revenue_days")},
    **{name: ["int_lifecycle_thresholds_resolved"] for name in
       ("loyal_min_orders", "new_customer_days", "inactive_days_regular", "inactive_days_loyal", "lost_days",
        "inactivity_mode", "cycle_multiplier", "cycle_min_days", "auto_new_customer_percentile",
        "auto_inactive_percentile", "auto_loyal_percentile", "auto_lost_percentile",
        "auto_fallback_thresholds", "inactive_below_return_probability")},
    **{name: ["int_history_periods"] for name in
       ("history_period_grain", "history_periods", "repeat_curve_bucket_days", "repeat_curve_buckets",
        "repeat_curve_knee_drop")},
    "cohort_grain": ["int_customers_acquired"],
    **{name: ["int_return_gaps_counted", "int_customers_return_predicted"] for name in
       ("return_horizon_days", "return_curve_max_orders", "order_value_prior_orders")},
    **{name: ["int_customers_order_rhythm"] for name in ("order_rhythm_prior_orders", "order_rhythm_min_customers")},
    "calibration_shift_days": ["threshold_sensitivity"],
    "rfm_segment_scheme": ["int_segment_rules_validated"],
    "export_due_within_days": ["export_contacts"],
    "export_folder": ["export_contacts"],
    "export_csv_dialect": ["export_contacts"],
}
CASES += [
    ("history_periods", "24 union select 1", "history_periods"),
    ("history_period_grain", "quarter", "history_period_grain"),
    ("history_periods", 0, "history_periods"),
    ("repeat_curve_knee_drop", "1.5", "repeat_curve_knee_drop"),
    ("cohort_grain", "month' --", "cohort_grain"),
    ("return_horizon_days", "90 or 1=1", "return_horizon_days"),
    ("return_horizon_days", 0, "return_horizon_days"),
    ("return_curve_max_orders", "5; drop table x", "return_curve_max_orders"),
    ("order_value_prior_orders", -1, "order_value_prior_orders"),
    ("order_rhythm_prior_orders", "0.5 + 1", "order_rhythm_prior_orders"),
    ("order_rhythm_prior_orders", "0.125", "order_rhythm_prior_orders"),
    ("order_rhythm_min_customers", 0, "order_rhythm_min_customers"),
    ("calibration_shift_days", ["7", "x"], "calibration_shift_days"),
    ("rfm_segment_scheme", "classic_rf' --", "rfm_segment_scheme"),
    ("export_due_within_days", "7 or 1=1", "export_due_within_days"),
    ("export_folder", "out'; drop", "export_folder"),
    ("export_csv_dialect", "excel'; drop table x", "export_csv_dialect"),
    # --vars replaces the whole mapping, so a case gives every entry
    ("auto_fallback_thresholds", {"loyal_min_orders": 5, "new_customer_days": 90, "inactive_days_regular": 180,
                                  "inactive_days_loyal": 90, "lost_days": "365; drop table x"},
     "auto_fallback_thresholds.lost_days"),
    ("auto_fallback_thresholds", {"lost_days": 365}, "auto_fallback_thresholds.loyal_min_orders"),
    ("auto_fallback_thresholds", "365", "auto_fallback_thresholds"),
]


def nodes_reading(name: str) -> list[str]:
    return AREA_NODES.get(name, STAGING)


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    h = DbtHarness(tmp_path_factory.mktemp("vars"),
                   base_vars={"orders_path": FILE, "customers_path": FILE, "max_order_date": "2025-12-31", **GUARD_OFF})
    h.seed()  # the rule check of int_segment_rules_validated reads the rules seed
    every_node = sorted({node for nodes in AREA_NODES.values() for node in nodes} | set(STAGING))
    assert h.invoke(["compile", "--select", *every_node]).success, "the base vars must compile"
    return h


@pytest.mark.parametrize("name,value,named", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_hostile_var_stops_at_compile_time_naming_the_var(harness, name, value, named):
    result = harness.invoke(["compile", "--select", *nodes_reading(name)], {name: value})
    RUN_STATS["vars: hostile values tried"] += 1
    assert not result.success
    messages = [line.strip() for line in result.messages.splitlines() if "rfm_lifecycle: var '" in line]
    assert messages, f"no rfm_lifecycle var message:\n{result.messages}"
    assert all(f"var '{named}'" in m for m in messages), messages
    assert "Compilation Error" in result.messages
    # the compiled SQL never saw the value
    compiled = harness.target_dir / "compiled" / "rfm_lifecycle"
    for path in compiled.rglob("*.sql") if compiled.exists() else []:
        assert "drop table" not in path.read_text()


def test_a_broken_var_stops_only_the_models_that_read_it(harness):
    """A wrong calibration_shift_days (read by the calibration analysis only) leaves every model
    buildable: the project parses with it, customer_segments builds with all its parents, and only
    the analysis stops, naming the var. Likewise a wrong export or history var stops only its models."""
    broken = {"calibration_shift_days": ["seven"], "export_due_within_days": -1, "history_periods": 0}
    # use_manifest=False: dbt parses the project with the broken vars, as a command line run does
    # (cautious: the tests that also read marts outside the selection wait for a full build)
    built = harness.invoke(["build", "--select", "+customer_segments", "--indirect-selection", "cautious",
                            "--exclude-resource-type", "unit_test"], broken, use_manifest=False)
    assert built.success, built.messages
    assert harness.table("select count(*) as customers from customer_segments")[0]["customers"] > 0
    for name, nodes in (("calibration_shift_days", ["threshold_sensitivity"]),
                        ("export_due_within_days", ["export_contacts"]),
                        ("history_periods", ["int_history_periods"])):
        result = harness.invoke(["compile", "--select", *nodes], broken, use_manifest=False)
        assert not result.success, name
        messages = [line.strip() for line in result.messages.splitlines() if "rfm_lifecycle: var '" in line]
        assert messages and all(f"var '{name}'" in message for message in messages), result.messages


@pytest.mark.parametrize("value, days_back", [("yesterday", 1), (" Today ", 0)])
def test_as_of_date_today_and_yesterday_are_the_runs_day_in_utc(harness, value, days_back):
    """A daily schedule passes the same text every day (dbt keeps its partial parse); the day is
    fixed when the run starts, from run_started_at (UTC), never the machine's clock zone."""
    before = dt.datetime.now(dt.timezone.utc).date()
    result = harness.invoke(["compile", "--select", "int_as_of_dates_resolved"], {"as_of_date": value})
    after = dt.datetime.now(dt.timezone.utc).date()
    assert result.success, result.messages
    compiled = next((harness.target_dir / "compiled").rglob("int_as_of_dates_resolved.sql")).read_text()
    days = {(day - dt.timedelta(days=days_back)).isoformat() for day in (before, after)}
    assert any(day in compiled for day in days), compiled


RAW_VAR_ALLOWED = {
    # rendered into the source definition; rfm_input_relation validates these vars before using it
    "models/staging/_rfm_lifecycle__sources.yml",
    # the *_columns mappings: checked there key by key, each value through rfm_identifier_var
    "macros/sources/input_relations.sql",
}


def test_no_raw_var_reaches_sql_outside_the_validators():
    offenders = []
    for folder in ("models", "tests", "analyses", "macros"):
        for path in (PROJECT_DIR / folder).rglob("*"):
            if path.suffix not in (".sql", ".yml") or "python" in path.parts:
                continue
            relative = path.relative_to(PROJECT_DIR).as_posix()
            if relative.startswith("macros/configuration/") or relative in RAW_VAR_ALLOWED:
                continue
            if re.search(r"\bvar\(", path.read_text()):
                offenders.append(relative)
    assert not offenders, f"raw var() outside macros/configuration: {offenders}"
