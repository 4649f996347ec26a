#!/usr/bin/env python3
"""`make bench-api`: the read-only API under load while the project rebuilds.

The parts live in scripts/rfm_bench/api_load.py (its docstring describes the steps)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rfm_bench.api_load import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
