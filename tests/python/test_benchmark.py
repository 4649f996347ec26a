"""scripts/benchmark.py (`make bench`): the machinery and the baselines' correctness.

Correctness only: nothing here asserts a speed or a memory figure (the benchmark
itself measures those). The end-to-end test runs the whole benchmark on a tiny
generated size; the others check the floor statement and the pandas version on
hand-made rows with known answers, the tie-safe scores against a literal NTILE,
and that the comparisons report a difference when there is one.
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

PROJECT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT / "scripts" / "benchmark.py"
TINY_ORDERS = 3000


sys.path.insert(0, str(PROJECT / "scripts"))
from rfm_bench import baselines, compare, report  # noqa: E402
from rfm_bench import settings as bench_settings  # noqa: E402


# ---------------------------------------------------------------------------
# End to end, on a tiny size
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--orders", str(TINY_ORDERS), "--work-dir", str(work), "--no-verify"],
        cwd=PROJECT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((work / f"results_{TINY_ORDERS}.json").read_text())
    return {"work": work, "stdout": proc.stdout, "result": result}


def test_every_step_is_measured(tiny_run):
    steps = tiny_run["result"]["steps"]
    assert set(steps) == {"startup", "full", "cohorts", "floor", "pandas", "daily", "fixed", "fixed_partial_parse"}
    for name, step in steps.items():
        assert step["returncode"] == 0, name
        assert isinstance(step["wall_s"], float) and isinstance(step["peak_rss_mib"], float), name
    sample = tiny_run["work"] / f"run_{TINY_ORDERS}" / f"sample_{bench_settings.FIXED_COST_ROWS}.parquet"
    assert duckdb.sql(f"select count(*) from read_parquet('{sample}')").fetchall() == [(bench_settings.FIXED_COST_ROWS,)]
    assert "model.rfm_lifecycle.customer_segments" in {node["node"] for node in tiny_run["result"]["dbt_models"]["fixed"]}
    for name in ("full", "daily", "fixed"):
        assert steps[name]["startup_s"] == pytest.approx(steps[name]["wall_s"] - steps[name]["work_s"])
    models = {node["node"] for node in tiny_run["result"]["dbt_models"]["full"]}
    assert {f"model.rfm_lifecycle.{mart}" for mart in bench_settings.CORE_MARTS} <= models
    assert not any(node.startswith(("test.", "unit_test.")) for node in models)
    # models only: both runs also list the on-run-end hooks (publishing, exports) as operations
    cohort_nodes = {node["node"] for node in tiny_run["result"]["dbt_models"]["cohorts"]
                    if node["node"].startswith("model.")}
    assert {f"model.rfm_lifecycle.{mart}" for mart in bench_settings.COHORT_MARTS} <= cohort_nodes
    assert not cohort_nodes & models, "the cohort step builds only what the core build did not"
    assert "seed.rfm_lifecycle.segment_action_paths" in models
    settings = tiny_run["result"]["duckdb_settings"]
    assert {"threads", "memory_limit"} <= set(settings)


def test_split_puts_every_row_in_one_file(tiny_run):
    data = tiny_run["result"]["data"]
    assert data["history_rows"] + data["last_day_rows"] == data["source_rows"]
    assert data["last_day_rows"] > 0
    last_day = dt.date.fromisoformat(data["last_day"])
    with duckdb.connect() as con:
        history_days = con.execute(
            "select count(*) filter (where try_cast(trim(order_date) as date) = ?),"
            " count(*) filter (where try_cast(trim(order_date) as date) is null)"
            " from read_parquet(?)", [last_day, data["history_path"]]).fetchone()
    assert history_days[0] == 0
    assert history_days[1] > 0  # the generator's unparseable dates stay in the history
    # The full build scores as of the latest valid order date before the last day (as_of_date not
    # given: the daily build then adds the last day with the same vars), as the floor finds it.
    as_of = tiny_run["result"]["agreement"]["as_of_date"]
    assert as_of == tiny_run["result"]["steps"]["floor"]["as_of_date"]
    assert dt.date.fromisoformat(as_of) < last_day


@pytest.mark.parametrize("baseline", ["floor", "pandas"])
def test_baselines_agree_with_customer_segments(tiny_run, baseline):
    agreement = tiny_run["result"]["agreement"][baseline]
    assert agreement["customers_compared"] > 100
    assert agreement["scored_in_customer_segments"] == agreement["customers_in_baseline"]
    assert agreement["agree_exactly"] == agreement["customers_compared"]
    assert agreement["share"] == 1.0
    assert agreement["examples"] == []


def test_table_json_and_markdown_are_written(tiny_run):
    stdout, result, work = tiny_run["stdout"], tiny_run["result"], tiny_run["work"]
    for text in ("wall s", "peak RSS MiB", "dbt / floor, without dbt start-up", "pandas / dbt", "fixed cost",
                 "daily / full (wall)", "slowest dbt models"):
        assert text in stdout
    assert set(result["ratios"]) == {key for key, _ in report.RATIO_LABELS}
    assert all(value is not None for value in result["ratios"].values())
    assert [t["applies"] for t in result["targets"]] == [False] * 3  # targets are for 10M / 50M
    assert all(t["result"] in ("pass", "fail") for t in result["targets"])
    assert result["verify"] is None
    markdown = (work / "results.md").read_text()
    assert f"## {TINY_ORDERS:,} orders" in markdown
    assert "| 1 dbt build, core marts (full) |" in markdown
    assert result["machine"]["cores"] >= 1 and result["machine"]["duckdb"]


# ---------------------------------------------------------------------------
# The baselines on rows with known answers
# ---------------------------------------------------------------------------
# order_id, customer_id, order_date, amount, status, margin, line_id
HAND_MADE_ROWS = [
    ("O1", "C1", "2025-01-10", "100.00", "completed", "30.00", "1"),
    ("O1", "C1", "2025-01-10", "100.00", "completed", "30.00", "1"),  # exact duplicate
    ("O1", " C1 ", "2025-01-12", "-20.00", "completed", "-6.00", "2"),  # refund line: O1 nets to 80
    ("O2", "C1", "2025-03-01 10:00:00", "50.00", "shipped", "10.00", "1"),
    ("R1", "C1", "2025-03-05", "-50.00", "completed", "-10.00", "1"),  # refund record, not an order
    ("O3", "C2", "2025-03-01", "40.00", "Cancelled ", "12.00", "1"),  # excluded: C2 has no order
    ("O4", "C3", "2023-01-01", "30.00", "completed", "9.00", "1"),  # outside the 730-day window
    ("O5", "C3", "2025-03-10", "25.00", "completed", "7.00", "1"),
    ("O6", "C4", "not a date", "10.00", "completed", "3.00", "1"),
    ("O7", "C4", "2025-02-01", "n/a", "completed", "3.00", "1"),
    ("O8", "   ", "2025-02-01", "10.00", "completed", "3.00", "1"),
    ("O9", "C5", "2025-02-02", "60.00", "completed", "20.00", "1"),  # one order id, two customers
    ("O9", "C6", "2025-02-02", "60.00", "completed", "20.00", "2"),
    ("O10", "C7", "2025-02-15", "10.00", "completed", "bad", "1"),  # unparseable margin
    ("O11", "C8", "2025-03-10", "80.00", "completed", "20.00", "1"),
]
# as of 2025-03-10 (the latest order); three scored customers, five buckets: the score is the tie
# group's first position + 1.
EXPECTED = {
    # customer: recency_days, frequency, monetary (cents), r, f, m
    "C1": (9, 2, 8000, 1, 3, 2),
    "C3": (0, 1, 2500, 2, 1, 1),
    "C8": (0, 1, 8000, 2, 1, 2),
}


@pytest.fixture()
def hand_made(tmp_path):
    path = tmp_path / "orders.parquet"
    with duckdb.connect() as con:
        con.execute("create table rows (order_id varchar, customer_id varchar, order_date varchar, amount varchar,"
                    " status varchar, margin varchar, line_id varchar)")
        con.executemany("insert into rows values (?, ?, ?, ?, ?, ?, ?)", HAND_MADE_ROWS)
        con.execute(f"copy rows to '{path}' (format parquet)")
    rules = {**bench_settings.project_rules(), "max_order_date": "2026-01-01"}
    settings = {"threads": 1, "memory_limit": "1GB", "temp_directory": str(tmp_path / "spill"),
                "preserve_insertion_order": False}
    return {"path": str(path), "rules": rules, "settings": settings, "tmp": tmp_path}


def test_floor_follows_the_rules(hand_made):
    database = hand_made["tmp"] / "floor.duckdb"
    report = baselines.step_floor({"orders_path": hand_made["path"], "rules": hand_made["rules"],
                                   "settings": hand_made["settings"], "database": str(database)})
    assert report["as_of_date"] == "2025-03-10" and report["customers"] == len(EXPECTED)
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute("select customer_id, recency_days, frequency, cast(monetary * 100 as bigint),"
                           " r_score, f_score, m_score from floor_scores").fetchall()
    assert {row[0]: tuple(row[1:]) for row in rows} == EXPECTED


def test_pandas_follows_the_rules(hand_made):
    result_path = hand_made["tmp"] / "pandas.parquet"
    report = baselines.step_pandas({"orders_path": hand_made["path"], "rules": hand_made["rules"],
                                    "settings": hand_made["settings"], "result_path": str(result_path)})
    assert report["as_of_date"] == "2025-03-10" and report["customers"] == len(EXPECTED)
    with duckdb.connect() as con:
        rows = con.execute("select customer_id, recency_days, frequency, monetary_cents, r_score, f_score,"
                           " m_score from read_parquet(?)", [str(result_path)]).fetchall()
    assert {row[0]: tuple(row[1:]) for row in rows} == EXPECTED


def literal_ntile_of_tie_group(values: list[int], buckets: int) -> list[int]:
    """NTILE over the sorted values, each value taking the bucket of the first row of its tie group."""
    ordered = sorted(values)
    per_bucket, remainder = divmod(len(values), buckets)
    bucket_of_row, row = [], 0
    for bucket in range(1, buckets + 1):
        size = per_bucket + (1 if bucket <= remainder else 0)
        bucket_of_row += [bucket] * size
        row += size
    first_row = {}
    for index, value in enumerate(ordered):
        first_row.setdefault(value, index)
    return [bucket_of_row[first_row[v]] for v in values]


@pytest.mark.parametrize("count", [1, 2, 4, 5, 6, 7, 11, 23, 50])
@pytest.mark.parametrize("buckets", [2, 5, 10])
def test_tie_safe_scores_match_ntile(count, buckets):
    import numpy as np
    import pandas as pd

    values = [(i * 7919) % max(1, count // 2) for i in range(count)]  # plenty of ties
    position = pd.Series(values).rank(method="min").to_numpy(dtype=np.int64) - 1
    scores = baselines.tie_safe_scores(position, count, buckets)
    assert list(scores) == literal_ntile_of_tie_group(values, buckets)


# ---------------------------------------------------------------------------
# The comparisons see a difference when there is one
# ---------------------------------------------------------------------------
def test_agreement_reports_differences(tmp_path):
    database = tmp_path / "bench.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create table customer_segments as select * from (values"
                    " ('a', 1, 2, 10.50, 5, 4, 3), ('b', 3, 1, 2.00, 1, 1, 1), ('p', null, 0, 0.00, null, null, null))"
                    " as t(customer_id, recency_days, frequency, monetary, r_score, f_score, m_score)")
        con.execute("create table floor_scores as select * from (values"
                    " ('a', 1, 2, 10.50, 5, 4, 3), ('b', 3, 1, 2.00, 1, 2, 1), ('c', 9, 1, 1.00, 1, 1, 1))"
                    " as t(customer_id, recency_days, frequency, monetary, r_score, f_score, m_score)")
    with duckdb.connect() as con:
        con.execute(f"attach '{database}' as bench (read_only)")
        segments = compare.table_name(con, "bench", "customer_segments")
        result = compare.agreement(con, segments, compare.table_name(con, "bench", "floor_scores"), False)
    assert result["customers_compared"] == 3  # a, b and c; the unscored p is left out
    assert result["agree_exactly"] == 1
    assert result["differing_by_column"]["f_score"] == 1
    assert [e["customer_id"] for e in result["examples"]] == ["b", "c"]


def test_compare_databases_reports_differences(tmp_path):
    settings = {"threads": 1, "memory_limit": "1GB", "preserve_insertion_order": False}
    paths = [tmp_path / "incremental.duckdb", tmp_path / "rebuilt.duckdb"]
    for index, path in enumerate(paths):
        with duckdb.connect(str(path)) as con:
            for mart in bench_settings.VERIFIED_MARTS:
                con.execute(f"create table {mart} as select * from (values (1, 'x'), (2, 'y')) as t(k, v)")
            if index == 1:
                con.execute("update orders_accounting set v = 'z' where k = 2")
    result = compare.compare_databases(paths[0], paths[1], settings)
    assert result["identical"] is False
    assert result["tables"]["orders_accounting"] == {
        "rows": 2, "only_daily": 1, "only_full_refresh": 1, "identical": False}
    assert result["tables"]["customer_segments"]["identical"] is True


# ---------------------------------------------------------------------------
# The API load benchmark (scripts/bench_api.py): its arithmetic and its report
# ---------------------------------------------------------------------------
def test_api_load_percentiles_are_nearest_rank():
    from rfm_bench.api_load import percentile

    values = [float(value) for value in range(1, 101)]
    assert [percentile(values, share) for share in (0.5, 0.95, 0.99, 1.0)] == [50.0, 95.0, 99.0, 100.0]
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0


def test_api_load_counts_every_failed_request_as_an_error_and_lists_the_runs():
    from rfm_bench.api_load import report, summarise

    samples = [("customer", 10.0, 200, "run_a"), ("customer", 30.0, 200, "run_b"),
               ("customer", 20.0, 503, "run_b"), ("segment_page", 40.0, 0, "ConnectError"),
               ("summary", 5.0, 200, "run_a")]
    result = summarise(samples, seconds=2.0)
    assert result["endpoints"]["customer"] == {"requests": 3, "errors": 1, "p50_ms": 20.0, "p95_ms": 30.0,
                                               "p99_ms": 30.0, "max_ms": 30.0, "per_second": 1.5}
    assert result["endpoints"]["all"]["requests"] == 5 and result["endpoints"]["all"]["errors"] == 2
    assert result["statuses"] == {"200": 3, "503": 1, "0": 1}
    assert result["runs_answering"] == {"run_a": 2, "run_b": 2, "ConnectError": 1}
    text = report({**result, "measured_at": "now", "clients": 16, "seconds": 2.0, "customers": 10,
                   "rebuilds_finished_during_load": [{"as_of_date": "2025-07-01", "seconds": 31.0, "status": 0}],
                   "rebuild_running_at_the_end": True, "load_average_before": [0.5, 0.4, 0.3],
                   "cached_customers": "0",
                   "cpu_ms_per_request": {"server": 1.5, "load_generator": 0.1, "rest": 1.2, "machine": 2.8}})
    assert "| customer | 3 | 1.5 | 1 | 20.0 | 30.0 | 30.0 | 30.0 |" in text
    assert "**met**" in text and "2025-07-01 in 31.0 s, status 0" in text
    assert "RFM_API_CACHED_CUSTOMERS: 0" in text and "'server': 1.5" in text


def test_api_load_splits_the_machine_cpu_per_request():
    from rfm_bench.api_load import cpu_per_request

    # server 2 s, generator 0.5 s, machine 6 s over 1,000 requests
    assert cpu_per_request((10.0, 1.0, 100.0), (12.0, 1.5, 106.0), 1000) == {
        "server": 2.0, "load_generator": 0.5, "rest": 3.5, "machine": 6.0}
    assert cpu_per_request((0.0, 0.0, 0.0), (1.0, 0.0, 0.5), 0)["rest"] == 0.0


def test_api_load_sends_the_mix_a_crm_sync_sends():
    import random

    from rfm_bench.api_load import LIFECYCLE_SEGMENTS, pick_request

    generator = random.Random(1)
    kinds = [pick_request(generator, ["c1", "c 2"]) for _ in range(2000)]
    share = sum(1 for kind, _, _ in kinds if kind == "customer") / len(kinds)
    assert 0.75 < share < 0.85
    assert {path for kind, path, _ in kinds if kind == "customer"} == {"/customers/c1", "/customers/c 2"}
    assert {path.split("/")[2] for kind, path, _ in kinds if kind == "segment_page"} == set(LIFECYCLE_SEGMENTS)


def test_the_load_client_reads_kept_alive_answers_and_refuses_what_it_cannot_read():
    """scripts/rfm_bench/loopback_client.py against a tiny server: two answers on one connection, the
    request line and headers as sent, a closed connection reopened, a chunked answer refused."""
    import asyncio

    from rfm_bench.loopback_client import LoopbackClient, ProtocolError

    seen: list[bytes] = []
    connections = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            seen.append(head)
            target = head.split(b" ")[1]
            if target.startswith(b"/chunked"):
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
            elif target.startswith(b"/close"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbye")
                await writer.drain()
                writer.close()
                return
            else:
                body = b'{"path": "' + target + b'"}'
                writer.write(b"HTTP/1.1 200 OK\r\nX-RFM-Run-Id: r1\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\n\r\n" + body)
            await writer.drain()

    async def scenario() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with LoopbackClient("127.0.0.1", port, {"Authorization": "Bearer t"}) as client:
            assert await client.get("/customers/c 1") == (
                200, {"x-rfm-run-id": "r1", "content-length": "28"}, b'{"path": "/customers/c%201"}')
            status, _, body = await client.get("/segments/new/customers", {"limit": 100})
            assert (status, body) == (200, b'{"path": "/segments/new/customers?limit=100"}')
            assert len(connections) == 1, "one kept-alive connection"
            assert (await client.get("/close"))[2] == b"bye"
            assert (await client.get("/again"))[0] == 200
            assert len(connections) == 2, "a closed connection is opened again"
            with pytest.raises(ProtocolError, match="Content-Length"):
                await client.get("/chunked")
        server.close()
        await server.wait_closed()

    asyncio.run(scenario())
    assert seen[0].startswith(b"GET /customers/c%201 HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"\r\nAuthorization: Bearer t\r\n" in seen[0]


# ---------------------------------------------------------------------------
# The Spark benchmark (scripts/bench_spark.py): its event-log reading and its memory sampling
# ---------------------------------------------------------------------------
SPARK_EVENT_LOG = PROJECT / "tests" / "python" / "fixtures" / "spark_event_log_sample.jsonl"


def test_spark_plans_name_the_table_they_write():
    """The fixture's events are cut from a real Spark 3.5 event log of `dbt build --target spark`."""
    from rfm_bench.spark_events import written_table

    plans = {}
    for line in SPARK_EVENT_LOG.read_text().splitlines():
        event = json.loads(line)
        if event["Event"].endswith("SQLExecutionStart"):
            plans[str(event["executionId"])] = event["physicalPlanDescription"]
    assert written_table(plans["76"]) == "orders_accounting"  # create table ... as select
    assert written_table(plans["78"]) == "orders_accounting"  # its nested write, to the table's folder
    assert written_table(plans["12"]) == "segment_action_paths"  # a seed's insert
    assert written_table(plans["17"]) is None  # a query that reads raw_orders and writes nothing
    assert written_table("") is None


