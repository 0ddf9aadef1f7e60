"""The Dagster code location (`definitions.py`), its resources, and `defs/<area>/`:
definitions only. The logic they call lives in `core/`, `ingest/` and `analyses/`."""
