"""The API's answers kept per published snapshot (api/answer_cache.py): exact because a published
snapshot is never written again, so they must never outlive it, never come from a database that
can change, and never grow past their bound."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from project_support import PROJECT_DIR

sys.path.insert(0, str(PROJECT_DIR))
from api import settings as api_settings  # noqa: E402
from api.answer_cache import AnswerCache  # noqa: E402
from api.app import create_app  # noqa: E402
from api.snapshot import DatabaseChoice  # noqa: E402

TOKEN = "test-token-0123456789-abcdefghij"


def _choice_of(folder: Path, run_id: str) -> DatabaseChoice:
    """The published snapshot run_<run_id>.duckdb of `folder`, as the API chooses it."""
    return DatabaseChoice(folder / f"run_{run_id}.duckdb", "published_snapshot", run_id=run_id)


def _published(folder: Path, run_id: str) -> DatabaseChoice:
    folder.mkdir(exist_ok=True)
    choice = _choice_of(folder, run_id)
    choice.path.write_bytes(run_id.encode())
    return choice


def _point_at(folder: Path, run_id: str) -> None:
    (folder / "current.json").write_text(json.dumps({"snapshot": f"run_{run_id}.duckdb", "run_id": run_id}))


def _served(folder: Path, run_id: str) -> DatabaseChoice:
    """A published snapshot that current.json names."""
    choice = _published(folder, run_id)
    _point_at(folder, run_id)
    return choice


@pytest.fixture()
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder of published snapshots beside a project database the cache reads current.json from."""
    monkeypatch.delenv("RFM_API_DATABASE", raising=False)
    monkeypatch.setenv("RFM_DUCKDB_PATH", str(tmp_path / "rfm.duckdb"))
    return tmp_path / "rfm.duckdb.published"


def test_answers_of_one_snapshot_are_kept_and_the_next_snapshot_starts_empty(published: Path) -> None:
    cache = AnswerCache(10)
    first, second = _published(published, "r1"), _published(published, "r2")
    _point_at(published, "r1")
    cache.put(first, "C1", (b"one", {"X-RFM-Run-Id": "r1"}))
    assert cache.get(first, "C1") == (b"one", {"X-RFM-Run-Id": "r1"})
    assert cache.get(second, "C1") is None
    _point_at(published, "r2")
    cache.put(second, "C1", (b"two", {"X-RFM-Run-Id": "r2"}))
    assert cache.get(second, "C1") == (b"two", {"X-RFM-Run-Id": "r2"})
    assert cache.get(first, "C1") is None, "the old snapshot's answers went with it"
    # A request that read r1 before the switch and finishes after it keeps its answer to itself.
    cache.put(first, "C2", (b"late", {"X-RFM-Run-Id": "r1"}))
    assert cache.get(second, "C1") == (b"two", {"X-RFM-Run-Id": "r2"})
    assert cache.get(first, "C2") is None


def test_a_file_put_back_under_the_same_name_is_another_snapshot(published: Path) -> None:
    cache = AnswerCache(10)
    choice = _served(published, "r1")
    cache.put(choice, "C1", (b"old", {}))
    replacement = choice.path.with_name("replacement")
    replacement.write_bytes(b"another build, longer")
    replacement.replace(choice.path)
    assert cache.get(choice, "C1") is None


@pytest.mark.parametrize("source", ["project_database", "RFM_API_DATABASE"])
def test_a_database_that_can_change_is_never_cached(tmp_path: Path, source: str) -> None:
    path = tmp_path / "rfm.duckdb"
    path.write_bytes(b"x")
    cache = AnswerCache(10)
    choice = DatabaseChoice(path, source)
    cache.put(choice, "C1", (b"one", {}))
    assert cache.get(choice, "C1") is None


