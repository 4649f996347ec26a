"""The API under load while the project rebuilds (`make bench-api`, part of `make bench`).

What a CRM integration does on the morning of a daily run: many clients read the
API while `dbt build` rewrites the database. Steps:

  1. build    `dbt build` of the demo into a fresh DuckDB file under the work
              folder (this publishes the first snapshot);
  2. serve    `python -m api` on a free loopback port, reading that project;
  3. rebuild  `dbt build` again and again, back to back, with a new as-of date
              each time, so new snapshots are published while the clients read;
  4. load     CLIENTS concurrent clients for SECONDS: customer lookups (most
              requests), pages of a segment's customers and the segment summary.

Reported per endpoint: requests served, errors (any status but 200, or no
answer), p50 / p95 / p99 / max latency in ms; and the runs that answered (the
X-RFM-Run-Id header), so the table shows the switch from one published build to
the next happening under load. Results: <work>/api_load.json and a section
appended to <work>/results.md. A measurement, never an assertion: the exit
status is 1 only when a request failed, because a failed request is a bug, not
a slow machine.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx

from .loopback_client import LoopbackClient, ProtocolError
from .settings import DBT, PROJECT

CLIENTS = 16
SECONDS = 90.0  # long enough for a rebuild to be published during the load (Makefile)
# The mix a CRM sync sends: mostly single lookups, some paging, now and then the summary.
MIX = (("customer", 0.8), ("segment_page", 0.15), ("summary", 0.05))
LIFECYCLE_SEGMENTS = ("new", "one_time", "regular", "loyal", "inactive", "lost")
CUSTOMER_P95_TARGET_MS = 50.0
REQUEST_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def project_environment(database: Path, token: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT),
        "DBT_PROJECT_DIR": str(PROJECT),
        "RFM_DUCKDB_PATH": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "RFM_API_TOKEN": token,
        "API_HOST": "127.0.0.1",
        "API_PORT": str(port),
    }


def dbt_build(environment: dict[str, str], as_of_date: dt.date | None, log: Path) -> subprocess.Popen:
    dbt_vars = ["--vars", json.dumps({"as_of_date": as_of_date.isoformat()})] if as_of_date else []
    with log.open("a") as handle:
        return subprocess.Popen([str(DBT), "build", "--quiet", *dbt_vars],
                                cwd=PROJECT, env=environment, stdout=handle, stderr=subprocess.STDOUT)


def published_customers(database: Path) -> tuple[list[str], dt.date]:
    """Customer ids to look up and the as-of date, read from the published snapshot."""
    pointer = json.loads((database.parent / f"{database.name}.published" / "current.json").read_text())
    snapshot = database.parent / f"{database.name}.published" / pointer["snapshot"]
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        rows = connection.execute("select customer_id from main.customer_segments order by customer_id").fetchall()
        (as_of_date,) = connection.execute("select max(as_of_date) from main.customer_segments").fetchone()
    return [row[0] for row in rows], as_of_date


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU of a running process (Linux /proc), to split the machine's CPU by part."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds spent on every core, idle and I/O wait excepted, since boot."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def wait_until_healthy(base_url: str, process: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API exited with status {process.returncode} before answering")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the API at {base_url} did not answer within {timeout_s:.0f} s")


def pick_request(generator: random.Random, customer_ids: list[str]) -> tuple[str, str, dict]:
    kind = generator.choices([name for name, _ in MIX], weights=[weight for _, weight in MIX])[0]
    if kind == "customer":
        return kind, f"/customers/{generator.choice(customer_ids)}", {}
    if kind == "segment_page":
        return kind, f"/segments/{generator.choice(LIFECYCLE_SEGMENTS)}/customers", {"limit": 100}
    return kind, "/segments/summary", {}


async def client(base_url: str, token: str, customer_ids: list[str], seed: int, stop_at: float,
                 samples: list[tuple[str, float, int, str]]) -> None:
    generator = random.Random(seed)
    host, port = base_url.rsplit("//", 1)[1].rsplit(":", 1)
    async with LoopbackClient(host, int(port), {"Authorization": f"Bearer {token}"}) as session:
        while time.monotonic() < stop_at:
            kind, path, params = pick_request(generator, customer_ids)
            started = time.perf_counter()
            try:
                status, headers, _ = await asyncio.wait_for(session.get(path, params), REQUEST_TIMEOUT_S)
                run_id = headers.get("x-rfm-run-id", "")
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ProtocolError) as error:
                status, run_id = 0, type(error).__name__
                await session.close()
            samples.append((kind, (time.perf_counter() - started) * 1000, status, run_id))


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-share * len(ordered) // 1)) - 1))]


def summarise(samples: list[tuple[str, float, int, str]], seconds: float) -> dict:
    endpoints = {}
    for kind in [name for name, _ in MIX] + ["all"]:
        chosen = [sample for sample in samples if kind in ("all", sample[0])]
        latencies = [sample[1] for sample in chosen]
        endpoints[kind] = {
            "requests": len(chosen),
            "errors": sum(1 for sample in chosen if sample[2] != 200),
            "p50_ms": round(percentile(latencies, 0.50), 1) if latencies else None,
            "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
            "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
            "max_ms": round(max(latencies), 1) if latencies else None,
            "per_second": round(len(chosen) / seconds, 1),
        }
    statuses: dict[str, int] = {}
    runs: dict[str, int] = {}
    for _, _, status, run_id in samples:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        runs[run_id] = runs.get(run_id, 0) + 1
    return {"endpoints": endpoints, "statuses": statuses, "runs_answering": runs}


def run(work: Path, clients: int, seconds: float) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    database = work / "api_load.duckdb"
    for stale in work.glob("api_load.duckdb*"):
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    token = secrets.token_urlsafe(32)
    port = free_port()
    environment = project_environment(database, token, port)
    log = work / "api_load_dbt.log"
    log.write_text("")

    print(f"api load: first build into {database}", flush=True)
    if dbt_build(environment, None, log).wait() != 0:
        raise RuntimeError(f"the first dbt build failed (log: {log})")
    customer_ids, as_of = published_customers(database)

    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "api"], cwd=PROJECT, env=environment,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rebuilds: list[dict] = []
    try:
        wait_until_healthy(base_url, server)
        samples: list[tuple[str, float, int, str]] = []
        load_before = os.getloadavg()
        cpu_before = (process_cpu_seconds(server.pid), time.process_time(), machine_busy_seconds())
        stop_at = time.monotonic() + seconds
        builder = dbt_build(environment, as_of + dt.timedelta(days=1), log)
        build_started = time.monotonic()

        async def load_and_rebuild() -> None:
            nonlocal builder, build_started
            tasks = [asyncio.create_task(client(base_url, token, customer_ids, seed, stop_at, samples))
                     for seed in range(clients)]
            day = 1
            while not all(task.done() for task in tasks):
                await asyncio.sleep(0.2)
                if builder.poll() is not None:
                    rebuilds.append({"as_of_date": (as_of + dt.timedelta(days=day)).isoformat(),
                                     "seconds": round(time.monotonic() - build_started, 1),
                                     "status": builder.returncode})
                    if time.monotonic() < stop_at:
                        day += 1
                        builder = dbt_build(environment, as_of + dt.timedelta(days=day), log)
                        build_started = time.monotonic()
            await asyncio.gather(*tasks)

        asyncio.run(load_and_rebuild())
        cpu_after = (process_cpu_seconds(server.pid), time.process_time(), machine_busy_seconds())
        still_building = builder.poll() is None
        builder.wait()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    result = {
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "clients": clients,
        "seconds": seconds,
        "customers": len(customer_ids),
        "rebuilds_finished_during_load": rebuilds,
        "rebuild_running_at_the_end": still_building,
        "load_average_before": [round(value, 2) for value in load_before],
        "cpu_ms_per_request": cpu_per_request(cpu_before, cpu_after, len(samples)),
        # The server inherits this setting (api/settings.py); 0 = every lookup reads its row.
        "cached_customers": os.environ.get("RFM_API_CACHED_CUSTOMERS") or "default",
        **summarise(samples, seconds),
    }
    return result


def cpu_per_request(before: tuple[float, float, float], after: tuple[float, float, float],
                    requests: int) -> dict:
    """The machine's CPU during the load, per request served: the API server, the load generator, and the
    rest (the rebuilds, mostly). On two cores a closed loop of clients is bounded by these sums."""
    server, generator, machine = (end - start for start, end in zip(before, after))
    per = 1000 / max(requests, 1)
    return {"server": round(server * per, 2), "load_generator": round(generator * per, 2),
            "rest": round(max(machine - server - generator, 0) * per, 2), "machine": round(machine * per, 2)}


def report(result: dict) -> str:
    lines = [
        f"## API under load during rebuilds ({result['measured_at']})",
        "",
        f"{result['clients']} clients for {result['seconds']:.0f} s on the demo "
        f"({result['customers']:,} customers), `dbt build` running back to back meanwhile; "
        f"RFM_API_CACHED_CUSTOMERS: {result['cached_customers']}.",
        "",
        "| endpoint | requests | per s | errors | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, figures in result["endpoints"].items():
        lines.append(f"| {name} | {figures['requests']:,} | {figures['per_second']} | {figures['errors']} | "
                     f"{figures['p50_ms']} | {figures['p95_ms']} | {figures['p99_ms']} | {figures['max_ms']} |")
    customer_p95 = result["endpoints"]["customer"]["p95_ms"]
    verdict = "met" if customer_p95 is not None and customer_p95 < CUSTOMER_P95_TARGET_MS else "missed"
    rebuilds = result["rebuilds_finished_during_load"]
    finished = ", ".join(f"{build['as_of_date']} in {build['seconds']} s, status {build['status']}"
                         for build in rebuilds)
    lines += [
        "",
        f"Customer lookup p95 target < {CUSTOMER_P95_TARGET_MS:.0f} ms: **{verdict}**. "
        f"Statuses: {result['statuses']}.",
        f"Rebuilds finished during the load: {len(rebuilds)} "
        f"({finished}); "
        f"one still running at the end: {result['rebuild_running_at_the_end']}.",
        f"Runs that answered (X-RFM-Run-Id: requests): {result['runs_answering']}. "
        f"Load average before the load (1, 5, 15 min): {result['load_average_before']}.",
        "CPU ms per request served (API server, load generator, the rest: rebuilds mostly; machine): "
        f"{result['cpu_ms_per_request']}.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--work-dir", type=Path, default=PROJECT / "target" / "bench")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0:
        parser.error("--clients must be at least 1 and --seconds positive")
    work = args.work_dir.resolve()
    result = run(work, args.clients, args.seconds)
    (work / "api_load.json").write_text(json.dumps(result, indent=2) + "\n")
    text = report(result)
    with (work / "results.md").open("a") as handle:
        handle.write(text + "\n")
    print(text)
    errors = result["endpoints"]["all"]["errors"]
    if errors:
        print(f"api load: {errors} requests failed: {result['statuses']}", file=sys.stderr)
    return 1 if errors else 0
