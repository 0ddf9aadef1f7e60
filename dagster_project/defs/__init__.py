"""Dagster definitions by domain: a folder per area with its assets, jobs, schedules,
sensors and checks."""
