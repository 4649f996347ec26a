"""The read-only HTTP API (api/, docs/api.md) against a real uvicorn server on loopback.

One server for the module, started with `python -m api` (what `make api` runs) on a copy
of the demo build, and httpx as the client: what a CRM sees is what is tested. The
snapshot tests publish fake snapshots beside that copy while the server runs, which is
how the publisher switches runs under a live API."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import duckdb
import httpx
import pytest

from local_servers import free_port, stop, wait_until_healthy
from project_support import PROJECT_DIR, query

sys.path.insert(0, str(PROJECT_DIR))
from api import settings as api_settings  # noqa: E402
from api.database import DatabaseUnavailable, open_reader, to_json_value  # noqa: E402
from api.snapshot import database_to_read, project_database  # noqa: E402

TOKEN = "test-token-0123456789-abcdefghij"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SEGMENTS = ["prospect", "new", "one_time", "regular", "loyal", "inactive", "lost"]
AS_OF = "2025-12-31"


def _api_environment(**extra: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("RFM_API_", "API_"))}
    environment.update(extra)
    return environment


@pytest.fixture(scope="module")
def database(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo build the snapshot tests can publish beside without touching the session's."""
    copy = tmp_path_factory.mktemp("api") / demo_database.name
    shutil.copyfile(demo_database, copy)
    return copy


@pytest.fixture(scope="module")
def server(database: Path):
    port = free_port()
    environment = _api_environment(RFM_DUCKDB_PATH=str(database), RFM_API_TOKEN=TOKEN, API_PORT=str(port))
    process = subprocess.Popen([sys.executable, "-m", "api"], cwd=PROJECT_DIR, env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, f"{base}/health", 60, lambda: process.stdout.read() if process.poll() is not None
                           else "(still running, no answer from /health)")
        yield base
    finally:
        stop(process)


@pytest.fixture(scope="module")
def client(server: str):
    with httpx.Client(base_url=server, headers=AUTH, timeout=30) as http:
        yield http


def _rows(database: Path, sql: str, parameters: list | None = None) -> list[dict]:
    with duckdb.connect(str(database), read_only=True) as connection:
        cursor = connection.execute(sql, parameters or [])
        names = [column[0] for column in cursor.description]
        return [{name: to_json_value(value) for name, value in zip(names, row)} for row in cursor.fetchall()]


# --- auth --------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token-0123456789-abcdefghij"},
    {"Authorization": f"Bearer {TOKEN}x"},
    {"Authorization": TOKEN},
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": "Bearer"},
])
@pytest.mark.parametrize("path", ["/customers/C000433", "/segments/new/customers", "/segments/summary",
                                  "/thresholds", "/segment-changes?since=2025-12-31", "/openapi.json",
                                  "/no-such-path", "/segments/bogus/customers?limit=-1"])
def test_without_the_right_token_every_path_is_401_with_no_data(server: str, headers: dict, path: str) -> None:
    answer = httpx.get(server + path, headers=headers, timeout=30)
    assert answer.status_code == 401
    assert answer.json() == {"detail": answer.json()["detail"]}
    assert "C000433" not in answer.text and "x-rfm-run-id" not in answer.headers


def test_health_needs_no_token_and_names_the_run(server: str, database: Path) -> None:
    answer = httpx.get(f"{server}/health", timeout=30)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "source": "project_database", "snapshot": database.name,
                             "run_id": "unpublished", "as_of_date": AS_OF, "published_at": None, "detail": None}
    assert answer.headers["x-rfm-run-id"] == "unpublished"


def test_the_right_token_is_accepted(client: httpx.Client) -> None:
    answer = client.get("/thresholds")
    assert answer.status_code == 200
    assert answer.headers["x-rfm-as-of-date"] == AS_OF


# --- answers equal the marts -------------------------------------------------

