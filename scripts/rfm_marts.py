"""The tables the project builds for users, named once: the benchmark builds and
compares the core ones, the engine tests compare all of them on every engine.

tests/python/test_engines.py checks that MARTS names every model in
models/marts and models/exports, so a new mart cannot be left out.
"""

from __future__ import annotations

# The core marts (issue 5): what a daily run needs; `+` on each selects every parent.
CORE_MARTS = [
    "customer_segments",
    "segment_summary",
    "rf_matrix",
    "rfm_score_ranges",
    "lifecycle_thresholds",
    "orders_accounting",
    "orders_rejected",
]

# Every mart and export table (export_files writes files only on DuckDB and only
# with export_folder set; the table itself is portable).
MARTS = [
    *CORE_MARTS,
    "segment_history",
    "segment_transitions",
    "segment_trends",
    "segment_changes",
    "repeat_purchase_curve",
    "customer_cohorts",
    "new_customer_repeat_shares",
    "lifecycle_phases",
    "return_curves",
    "lifecycle_backtest",
    "return_probability_calibration",
    "export_contacts",
    "export_files",
    # The semantic layer's time spine (docs/semantic_layer.md): equal days on every engine.
    "calendar_days",
]

# Tables about the run itself rather than the customers: how the inputs were read
# (input_formats names the file on DuckDB and the table elsewhere), so they are not
# compared across engines.
RUN_REPORTS = [
    "input_formats",
]
