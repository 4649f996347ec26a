"""Dagster orchestration example for rfm_lifecycle: see orchestration/README.md."""
