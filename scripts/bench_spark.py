#!/usr/bin/env python3
"""`make bench-spark`: the core build on Spark local mode beside DuckDB (scripts/rfm_bench/spark_scale.py)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rfm_bench.spark_scale import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