def test_a_customer_answer_equals_its_row(client: httpx.Client, database: Path) -> None:
    ids = [row[0] for row in query(database, "select min(customer_id) from customer_segments group by lifecycle_segment")]
    thresholds = _rows(database, "select * from lifecycle_thresholds")
    assert len(ids) == len(SEGMENTS)
    for customer_id in ids:
        answer = client.get(f"/customers/{customer_id}")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        (row,) = _rows(database, "select * from customer_segments where customer_id = ?", [customer_id])
        assert body["customer"] == row
        assert (body["run_id"], body["as_of_date"], body["source"]) == ("unpublished", AS_OF, "project_database")
        assert body["action_path"]["goal"] == row["action_goal"]
        assert body["next_transition"] == {"segment_if_no_order": row["next_segment_if_no_order"],
                                           "date": row["next_transition_date"],
                                           "days_until": row["days_until_transition"]}
        assert body["thresholds"]["inactivity_threshold_days"] == row["inactivity_threshold_days"]
        assert set(body["thresholds"]["in_force"]) == {t["threshold_name"] for t in thresholds}
        assert "a_column_of_a_later_release" not in body["customer"]  # not in this build: not invented


def test_summary_and_thresholds_equal_their_marts(client: httpx.Client, database: Path) -> None:
    summary = client.get("/segments/summary").json()
    expected = _rows(database, "select * from segment_summary order by segment_scheme, segment_order, segment_code")
    assert summary["segments"] == expected
    thresholds = client.get("/thresholds").json()
    assert thresholds["thresholds"] == _rows(database, "select * from lifecycle_thresholds order by threshold_name")


