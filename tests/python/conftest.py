"""Shared pytest set-up: the project root on sys.path for the oracle and harness,
and a summary of the generated cases at the end of the run."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbt_harness import RUN_STATS  # noqa: E402  (filled by the tests, printed below)


def pytest_terminal_summary(terminalreporter):
    if not RUN_STATS:
        return
    terminalreporter.section("rfm_lifecycle generated cases")
    for key in sorted(RUN_STATS):
        value = RUN_STATS[key]
        terminalreporter.write_line(f"{key}: {value:.1f}" if isinstance(value, float) else f"{key}: {value}")
