"""A throw-away copy of the dbt project with its own DuckDB file, for tests that
break seeds, change vars or write files without touching the working copy."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import dbt_in_process

ROOT = Path(__file__).resolve().parents[2]
# A sandbox copies exactly what dbt parses, the parts the in-process parse key watches.
PROJECT_PARTS = dbt_in_process.PROJECT_PARTS


class Sandbox:
    """Lives in its own temporary folder (not pytest's tmp_path, whose retention can delete
    the folder of a test still running in another pytest process on the same machine)."""

    def __init__(self):
        self.path = path = Path(tempfile.mkdtemp(prefix="rfm_lifecycle_sandbox_"))
        for part in PROJECT_PARTS:
            source = ROOT / part
            if source.is_dir():
                shutil.copytree(source, path / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            elif source.exists():
                shutil.copy2(source, path / part)
        self.database = path / "sandbox.duckdb"

    def generate_orders(self, *args: str) -> None:
        demo = self.path / "data" / "demo"
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "generate_orders.py"), *args,
             "--out", str(demo / "orders.csv"), "--customers-out", str(demo / "customers.csv")],
            check=True, capture_output=True, text=True, timeout=300,
        )

    def dbt(self, *args: str, dbt_vars: dict | None = None, check: bool = True,
            in_process: bool = True) -> subprocess.CompletedProcess:
        """`dbt <args>` on the sandbox: in this process (tests/python/dbt_in_process.py) unless
        in_process=False, for a command that must run beside other work or be killed."""
        env = {
            **os.environ,
            "DBT_PROFILES_DIR": str(self.path),
            "DBT_PROJECT_DIR": str(self.path),
            "RFM_DUCKDB_PATH": str(self.database),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "RFM_DUCKDB_TEMP_DIRECTORY": str(self.path / "duckdb_tmp"),
        }
        result = dbt_in_process.dbt(list(args), self.path, env, dbt_vars, cwd=self.path, in_process=in_process)
        if check and result.returncode != 0:
            raise AssertionError(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
        return result

    def query(self, sql: str) -> list[tuple]:
        import duckdb

        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    @property
    def rules_seed(self) -> Path:
        return self.path / "seeds" / "rfm_segment_rules.csv"