@pytest.mark.parametrize(("segment", "limit"), [("new", 100), ("lost", 1000), ("loyal", 50)])
def test_walking_all_pages_gives_each_customer_once(client: httpx.Client, database: Path,
                                                    segment: str, limit: int) -> None:
    seen, cursor, pages = [], None, 0
    while True:
        parameters = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"/segments/{segment}/customers", params=parameters).json()
        assert len(page["customers"]) <= limit and page["run_id"] == "unpublished"
        seen += page["customers"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = _rows(database, "select * from customer_segments where lifecycle_segment = ? order by customer_id",
                     [segment])
    assert seen == expected
    assert len({row["customer_id"] for row in seen}) == len(seen)
    assert pages == len(expected) // limit + 1


def test_segment_changes_since_the_as_of_date(client: httpx.Client, database: Path) -> None:
    # The as-of date's own changes: against the day before, which the history scores (docs/segment_changes.md).
    expected = [row[0] for row in query(database, "select customer_id from segment_changes where changed_on_date = "
                                        f"date '{AS_OF}' and is_lifecycle_change order by 1")]
    assert expected
    changes, cursor = [], None
    while True:
        page = client.get("/segment-changes", params={"since": AS_OF} | ({"cursor": cursor} if cursor else {})).json()
        changes += page["changes"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [change["customer_id"] for change in changes] == expected
    assert all(change["period_end_date"] == change["period_start_date"] == AS_OF
               and change["previous_segment"] != change["lifecycle_segment"] for change in changes)
    into_loyal = client.get("/segment-changes", params={"since": AS_OF, "segment": "loyal"}).json()["changes"]
    assert into_loyal and {change["lifecycle_segment"] for change in into_loyal} == {"loyal"}
    assert {change["action_goal"] for change in into_loyal} == {
        query(database, "select action_goal from segment_summary where segment_scheme = 'lifecycle' "
                        "and segment_code = 'loyal'")[0][0]}
    assert client.get("/segment-changes", params={"since": "2026-01-01"}).json()["changes"] == []


def test_segment_changes_read_the_mart_with_rfm_changes_on_request(client: httpx.Client, database: Path) -> None:
    expected = _rows(database, "select customer_id, previous_rfm_segment, rfm_segment, is_lifecycle_change, "
                               "is_rfm_change from segment_changes where changed_on_date = ? order by customer_id",
                     [AS_OF])
    assert any(not row["is_lifecycle_change"] for row in expected)  # RFM-only changes exist on the demo
    changes, cursor = [], None
    while True:
        page = client.get("/segment-changes", params={"since": AS_OF, "include_rfm": "true", "limit": 500}
                          | ({"cursor": cursor} if cursor else {})).json()
        changes += page["changes"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [{key: change[key] for key in expected[0]} for change in changes] == expected


# --- bad and hostile parameters ---------------------------------------------

@pytest.mark.parametrize("customer_id", [
    "' OR '1'='1", "C000433' --", "1; drop table customer_segments; --", "C000433\" or 1=1",
    "Ünïcødé-客户-🙂", "%", "_", "C%", "x" * 200,
])
def test_hostile_but_valid_ids_are_simply_unknown(client: httpx.Client, database: Path, customer_id: str) -> None:
    answer = client.get("/customers/" + quote(customer_id, safe=""))
    assert answer.status_code == 404, answer.text
    assert answer.json() == {"detail": "No customer with this id in this run."}
    assert answer.headers["x-rfm-run-id"] == "unpublished"
    assert query(database, "select count(*) from customer_segments")[0][0] == 13112


def test_an_id_is_trimmed(client: httpx.Client) -> None:
    answer = client.get("/customers/%20C000433%20")
    assert answer.status_code == 200 and answer.json()["customer"]["customer_id"] == "C000433"


@pytest.mark.parametrize("raw_id", ["x" * 10_000, "x" * 201, "%20%20", "C00%01", "C00%00433", "C00%0A433"])
def test_bad_ids_are_422(client: httpx.Client, raw_id: str) -> None:
    answer = client.get(f"/customers/{raw_id}")
    assert answer.status_code == 422, answer.text
    assert set(answer.json()) == {"detail", "parameter"} and len(answer.text) < 300
    assert answer.headers["x-rfm-run-id"] and answer.headers["x-rfm-as-of-date"] == AS_OF, "errors name the run too"


@pytest.mark.parametrize(("path", "parameters"), [
    ("/segments/new' OR '1'='1/customers", {}),
    ("/segments/NEW/customers", {}),
    ("/segments/champions/customers", {}),
    ("/segments/new/customers", {"limit": 0}),
    ("/segments/new/customers", {"limit": -1}),
    ("/segments/new/customers", {"limit": 1001}),
    ("/segments/new/customers", {"limit": 10**30}),
    ("/segments/new/customers", {"limit": "ten"}),
    ("/segments/new/customers", {"cursor": "x" * 10_000}),
    ("/segments/new/customers", {"cursor": "C0\x01"}),
    ("/segment-changes", {}),
    ("/segment-changes", {"since": "2025-13-01"}),
    ("/segment-changes", {"since": "yesterday"}),
    ("/segment-changes", {"since": "2025-12-31' or 1=1 --"}),
    ("/segment-changes", {"since": "20251231"}),
    ("/segment-changes", {"since": "0001-01-01"}),
    ("/segment-changes", {"since": AS_OF, "segment": "'; drop table segment_history; --"}),
    ("/segment-changes", {"since": AS_OF, "limit": 100_000}),
    ("/segment-changes", {"since": AS_OF, "cursor": "garbage"}),
])
def test_bad_and_hostile_parameters_are_422_with_a_clear_message(client: httpx.Client, path: str,
                                                                  parameters: dict) -> None:
    answer = client.get(path, params=parameters)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and 10 < len(detail) < 300


def test_openapi_lists_the_endpoints(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    assert {"/health", "/customers/{customer_id}", "/segments/{segment}/customers", "/segment-changes",
            "/segments/summary", "/thresholds"} <= set(document["paths"])
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


# --- published snapshots -----------------------------------------------------

def _publish(folder: Path, source: Path, run_id: str, as_of: str, extra_column: bool) -> str:
    """A snapshot as the publisher writes it: marts as tables in main, then the pointer renamed into place."""
    folder.mkdir(exist_ok=True)
    name = f"run_{run_id}.duckdb"
    with duckdb.connect(str(folder / name)) as connection:
        connection.execute(f"attach '{source}' as built (read_only)")
        extra = ", 0.42 as a_column_of_a_later_release" if extra_column else ""
        connection.execute(f"create table customer_segments as select * replace (date '{as_of}' as as_of_date){extra} "
                           "from built.main.customer_segments where customer_id in ('C000433', 'C000061')")
        connection.execute("create table lifecycle_thresholds as select * from built.main.lifecycle_thresholds")
    _write_pointer(folder, json.dumps({"snapshot": name, "run_id": run_id, "as_of_date": as_of,
                                       "published_at": "2026-02-01T03:00:00Z"}))
    return name


def _write_pointer(folder: Path, text: str) -> None:
    staged = folder / "current.json.tmp"
    staged.write_text(text + "\n")
    staged.replace(folder / "current.json")


def test_a_published_snapshot_switches_what_the_api_answers(client: httpx.Client, server: str,
                                                            database: Path) -> None:
    folder = database.with_name(database.name + ".published")
    try:
        first = _publish(folder, database, "20260131-a", "2026-01-31", extra_column=True)
        health = httpx.get(f"{server}/health", timeout=30).json()
        assert (health["source"], health["snapshot"], health["run_id"], health["as_of_date"]) == (
            "published_snapshot", first, "20260131-a", "2026-01-31")
        answer = client.get("/customers/C000433")
        assert answer.headers["x-rfm-run-id"] == "20260131-a"
        assert answer.json()["customer"]["a_column_of_a_later_release"] == 0.42  # a new column passes through
        assert client.get("/segments/lost/customers").json()["as_of_date"] == "2026-01-31"
        missing_mart = client.get("/segment-changes", params={"since": AS_OF})
        assert missing_mart.status_code == 501 and "segment_history" in missing_mart.json()["detail"]
        assert missing_mart.headers["x-rfm-run-id"] == "20260131-a"

        _publish(folder, database, "20260228-b", "2026-02-28", extra_column=False)
        answer = client.get("/customers/C000433")
        assert (answer.headers["x-rfm-run-id"], answer.json()["as_of_date"]) == ("20260228-b", "2026-02-28")
        assert "a_column_of_a_later_release" not in answer.json()["customer"]

        # Broken pointers fall back to the project database, never to a guessed file.
        for broken in ['{"snapshot": "run_2026', "", "[]", '{"snapshot": "run_x.duckdb", "run_id": "x"}',
                       json.dumps({"snapshot": "../" + database.name, "run_id": "x"}),
                       json.dumps({"snapshot": first, "run_id": "20260228-b"})]:
            _write_pointer(folder, broken)
            answer = client.get("/customers/C000433")
            assert answer.status_code == 200
            assert (answer.headers["x-rfm-run-id"], answer.json()["as_of_date"]) == ("unpublished", AS_OF), broken
        (folder / "current.json").unlink()
        assert httpx.get(f"{server}/health", timeout=30).json()["source"] == "project_database"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_concurrent_answers_never_mix_two_runs(client: httpx.Client, database: Path) -> None:
    """16 clients while the pointer flips between two snapshots and the project database: every
    answer is whole and from one run (the run id in the header matches the as-of date in the body)."""
    folder = database.with_name(database.name + ".published")
    runs = {"unpublished": AS_OF, "20260131-a": "2026-01-31", "20260228-b": "2026-02-28"}
    try:
        _publish(folder, database, "20260131-a", "2026-01-31", extra_column=False)
        _publish(folder, database, "20260228-b", "2026-02-28", extra_column=False)
        pointers = [json.dumps({"snapshot": f"run_{run}.duckdb", "run_id": run, "as_of_date": day})
                    for run, day in runs.items() if run != "unpublished"] + ["{broken"]

        def ask(number: int) -> tuple[int, str, str, str]:
            answer = client.get("/customers/C000061" if number % 2 else "/thresholds")
            body = answer.json()
            return answer.status_code, answer.headers["x-rfm-run-id"], body["run_id"], body["as_of_date"]

        with ThreadPoolExecutor(16) as pool:
            futures = []
            for flip in range(12):
                _write_pointer(folder, pointers[flip % len(pointers)])
                futures += [pool.submit(ask, number) for number in range(16)]
            results = [future.result() for future in futures]
        assert {status for status, *_ in results} == {200}
        assert all(header == run and runs[run] == as_of for _, header, run, as_of in results)
        assert len({run for _, _, run, _ in results}) >= 2
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_no_database_is_503_not_a_crash(tmp_path: Path) -> None:
    choice = database_to_read({"RFM_API_DATABASE": str(tmp_path / "missing.duckdb")})
    with pytest.raises(DatabaseUnavailable, match="build the project first"):
        with open_reader(choice):
            pass


def test_rfm_api_database_wins_over_published_snapshots(tmp_path: Path) -> None:
    database = tmp_path / "rfm.duckdb"
    folder = tmp_path / "rfm.duckdb.published"
    folder.mkdir()
    (folder / "run_r1.duckdb").write_bytes(b"")
    _write_pointer(folder, json.dumps({"snapshot": "run_r1.duckdb", "run_id": "r1", "as_of_date": AS_OF}))
    assert database_to_read({"RFM_DUCKDB_PATH": str(database)}).path == folder / "run_r1.duckdb"
    chosen = database_to_read({"RFM_DUCKDB_PATH": str(database), "RFM_API_DATABASE": str(tmp_path / "other.duckdb")})
    assert (chosen.path, chosen.source) == (tmp_path / "other.duckdb", "RFM_API_DATABASE")
    assert project_database({}) == PROJECT_DIR / "rfm_lifecycle.duckdb"


# --- refusing to start -------------------------------------------------------

@pytest.mark.parametrize(("environment", "says"), [
    ({}, "RFM_API_TOKEN"),
    ({"RFM_API_TOKEN": "short"}, "16 characters"),
    ({"RFM_API_AUTH": "off", "API_HOST": "0.0.0.0"}, "loopback"),
    ({"RFM_API_AUTH": "no", "RFM_API_TOKEN": TOKEN}, "RFM_API_AUTH"),
    ({"RFM_API_TOKEN": TOKEN, "API_PORT": "eighty"}, "API_PORT"),
])
def test_unsafe_settings_are_refused(environment: dict, says: str) -> None:
    with pytest.raises(api_settings.SettingsError, match=says):
        api_settings.load_settings(environment)


def test_auth_off_is_allowed_on_loopback_only() -> None:
    settings = api_settings.load_settings({"RFM_API_AUTH": "off"})
    assert (settings.host, settings.auth_enabled) == ("127.0.0.1", False)


def test_auth_off_serves_without_a_token_on_loopback(database: Path) -> None:
    port = free_port()
    environment = _api_environment(RFM_API_DATABASE=str(database), RFM_API_AUTH="off", API_PORT=str(port))
    process = subprocess.Popen([sys.executable, "-m", "api"], cwd=PROJECT_DIR, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_healthy(process, f"http://127.0.0.1:{port}/health", 60, lambda: "(output not kept)")
        answer = httpx.get(f"http://127.0.0.1:{port}/thresholds", timeout=5)
        assert answer.status_code == 200 and answer.json()["source"] == "RFM_API_DATABASE"
    finally:
        stop(process)


def test_auth_off_refuses_data_on_a_socket_that_is_not_loopback() -> None:
    """Started around `python -m api` (uvicorn --host 0.0.0.0 --factory), auth off still serves nothing."""
    import asyncio

    from api.auth import BearerAuthMiddleware

    sent: list[dict] = []

    async def app(scope, receive, send):  # the API itself: must not be reached
        raise AssertionError("reached the app")

    async def send(message):
        sent.append(message)

    middleware = BearerAuthMiddleware(app, api_settings.Settings("0.0.0.0", 8000, None, auth_enabled=False))
    scope = {"type": "http", "path": "/thresholds", "headers": [], "server": ("10.1.2.3", 8000)}
    asyncio.run(middleware(scope, None, send))
    assert sent[0]["status"] == 403 and b"127.0.0.1" in sent[1]["body"]


def test_the_server_command_refuses_without_a_token() -> None:
    result = subprocess.run([sys.executable, "-m", "api"], cwd=PROJECT_DIR, env=_api_environment(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "set RFM_API_TOKEN" in result.stderr
