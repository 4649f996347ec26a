"""Run a dbt command inside the test process, as `dbt <args>` in a child process would, minus the start-up.

A child process costs about 11 s before dbt does any work here: 3 s to import dbt and 7 s
to parse the project, and every test passes other `--vars`, which forces a full parse
each time. Run here, dbt is imported once per test worker and parses a project once per
*parse key*, then hands that manifest to every later command with the same key.

What goes into the manifest at parse time, and so into the key (anything else is read when
a model compiles, at run time, with the command's own vars):
- the project's files (path, size, modification time of every file under the parts dbt
  parses): a test that writes a singular test or a broken YAML file gets a fresh parse;
- the vars the sources YAML renders (PARSE_TIME_VARS): a source's table name is fixed in
  the manifest;
- the DuckDB file's name (a relation's catalog is named after it), the target, and every
  RFM_* / DBT_* environment variable but the paths that only the run uses.
A var that decided a ref() at parse time would make dbt stop with "unable to infer all
dependencies", never a silent misread. tests/python/test_dbt_in_process.py checks the key.

Not for commands that must run beside other work in the same process (parallel builds, a
build killed half-way): those keep Sandbox.dbt(..., in_process=False) / run_dbt(...).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import traceback
from collections import OrderedDict
from pathlib import Path

PARSE_TIME_VARS = (
    "orders_database", "orders_schema", "orders_table", "customers_table",
    "orders_freshness_warn_after_days", "orders_freshness_error_after_days",
)
PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "macros", "models", "seeds", "tests", "analyses", "plugins")
# Read per command (where files go), never stored in the manifest.
RUN_ONLY_ENVIRONMENT = {"DBT_TARGET_PATH", "DBT_LOG_PATH", "RFM_DUCKDB_TEMP_DIRECTORY", "RFM_DUCKDB_PATH",
                        "DBT_SEND_ANONYMOUS_USAGE_STATS", "DBT_EXCLUDE_RESOURCE_TYPES", "DBT_LOG_LEVEL_FILE",
                        "RFM_DBT_THREADS"}
# Commands that read no manifest.
WITHOUT_MANIFEST = {"parse", "debug", "deps", "clean", "init", "--version"}

# RFM_TESTS_DBT_SUBPROCESS=1 runs every command in a child process again (to compare, or to debug).
ENABLED = os.environ.get("RFM_TESTS_DBT_SUBPROCESS") != "1"
# A parsed manifest holds tens of MB; most keys (a sandbox's copy of the project) serve one test file.
MANIFESTS_KEPT = 4
_manifests: OrderedDict[tuple, object] = OrderedDict()
STATS = {"parses": 0, "commands": 0}


def project_signature(project_dir: Path) -> tuple:
    entries = []
    for part in PROJECT_PARTS:
        path = project_dir / part
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []
        for file in files:
            if "__pycache__" in file.parts:
                continue
            stat = file.stat()
            entries.append((str(file.relative_to(project_dir)), stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


def option_value(args: list[str], *names: str) -> str | None:
    for index, arg in enumerate(args):
        if arg in names and index + 1 < len(args):
            return args[index + 1]
        for name in names:
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def parse_key(project_dir: Path, args: list[str], variables: dict, environment: dict[str, str]) -> tuple:
    database = environment.get("RFM_DUCKDB_PATH") or "rfm_lifecycle.duckdb"
    return (
        str(project_dir.resolve()),
        project_signature(project_dir),
        json.dumps({name: variables.get(name) for name in PARSE_TIME_VARS}, sort_keys=True, default=str),
        Path(database).stem,
        option_value(args, "--target", "-t"),
        option_value(args, "--profile"),
        tuple(sorted((name, value) for name, value in environment.items()
                     if name.startswith(("RFM_", "DBT_")) and name not in RUN_ONLY_ENVIRONMENT)),
    )


@contextlib.contextmanager
def _process_state(environment: dict[str, str], cwd: Path):
    """The child process's environment and folder, put back afterwards."""
    saved_environment = dict(os.environ)
    saved_cwd = os.getcwd()
    os.environ.clear()
    os.environ.update(environment)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_environment)


