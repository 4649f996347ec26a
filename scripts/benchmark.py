#!/usr/bin/env python3
"""`make bench`: the benchmark of the core build beside its baselines.

The parts live in scripts/rfm_bench/ (its package docstring describes the steps);
this file is the entry point, also of the measured child steps (`--step`).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rfm_bench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
