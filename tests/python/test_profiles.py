"""The profiles: the targets the project runs on, connections only from environment variables.

profiles.yml names its targets duckdb (the default), postgres and spark; the
postgres target reads its connection only from the libpq variables, so
`dbt build --target postgres` works against any reachable server.
profiles.yml.example covers the warehouses people run the project on and says
which ones are not run here; every credential there is an env_var().
"""

from __future__ import annotations

import re

import pytest
import yaml

from engine_results import load_raw_tables
from project_support import PROJECT_DIR

ENV_VAR = re.compile(r"^\{\{ env_var\('([A-Z_]+)'(?:, '[^']*')?\)( \| int)? \}\}$")
# Keys that carry a secret or say where to connect.
CONNECTION_KEYS = {"host", "port", "user", "password", "dbname", "account", "token", "keyfile", "http_path",
                   "project", "role", "warehouse", "database"}
RUN_HERE = {"duckdb", "postgres", "spark"}


def outputs(file_name: str) -> dict:
    return yaml.safe_load((PROJECT_DIR / file_name).read_text())["rfm_lifecycle"]["outputs"]


def test_profile_targets_are_duckdb_postgres_and_spark() -> None:
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())["rfm_lifecycle"]
    assert profile["target"] == "{{ env_var('RFM_TARGET', 'duckdb') }}"
    assert {name: output["type"] for name, output in profile["outputs"].items()} == {
        "duckdb": "duckdb", "postgres": "postgres", "spark": "spark"}
    assert profile["outputs"]["spark"]["method"] == "session"


def test_postgres_connects_only_through_the_pg_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    postgres = outputs("profiles.yml")["postgres"]
    expected = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD", "dbname": "PGDATABASE"}
    assert {key: ENV_VAR.match(str(postgres[key])).group(1) for key in expected} == expected
    assert CONNECTION_KEYS & set(postgres) == set(expected)
    # Rendered as dbt renders it: the values are the variables' values.
    for name, value in {"PGHOST": "db.example", "PGPORT": "6543", "PGUSER": "analyst", "PGPASSWORD": "s3cret",
                        "PGDATABASE": "shop"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DBT_PROFILES_DIR", str(PROJECT_DIR))
    rendered = load_raw_tables.profile_output("postgres")
    assert (rendered["host"], rendered["port"], rendered["user"], rendered["password"], rendered["dbname"]) == (
        "db.example", "6543", "analyst", "s3cret", "shop")


def test_example_profile_covers_the_warehouses_and_says_which_are_not_run_here() -> None:
    example = outputs("profiles.yml.example")
    kinds = {(output["type"], output.get("method")) for output in example.values()}
    for kind in [("duckdb", None), ("postgres", None), ("spark", "session"), ("spark", "thrift"),
                 ("snowflake", None), ("bigquery", "service-account"), ("databricks", None), ("trino", "ldap")]:
        assert kind in kinds, f"profiles.yml.example has no {kind}"
    lines = (PROJECT_DIR / "profiles.yml.example").read_text().splitlines()
    for name in example:
        start = lines.index(f"    {name}:")
        comment = []
        for line in reversed(lines[:start]):
            if not line.strip().startswith("#"):
                break
            comment.append(line)
        note = " ".join(comment)
        if name in RUN_HERE:
            assert "Tested" in note, f"{name}: the comment above it should say it is tested"
        else:
            assert "NOT run here" in note, f"{name}: the comment above it should say it is not run here"


@pytest.mark.parametrize("file_name", ["profiles.yml", "profiles.yml.example"])
def test_credentials_only_through_env_var(file_name: str) -> None:
    for name, output in outputs(file_name).items():
        for key in CONNECTION_KEYS & set(output):
            if name.startswith("spark") and key == "host" and output.get("method") == "session":
                continue  # the session method connects to nothing; dbt-spark requires the key
            assert ENV_VAR.match(str(output[key])), f"{file_name}: {name}.{key} is not an env_var(): {output[key]!r}"
