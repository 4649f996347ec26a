"""`make bench`: the command line."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __doc__ as DESCRIPTION
from .baselines import STEPS
from .report import print_report, write_results
from .run import machine_info, run_size
from .settings import VERIFY_BY_DEFAULT_UP_TO, add_size_arguments, checked_work_dir


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--step"]:  # a measured child: one step, its report as the last line of stdout
        spec = json.loads(Path(argv[2]).read_text())
        print(json.dumps(STEPS[argv[1]](spec)), flush=True)
        return 0

    parser = argparse.ArgumentParser(description=DESCRIPTION.split("\n\n")[0])
    add_size_arguments(parser, [10_000_000])
    parser.add_argument("--verify", action=argparse.BooleanOptionalAction, default=None,
                        help="rebuild with --full-refresh after the daily run and compare the core marts "
                             f"(default: on up to {VERIFY_BY_DEFAULT_UP_TO:,} orders)")
    parser.add_argument("--skip", action="append", default=[], choices=["floor", "pandas", "daily"],
                        help="leave a step out (repeatable)")
    parser.add_argument("--force-pandas", action="store_true",
                        help="run pandas even when it looks larger than the memory available")
    args = parser.parse_args(argv)
    work = checked_work_dir(parser, args)
    machine = machine_info()
    failures = []
    for orders in args.orders:
        verify = args.verify if args.verify is not None else orders <= VERIFY_BY_DEFAULT_UP_TO
        result = run_size(orders, work, verify, set(args.skip), args.force_pandas, machine)
        path = write_results(result, work)
        print_report(result)
        print(f"\nresults: {path} and {work / 'results.md'}")
        if result["verify"] is not None and not result["verify"]["identical"]:
            failures.append(f"{orders:,} orders: the daily run differs from a --full-refresh build")
    for failure in failures:
        print(f"benchmark: {failure}", file=sys.stderr)
    return 1 if failures else 0
