"""rfm_lifecycle's read-only HTTP API (issue 14): customers, segments, changes and thresholds
from the marts, for CRM and campaign tools that pull instead of reading export files.

Start it with `make api` (or `python -m api`); docs/api.md describes the endpoints."""