def test_spark_stages_count_for_the_model_whose_statement_ran_them():
    from rfm_bench.spark_events import OTHER, stages_per_model

    models = stages_per_model(SPARK_EVENT_LOG)
    assert set(models) == {"orders_accounting", "segment_action_paths", OTHER}
    # orders_accounting's job runs under the nested write execution; the root id makes it the model's.
    assert models["orders_accounting"] == {
        "stages": 1, "tasks": 2, "run_s": 0.144,
        "largest_stage": {"stage_id": 91, "tasks": 2, "run_s": 0.144, "longest_task_share": 85 / 144}}
    other = models[OTHER]
    assert (other["stages"], other["tasks"], other["largest_stage"]["stage_id"]) == (2, 2, 4)
    assert other["largest_stage"]["longest_task_share"] == 1.0  # one task: all of that stage on one core


def test_process_tree_memory_adds_the_processes_that_run_at_once(tmp_path):
    """dbt on Spark is two large processes at once (Python and the JVM): their memory is summed. (Not compared
    with ru_maxrss: a spawned child inherits its parent's high-water mark across exec, and once reported 512 MiB
    here.)"""
    from rfm_bench.processes import measure

    script = (
        "import subprocess, sys, time\n"
        "held = b'x' * (200 * 2**20)\n"
        "subprocess.run([sys.executable, '-c', \"import time; held = b'y' * (200 * 2**20); time.sleep(1.5)\"],"
        " check=True)\n"
    )
    measured = measure([sys.executable, "-c", script], tmp_path / "tree.log")
    assert measured["returncode"] == 0
    assert measured["tree_processes"] >= 2
    assert measured["peak_tree_rss_mib"] >= 400
    # The largest single process holds one of the two allocations, the tree both.
    assert measured["peak_process_rss_mib"] < measured["peak_tree_rss_mib"] - 150


def test_process_tree_memory_counts_a_fork_once(tmp_path):
    """A forked child shares its parent's pages until it runs a program of its own (the JVM spawns shell
    commands that way): summing both RSS figures once reported 24 GB for a 12 GB JVM."""
    from rfm_bench.processes import measure

    script = (
        "import os, time\n"
        "held = b'x' * (300 * 2**20)\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    time.sleep(1.5)\n"
        "    os._exit(0)\n"
        "os.waitpid(child, 0)\n"
    )
    measured = measure([sys.executable, "-c", script], tmp_path / "fork.log")
    assert measured["returncode"] == 0
    assert measured["tree_processes"] >= 2
    assert 300 <= measured["peak_tree_rss_mib"] < 450
