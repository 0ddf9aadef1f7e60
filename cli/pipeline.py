"""Run the whole asset graph in-process, as the daily schedule would, and read a summary."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import dagster as dg
from rich.console import Console

from cli.progress import RunProgress
from core.settings import dagster_home


def materialize_all(
    instance: dg.DagsterInstance | None = None, log_level: str = "WARNING",
    job_name: str = "daily_refresh", run_config: Mapping[str, Any] | None = None,
    console: Console | None = None, log: TextIO | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialise every asset (ingest, then dbt build with its tests) in this process; or
    another job of the definitions (e.g. "transform"). With `console` and `log`, progress
    goes to the console (a line per stage) and everything else to `log`: Dagster's events
    and dbt's output."""
    from dagster_project.definitions import defs  # imported late: it parses the dbt project

    if instance is None:
        instance = dg.DagsterInstance.get() if dagster_home() else (
            dg.DagsterInstance.ephemeral())
    job = defs.resolve_job_def(job_name)
    config = dict(run_config or {})
    if console is None or log is None:
        # The full event log goes to the Dagster instance (see it in the UI); the console
        # gets warnings only, so quarantined rows and failures stand out.
        config["loggers"] = {"console": {"config": {"log_level": log_level}}}
        return job.execute_in_process(instance=instance, raise_on_error=False,
                                      run_config=config)
    config["loggers"] = {"console": {"config": {"log_level": "CRITICAL"}}}
    run_id = str(uuid.uuid4())
    with RunProgress(console, log, dbt_node_count()) as progress, \
            contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        instance.add_event_listener(run_id, progress)
        result = job.execute_in_process(instance=instance, raise_on_error=False,
                                        run_config=config, run_id=run_id)
    if progress.warnings:
        console.print(f"{progress.warnings} warning(s) in the run: see the full log")
    return result


def dbt_node_count() -> int:
    """Models and tests a full dbt build runs: the dbt step's progress bar total."""
    from dagster_project.defs.transform.assets import dbt_models

    return len(dbt_models.keys) + len(dbt_models.check_keys)


def failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """Failed steps with their error messages, for a readable report: steps that failed
    for the same reason (e.g. a warehouse held by another process) share one line."""
    steps_by_message: dict[str, list[str]] = {}
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            # the step's own error, not Dagster's "error occurred while executing op" wrapper
            while error is not None and error.cause is not None and (
                    error.cls_name or "").startswith("Dagster"):
                error = error.cause
            message = error.message.strip() if error else "failed"
            steps_by_message.setdefault(message, []).append(event.step_key or "?")
    return [f"{', '.join(steps[:3])}{f' and {len(steps) - 3} more steps' if len(steps) > 3 else ''}"
            f": {message}" for message, steps in steps_by_message.items()]


def landing_from(path: str | Path) -> Path:
    landing = Path(path).expanduser().resolve()
    if (landing / "landing").is_dir():  # a generated world: its landing folder
        landing = landing / "landing"
    return landing