def test_the_least_recently_asked_customer_goes_first(published: Path) -> None:
    cache = AnswerCache(2)
    choice = _served(published, "r1")
    cache.put(choice, "C1", (b"1", {}))
    cache.put(choice, "C2", (b"2", {}))
    assert cache.get(choice, "C1") is not None  # C2 is now the least recent
    cache.put(choice, "C3", (b"3", {}))
    assert [cache.get(choice, key) is not None for key in ("C1", "C2", "C3")] == [True, False, True]
    no_cache = AnswerCache(0)
    no_cache.put(choice, "C1", (b"1", {}))
    assert no_cache.get(choice, "C1") is None


@pytest.mark.parametrize("value", ["-1", "ten", "1e3", "10000001", " 5", "٣"])
def test_a_cache_size_that_is_not_a_whole_number_in_range_is_refused(value: str) -> None:
    with pytest.raises(api_settings.SettingsError, match="RFM_API_CACHED_CUSTOMERS"):
        api_settings.load_settings({"RFM_API_TOKEN": TOKEN, "RFM_API_CACHED_CUSTOMERS": value})


def test_the_cache_size_is_read_with_a_default() -> None:
    assert api_settings.load_settings({"RFM_API_TOKEN": TOKEN}).cached_customers == \
        api_settings.DEFAULT_CACHED_CUSTOMERS
    assert api_settings.load_settings({"RFM_API_TOKEN": TOKEN, "RFM_API_CACHED_CUSTOMERS": "0"}).cached_customers == 0


def _snapshot_of_demo(folder: Path, demo_database: Path, run_id: str, as_of: str) -> None:
    folder.mkdir(exist_ok=True)
    with duckdb.connect(str(folder / f"run_{run_id}.duckdb")) as connection:
        connection.execute(f"attach '{demo_database}' as built (read_only)")
        connection.execute(f"create table customer_segments as select * replace (date '{as_of}' as as_of_date) "
                           "from built.main.customer_segments")
        connection.execute("create table lifecycle_thresholds as select * from built.main.lifecycle_thresholds")
    _point_at(folder, run_id)


