"""Paths the dashboard tests share (a module of its own: `conftest` is a name two folders use)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
APP = PROJECT_ROOT / "dashboard" / "app.py"
