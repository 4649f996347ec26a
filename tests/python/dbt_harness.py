"""Run the dbt project in-process on small inputs, fast enough for property tests.

dbt's start-up (parsing the project) costs seconds; the models on a small
input cost about a second. The harness parses once and hands that manifest to
every invocation, with the vars of that invocation on the command line: vars
are read when a model is compiled, which happens at run time, so every run
compiles with its own vars. (The sources YAML is rendered at parse time; the
harness always reads files through `orders_path`, so the source table vars
never matter here.)

Each harness owns one DuckDB file and one target folder, so tests never share
state with `make build` or with each other.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Counts and seconds of the generated cases, printed at the end of the pytest run.
RUN_STATS: Counter = Counter()

ORDER_COLUMNS = ["order_id", "customer_id", "order_date", "amount", "status", "margin", "line_id"]


@dataclass
class DbtResult:
    success: bool
    messages: str
    seconds: float


def write_csv(path: Path, header: list[str], rows: list[list[str | None]]) -> None:
    """Every value quoted (so spaces and tabs at the ends of ids survive), None as an empty field."""
    def field(value: str | None) -> str:
        return "" if value is None else '"' + value.replace('"', '""') + '"'

    with path.open("w", newline="", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(field(v) for v in row) + "\n")


# For harnesses that build many small, deliberately dirty inputs into one database, one after the
# other: the intake guard (min_accepted_share, max_accepted_drop; tests/python/test_intake_guard.py)
# would rightly stop most of them. These tests check the rules, not the guard.
GUARD_OFF = {"min_accepted_share": 0, "max_accepted_drop": 1}


@dataclass
class DbtHarness:
    work_dir: Path
    base_vars: dict = field(default_factory=dict)
    # dbt threads; the suite's default (conftest.py) unless a test needs concurrent nodes.
    threads: int = field(default_factory=lambda: int(os.environ.get("RFM_DBT_THREADS", "1")))
    invocations: int = 0
    seconds: float = 0.0

    def __post_init__(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.work_dir / "rfm_lifecycle.duckdb"
        self.target_dir = self.work_dir / "target"
        self._manifest = None

    @contextlib.contextmanager
    def _environment(self):
        saved = {k: os.environ.get(k) for k in
                 ("DBT_PROFILES_DIR", "RFM_DUCKDB_PATH", "RFM_DUCKDB_TEMP_DIRECTORY",
                  "DBT_SEND_ANONYMOUS_USAGE_STATS", "RFM_DBT_THREADS")}
        os.environ.update(
            DBT_PROFILES_DIR=str(PROJECT_DIR),
            RFM_DUCKDB_PATH=str(self.db_path),
            DBT_SEND_ANONYMOUS_USAGE_STATS="False",
            RFM_DBT_THREADS=str(self.threads),
        )
        # DuckDB spills beside the database file: a temp folder of its own would be a connection
        # setting, and query() below could not open the file while dbt holds it open
        os.environ.pop("RFM_DUCKDB_TEMP_DIRECTORY", None)
        cwd = os.getcwd()
        os.chdir(PROJECT_DIR)
        try:
            yield
        finally:
            os.chdir(cwd)
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def invoke(self, args: list[str], vars: dict | None = None, use_manifest: bool = True) -> DbtResult:
        from dbt.cli.main import dbtRunner

        merged = {**self.base_vars, **(vars or {})}
        full = [*args, "--quiet", "--project-dir", str(PROJECT_DIR), "--target-path", str(self.target_dir),
                "--log-path", str(self.work_dir / "logs"), "--vars", json.dumps(merged, default=str)]
        started = time.perf_counter()
        buffer = io.StringIO()
        with self._environment():
            runner = dbtRunner(manifest=self._manifest if use_manifest else None,
                               callbacks=[lambda event: _collect(event, buffer)])
            result = runner.invoke(full)
        seconds = time.perf_counter() - started
        self.invocations += 1
        self.seconds += seconds
        messages = buffer.getvalue()
        if result.exception is not None:
            messages += f"\n{type(result.exception).__name__}: {result.exception}"
        return DbtResult(bool(result.success), messages, seconds)

    def parse(self) -> None:
        """The project's manifest, shared with every harness and in-process command of this worker
        that has the same parse key (tests/python/dbt_in_process.py)."""
        import dbt_in_process

        with self._environment():
            manifest, failed = dbt_in_process.manifest_here(["parse"], PROJECT_DIR, self.base_vars)
        assert failed is None, failed[1][-3000:]
        self._manifest = manifest

    def seed(self) -> None:
        if self._manifest is None:
            self.parse()
        result = self.invoke(["seed"])
        assert result.success, result.messages

    def build(self, vars: dict | None = None, select: list[str] | None = None,
              resource: str = "build", full_refresh: bool = False) -> DbtResult:
        args = [resource]
        if full_refresh:
            args.append("--full-refresh")
        if select:
            args += ["--select", *select]
            if resource == "build":
                # only the data tests whose every parent is built: a test that also reads an
                # unselected model would read a table from an earlier build, or none
                args += ["--indirect-selection", "cautious"]
        if resource == "build":
            # unit tests run once in `make build`; here only data tests on the generated input
            args += ["--exclude-resource-type", "unit_test", "--exclude-resource-type", "seed"]
        return self.invoke(args, vars)

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        import duckdb

        con = duckdb.connect(str(self.db_path), read_only=False)
        try:
            rel = con.sql(sql)
            return rel.columns, rel.fetchall()
        finally:
            con.close()

    def table(self, name_or_query: str) -> list[dict]:
        sql = name_or_query if name_or_query.lstrip().lower().startswith("select") else \
            f"select * from {name_or_query}"
        columns, rows = self.query(sql)
        return [dict(zip(columns, r)) for r in rows]


def _collect(event, buffer: io.StringIO) -> None:
    """Keep the error-level messages (compile errors, failed tests) for assertion messages."""
    info = event.info
    if info.level in ("error", "warn") or info.name in ("RunResultError", "RunResultFailure"):
        buffer.write(info.msg + "\n")
