"""Measured child processes: the dbt builds and the baseline steps."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from .settings import DBT, DBT_SELECTION, PROJECT, SETTINGS_QUERY

# The measured child runs one baseline step through the benchmark's entry point.
ENTRY_POINT = PROJECT / "scripts" / "benchmark.py"
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------
# Measuring a child process
# ---------------------------------------------------------------------------
class TreeSampler(threading.Thread):
    """Samples a child's process tree: the summed RSS at each moment and the CPU time of every process
    seen. ru_maxrss is one process's peak; dbt on Spark is two large ones (Python and the JVM it starts),
    and the JVM is not reaped by its parent, so neither its memory nor its CPU reach wait4."""

    def __init__(self, root: int, interval_s: float = 0.2):
        super().__init__(daemon=True)
        self.root, self.interval_s = root, interval_s
        self.peak_rss_bytes, self.peak_process_rss_bytes, self.cpu_ticks = 0, 0, {}
        self.stopping = threading.Event()

    def descendants(self) -> dict[int, int]:
        """{pid: parent pid} of the root and everything below it."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue  # ended while we looked
                children.setdefault(parent, []).append(int(entry.name))
        tree, pending = {self.root: 0}, [self.root]
        while pending:
            pid = pending.pop()
            for child in children.get(pid, []):
                tree[child] = pid
                pending.append(child)
        return tree

    def sample(self) -> None:
        processes = {}
        for pid, parent in self.descendants().items():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
            except (OSError, IndexError, ValueError):
                continue
            # utime + stime of the process itself, and its virtual size
            processes[pid] = (parent, int(fields[11]) + int(fields[12]), int(fields[20]), rss)
        total = 0
        for pid, (parent, ticks, virtual, rss) in processes.items():
            self.cpu_ticks[pid] = ticks
            self.peak_process_rss_bytes = max(self.peak_process_rss_bytes, rss)
            # A child with its parent's exact address-space size has not run a program of its own yet: a
            # fork, or the JVM spawning a shell command (it shares the JVM's memory until it execs). Its
            # RSS is the parent's pages counted again: summed, it once doubled a 12 GB JVM.
            if parent in processes and processes[parent][2] == virtual:
                continue
            total += rss
        self.peak_rss_bytes = max(self.peak_rss_bytes, total)

    def run(self) -> None:
        while not self.stopping.wait(self.interval_s):
            self.sample()

    def result(self) -> dict:
        return {"peak_tree_rss_mib": self.peak_rss_bytes / 2**20,
                "peak_process_rss_mib": self.peak_process_rss_bytes / 2**20,
                "tree_cpu_s": sum(self.cpu_ticks.values()) / CLOCK_TICKS,
                "tree_processes": len(self.cpu_ticks)}


def measure(command: list[str], log_path: Path, env: dict | None = None) -> dict:
    """Run a child, return its wall seconds, peak RSS (MiB) and exit code; output goes to log_path."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    with log_path.open("w") as log:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
        sampler = TreeSampler(child.pid)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        sampler.stopping.set()
        sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    # CPU seconds (user + system, the child and its reaped descendants) move less than wall
    # time when other work shares the machine; the load average says how much did.
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024,
            **sampler.result(),
            "returncode": child.returncode, "load_1m_before": load_before, "load_1m_after": os.getloadavg()[0],
            "log": str(log_path)}


def failed(what: str, measured: dict) -> None:
    tail = Path(measured["log"]).read_text(errors="replace").splitlines()[-40:]
    sys.exit(f"benchmark: {what} failed (exit {measured['returncode']}); log {measured['log']}:\n" + "\n".join(tail))


def run_python_step(name: str, spec: dict, log_path: Path) -> dict:
    spec_path = log_path.with_suffix(".spec.json")
    spec_path.write_text(json.dumps(spec, indent=2))
    measured = measure([sys.executable, str(ENTRY_POINT), "--step", name, str(spec_path)], log_path)
    if measured["returncode"] != 0:
        failed(name, measured)
    report = json.loads(Path(log_path).read_text().strip().splitlines()[-1])
    return {**measured, **report}


def dbt_env(database: Path | None) -> dict:
    return {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT),
        "DBT_PROJECT_DIR": str(PROJECT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        **({"RFM_DUCKDB_PATH": str(database)} if database is not None else {}),
    }


def dbt_vars(orders_path: str) -> str:
    """The same text for the full and the daily build, as a scheduler passes it every day: dbt keeps
    its partial parse, and as_of_date (not given) is the latest valid order date in the input."""
    # JSON is YAML: paths with any character arrive intact.
    return json.dumps({"orders_path": orders_path, "customers_path": None})


def run_dbt_build(label: str, database: Path | None, target_path: Path, variables: str, log_path: Path,
                  full_refresh: bool = False, selection: list[str] = DBT_SELECTION, target: str = "duckdb",
                  environment: dict | None = None) -> dict:
    """One measured `dbt build`; database is the DuckDB file (None on another target), environment
    adds to the process's own (e.g. the Spark target's settings)."""
    command = [str(DBT), "build", "--target", target, *selection, "--vars", variables,
               "--target-path", str(target_path), "--log-path", str(target_path / "logs"), "--no-use-colors"]
    if full_refresh:
        command.append("--full-refresh")
    measured = measure(command, log_path, {**dbt_env(database), **(environment or {})})
    if measured["returncode"] != 0:
        failed(label, measured)
    run_results = json.loads((target_path / "run_results.json").read_text())
    elapsed = float(run_results["elapsed_time"])
    nodes = []
    for result in run_results["results"]:
        phases = {t["name"]: t for t in result.get("timing", [])}

        def seconds(phase: str) -> float | None:
            if phase not in phases or not phases[phase].get("started_at"):
                return None
            start = dt.datetime.fromisoformat(phases[phase]["started_at"].replace("Z", "+00:00"))
            end = dt.datetime.fromisoformat(phases[phase]["completed_at"].replace("Z", "+00:00"))
            return (end - start).total_seconds()

        nodes.append({
            "node": result["unique_id"],
            "status": result["status"],
            "execution_s": result["execution_time"],
            "compile_s": seconds("compile"),
            "execute_s": seconds("execute"),
            "rows_affected": (result.get("adapter_response") or {}).get("rows_affected"),
        })
    nodes.sort(key=lambda n: -n["execution_s"])
    concurrency = re.search(r"Concurrency: (\d+) threads", Path(log_path).read_text())
    return {
        **measured,
        "work_s": elapsed,
        "startup_s": measured["wall_s"] - elapsed,
        "dbt_threads": int(concurrency.group(1)) if concurrency else None,
        "nodes": nodes,
    }


def run_dbt_noop(database: Path, target_path: Path, variables: str, log_path: Path) -> dict:
    """dbt's fixed cost without work: a fresh parse with the build's vars, a connection and one
    settings query (the DuckDB settings the profile gives, which the floor then uses)."""
    command = [str(DBT), "show", "--inline", SETTINGS_QUERY, "--output", "json", "--quiet", "--vars", variables,
               "--target-path", str(target_path), "--log-path", str(target_path / "logs"), "--no-use-colors"]
    measured = measure(command, log_path, dbt_env(database))
    if measured["returncode"] != 0:
        failed("dbt show (start-up)", measured)
    text = Path(log_path).read_text()
    settings = json.loads(text[text.index("{"):text.rindex("}") + 1])["show"][0]
    for leftover in (database, Path(str(database) + ".wal")):
        leftover.unlink(missing_ok=True)
    return {**measured, "settings": settings}