def _invoke(args: list[str], manifest=None):
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import capture_stdout_logs, stop_capture_stdout_logs

    output = io.StringIO()
    capture_stdout_logs(output)
    try:
        result = dbtRunner(manifest=manifest).invoke(args)
    finally:
        stop_capture_stdout_logs()
        _release_duckdb()
    return result, output.getvalue()


def _release_duckdb() -> None:
    """Close the database dbt-duckdb keeps open between commands in one process, as a child process's
    exit would: else the test's own read-only connection to the file meets "a different configuration"."""
    import gc

    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    DuckDBConnectionManager._ENV = None
    if environment is not None:
        environment.close()
    gc.collect()


def run(args: list[str], project_dir: Path, environment: dict[str, str],
        variables: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`dbt <args> [--vars <variables>]` with `environment` as the whole environment, in `cwd`
    (default the project), as a CompletedProcess (returncode 0 success, 1 failure, 2 error)."""
    variables = variables or {}
    full = [*args, "--project-dir", str(project_dir)]
    if variables:
        full += ["--vars", json.dumps(variables)]
    command = ["dbt", *full]
    STATS["commands"] += 1
    with _process_state(environment, cwd or project_dir):
        manifest = None
        if args[0] not in WITHOUT_MANIFEST:
            manifest, failed = manifest_here(args, project_dir, variables)
            if failed is not None:
                return _completed(command, *failed)
        result, output = _invoke(full, manifest)
    return _completed(command, result, output)


def manifest_here(args: list[str], project_dir: Path, variables: dict) -> tuple[object, tuple | None]:
    """The parsed manifest for `dbt <args>` under this process's environment and folder, parsed on
    first use of its key: (manifest, None), or (None, (result, output)) when the parse failed."""
    key = parse_key(project_dir, args, variables, dict(os.environ))
    manifest = _manifests.get(key)
    if manifest is not None:
        _manifests.move_to_end(key)
        return manifest, None
    parse_args = ["parse", "--project-dir", str(project_dir)]
    for name in ("--target", "--profile", "--profiles-dir"):
        value = option_value(args, name)
        if value is not None:
            parse_args += [name, value]
    if variables:
        parse_args += ["--vars", json.dumps(variables, default=str)]
    parsed, parse_output = _invoke(parse_args)
    STATS["parses"] += 1
    if not parsed.success or parsed.result is None:
        return None, (parsed, parse_output)
    _manifests[key] = parsed.result
    while len(_manifests) > MANIFESTS_KEPT:
        _manifests.popitem(last=False)
    return parsed.result, None


def dbt(args: list[str], project_dir: Path, environment: dict[str, str], variables: dict | None = None,
        cwd: Path | None = None, in_process: bool = True) -> subprocess.CompletedProcess:
    """`dbt <args> [--vars <variables>]` on `project_dir`, with `environment` as the whole environment:
    in this process (run) unless in_process=False or RFM_TESTS_DBT_SUBPROCESS=1, then in a child process."""
    if in_process and ENABLED:
        return run(args, project_dir, environment, variables, cwd)
    command = [str(Path(sys.executable).with_name("dbt")), *args, "--project-dir", str(project_dir)]
    if variables:
        command += ["--vars", json.dumps(variables, default=str)]
    return subprocess.run(command, cwd=cwd or project_dir, env=environment, capture_output=True, text=True,
                          timeout=1800)


def _completed(command: list[str], result, output: str) -> subprocess.CompletedProcess:
    stderr = ""
    if result.exception is not None:
        stderr = "".join(traceback.format_exception(result.exception))
        output += f"\n{type(result.exception).__name__}: {result.exception}\n"
    returncode = 0 if result.success else (2 if result.exception is not None else 1)
    return subprocess.CompletedProcess(command, returncode, output, stderr)
