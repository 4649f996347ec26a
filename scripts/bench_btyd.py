#!/usr/bin/env python3
"""How good is return_probability? `make bench-btyd` (docs/return_probability.md).

Simulates customers from a known BG/NBD process (scripts/generate_orders.py --process btyd),
and optionally takes the demo orders too; per data set cuts the orders at the split date,
builds the project as of it (customer_segments and its parents), fits a textbook BG/NBD on
the same calibration period (scripts/rfm_bench/bgnbd.py, numpy) and scores the SQL return
curves, BG/NBD and (simulated data) the truth on the horizon after the split date.
Writes target/bench/btyd.md and target/bench/btyd.json.

--lifetimes-python PATH cross-checks the numpy fit with lifetimes' BetaGeoFitter in another
interpreter (lifetimes is not a project dependency; see the docs for a venv that has it).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rfm_bench import bgnbd, btyd  # noqa: E402
from rfm_bench.btyd_report import section  # noqa: E402
from rfm_generate.btyd import BTYD_DEFAULTS  # noqa: E402
LIFETIMES_SNIPPET = """
import json, sys, numpy as np, lifetimes
from lifetimes import BetaGeoFitter
d = np.load(sys.argv[1])
f = BetaGeoFitter().fit(d["x"], d["t_x"], d["T"])
e = np.asarray(f.conditional_expected_number_of_purchases_up_to_time(float(sys.argv[2]), d["x"], d["t_x"], d["T"]))
print(json.dumps({**{k: float(v) for k, v in f.params_.items()}, "version": lifetimes.__version__,
                  "expected": e.tolist()}))
"""


def lifetimes_check(python: str, work: Path, as_of: dt.date, horizon: int, params: dict) -> dict:
    summary = btyd.calibration_summary(work / "calibration.csv", as_of)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "summary.npz"
        np.savez(path, x=summary["x"], t_x=summary["t_x"], T=summary["T"])
        out = subprocess.run([python, "-c", LIFETIMES_SNIPPET, str(path), str(horizon)],
                             check=True, capture_output=True, text=True, timeout=1800)
    fitted = json.loads(out.stdout.strip().splitlines()[-1])
    ours = bgnbd.predict(params, summary["x"], summary["t_x"], summary["T"], horizon)["expected_orders"]
    fitted["max_abs_diff_expected"] = float(np.max(np.abs(np.array(fitted.pop("expected")) - ours)))
    return fitted


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=int, default=60_000, help="simulated orders (default 60000)")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 10, 2),
                   help="split date (default 2025-10-02: the last 90 days of the 2023-2025 data are the holdout)")
    p.add_argument("--horizon", type=int, default=90)
    p.add_argument("--demo", type=Path, default=btyd.PROJECT / "data" / "demo" / "orders.csv",
                   help="also score the demo orders (default data/demo/orders.csv; skipped when absent)")
    p.add_argument("--no-demo", action="store_true")
    p.add_argument("--lifetimes-python", default=None, help="a python with lifetimes installed")
    p.add_argument("--work-dir", type=Path, default=btyd.PROJECT / "target" / "bench")
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    work = args.work_dir / "btyd"
    results = {}
    orders, truth = btyd.simulate(work / "simulated", args.orders, args.seed, args.as_of)
    title = f"Simulated BG/NBD customers ({args.orders} orders, seed {args.seed})"
    results[title] = btyd.compare(orders, truth, args.as_of, args.horizon, work / "simulated" / "run")
    results[title]["simulated_params"] = BTYD_DEFAULTS
    if not args.no_demo and args.demo.exists():
        results["Demo orders (data/demo/orders.csv)"] = btyd.compare(
            args.demo, None, args.as_of, args.horizon, work / "demo" / "run")
    if args.lifetimes_python:
        for name, sub in zip(results, ["simulated", "demo"]):
            results[name]["lifetimes"] = lifetimes_check(
                args.lifetimes_python, work / sub / "run", args.as_of, args.horizon, results[name]["bgnbd_params"])

    markdown = ["# Return probability vs BG/NBD vs the truth (`make bench-btyd`)", "",
                f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {time.perf_counter() - t0:.0f} s.", ""]
    markdown += [section(name, result) for name, result in results.items()]
    args.work_dir.mkdir(parents=True, exist_ok=True)
    (args.work_dir / "btyd.md").write_text("\n".join(markdown))
    (args.work_dir / "btyd.json").write_text(json.dumps(results, indent=2))
    print("\n".join(markdown))
    print(f"bench_btyd: wrote {args.work_dir / 'btyd.md'} and btyd.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
