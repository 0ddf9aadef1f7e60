"""Dagster wiring: assets, resources, schedules. Logic lives in `ingest/` and `analyses/`."""