def test_a_kept_answer_is_the_answer_read_afresh(demo_database: Path, published: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Byte for byte and header for header, whether the answer was kept or read again, and a new
    snapshot answers with its own run at once."""
    _snapshot_of_demo(published, demo_database, "r1", "2026-01-31")
    # Fewer places than customers: the cache keeps answers one lookup at a time, never all at once.
    settings = api_settings.load_settings({"RFM_API_TOKEN": TOKEN, "RFM_API_CACHED_CUSTOMERS": "5"})
    uncached = api_settings.load_settings({"RFM_API_TOKEN": TOKEN, "RFM_API_CACHED_CUSTOMERS": "0"})
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(settings)) as kept, TestClient(create_app(uncached)) as fresh:
        for customer in ("C000433", "C000061", "C000433"):
            answers = [app.get(f"/customers/{customer}", headers=auth) for app in (kept, fresh)]
            assert [answer.status_code for answer in answers] == [200, 200]
            assert answers[0].content == answers[1].content
            assert {key: answers[0].headers[key] for key in ("x-rfm-run-id", "x-rfm-as-of-date", "content-type")} == \
                {key: answers[1].headers[key] for key in ("x-rfm-run-id", "x-rfm-as-of-date", "content-type")}
        assert kept.app.state.customer_answers.fill_thread is not None
        kept.app.state.customer_answers.fill_thread.join(30)
        assert len(kept.app.state.customer_answers) == 2
        assert kept.get("/customers/no-such-customer", headers=auth).status_code == 404
        assert len(kept.app.state.customer_answers) == 2, "an unknown id is not kept"
        _snapshot_of_demo(published, demo_database, "r2", "2026-02-28")
        answer = kept.get("/customers/C000433", headers=auth)
        assert (answer.headers["x-rfm-run-id"], answer.json()["as_of_date"]) == ("r2", "2026-02-28")
        assert len(kept.app.state.customer_answers) == 1


def test_a_snapshot_whose_customers_all_fit_is_kept_whole_with_the_answers_read_afresh(
        demo_database: Path, published: Path) -> None:
    """The first lookup starts one fill of every customer; the filled answers are byte for byte the ones
    a lookup reads, and a new snapshot is filled again."""
    _snapshot_of_demo(published, demo_database, "r1", "2026-01-31")
    with duckdb.connect(str(demo_database), read_only=True) as connection:
        customer_ids = [row[0] for row in connection.execute(
            "select customer_id from main.customer_segments order by customer_id").fetchall()]
    settings = api_settings.load_settings({"RFM_API_TOKEN": TOKEN})
    uncached = api_settings.load_settings({"RFM_API_TOKEN": TOKEN, "RFM_API_CACHED_CUSTOMERS": "0"})
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(settings)) as kept, TestClient(create_app(uncached)) as fresh:
        cache = kept.app.state.customer_answers
        assert kept.get(f"/customers/{customer_ids[0]}", headers=auth).status_code == 200
        cache.fill_thread.join(60)
        assert len(cache) == len(customer_ids)
        first_fill = cache.fill_thread
        for customer in customer_ids[::len(customer_ids) // 25]:
            answers = [app.get(f"/customers/{customer}", headers=auth) for app in (kept, fresh)]
            assert answers[0].content == answers[1].content
            assert answers[0].headers["x-rfm-run-id"] == answers[1].headers["x-rfm-run-id"] == "r1"
        assert cache.fill_thread is first_fill, "one fill per snapshot"
        _snapshot_of_demo(published, demo_database, "r2", "2026-02-28")
        answer = kept.get(f"/customers/{customer_ids[-1]}", headers=auth)
        assert answer.headers["x-rfm-run-id"] == "r2" and answer.json()["as_of_date"] == "2026-02-28"
        assert cache.fill_thread is not first_fill
        cache.fill_thread.join(60)
        assert len(cache) == len(customer_ids)
        assert cache.get(_choice_of(published, "r2"), customer_ids[0]) is not None


def test_a_fill_that_fails_or_does_not_fit_leaves_the_lookups_to_themselves(published: Path) -> None:
    choice = _served(published, "r1")
    cache = AnswerCache(3)

    def too_many(_choice: DatabaseChoice, at_most: int) -> None:
        assert at_most == 3
        return None

    cache.warm(choice, too_many)
    cache.fill_thread.join(10)
    assert len(cache) == 0

    failing = AnswerCache(3)

    def broken(_choice: DatabaseChoice, _at_most: int) -> dict:
        raise OSError("disk gone")

    failing.warm(choice, broken)
    failing.fill_thread.join(10)
    failing.put(choice, "C1", (b"1", {}))
    assert failing.get(choice, "C1") == (b"1", {})

    late = AnswerCache(3)
    # The fill of r1 finishes after r2 is published and asked for: it is dropped.
    late.put(_served(published, "r2"), "C9", (b"9", {}))
    late.warm(choice, lambda _choice, _at_most: {"C1": (b"1", {})})
    late.fill_thread.join(10)
    assert late.get(choice, "C1") is None and len(late) == 1


def test_values_converted_by_duckdb_are_the_values_python_converted(demo_database: Path) -> None:
    """Decimals become the same doubles and dates the same ISO text, in every column of the marts the API
    reads whole."""
    from api.database import READ_CONFIG, read_facts, select_list, to_json_value

    assert select_list([("amount", "DECIMAL(38,2)"), ('odd "name"', "DATE"), ("n", "BIGINT")]) == (
        'cast("amount" as double) as "amount", cast("odd ""name""" as varchar) as "odd ""name""", "n"')
    compared = 0
    with duckdb.connect(str(demo_database), read_only=True, config=READ_CONFIG) as connection:
        facts = read_facts(connection)
        for table in ("customer_segments", "segment_summary", "lifecycle_thresholds"):
            python_side = [[to_json_value(value) for value in row] for row in
                           connection.execute(f'select * from main."{table}" order by all').fetchall()]
            sql_side = [list(row) for row in connection.execute(
                f'select {facts.select_lists[table]} from main."{table}" order by all').fetchall()]
            sql_side = [[to_json_value(value) for value in row] for row in sql_side]  # timestamps, if any
            assert sql_side == python_side, table
            compared += len(python_side)
    assert compared > 10_000
