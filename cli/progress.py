"""Follow a run in the terminal: a short line per stage, a progress bar on long stages, and
every event in a log file.

`RunProgress` is a Dagster event listener (`DagsterInstance.add_event_listener`): it is
called with each event the run stores, in the run's own thread. Steps are grouped into the
stages a person thinks in (load, count and build, analyse, publish); the dbt step's bar
counts the models built and the tests run out of those it selected.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import TextIO

from dagster import DagsterEventType, EventLogEntry
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

LOAD, BUILD, ANALYSE, PUBLISH = ("Load landing files", "Count downloads, build the marts",
                                 "Python analyses", "Publish for readers")


def stage_of(step_key: str) -> str:
    if step_key == "dbt_models":
        return BUILD
    if step_key == "published_marts":
        return PUBLISH
    if step_key.startswith("analyses__"):
        return ANALYSE
    return LOAD


@dataclass
class _Stage:
    name: str
    started: float
    task: TaskID
    steps: int = 0
    failed: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    rows_quarantined: int = 0
    models: int = 0
    checks: int = 0
    checks_failed: list[str] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)  # raw tables: contract failed
    load_checks_failed: list[str] = field(default_factory=list)  # the other load checks
    notes: list[str] = field(default_factory=list)


class RunProgress:
    """Event listener printing stage lines to `console` and every event to `log`."""

    def __init__(self, console: Console, log: TextIO, dbt_nodes: int) -> None:
        self.console = console
        self.log = log
        self.dbt_nodes = dbt_nodes
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
            MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True,
            disable=not console.is_terminal)
        self.stage: _Stage | None = None
        self.warnings = 0

    def __enter__(self) -> RunProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._finish_stage()
        self.progress.stop()

    def __call__(self, entry: EventLogEntry) -> None:
        self._log(entry)
        event = entry.dagster_event
        if event is None:
            if entry.level >= 30:  # WARNING
                self.warnings += 1
            self._note(entry.user_message)
            return
        kind = event.event_type
        if kind == DagsterEventType.STEP_START and entry.step_key:
            self._start_stage(stage_of(entry.step_key))
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            self._materialized(event.event_specific_data.materialization)
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            self._checked(event.event_specific_data)
        elif kind == DagsterEventType.STEP_SUCCESS and self.stage:
            self.stage.steps += 1
            if self.stage.name == LOAD:
                self.progress.advance(self.stage.task)
        elif kind == DagsterEventType.STEP_FAILURE and self.stage and entry.step_key:
            self.stage.failed.append(entry.step_key)

    # -- stages

    def _start_stage(self, name: str) -> None:
        if self.stage and self.stage.name == name:
            return
        self._finish_stage()
        total = self.dbt_nodes if name == BUILD else None
        task = self.progress.add_task(name, total=total)
        self.stage = _Stage(name, time.perf_counter(), task)

    def _finish_stage(self) -> None:
        stage, self.stage = self.stage, None
        if stage is None:
            return
        self.progress.remove_task(stage.task)
        seconds = time.perf_counter() - stage.started
        mark = "[red]✗[/]" if stage.failed or stage.checks_failed else "[green]✓[/]"
        self.console.print(f"{mark} {stage.name:<34} {seconds:>6.1f} s  {self._outcome(stage)}",
                           highlight=False)

    def _outcome(self, s: _Stage) -> str:
        if s.failed:
            return f"failed: {', '.join(s.failed)}"
        if s.name == LOAD:
            quarantined = f", {s.rows_quarantined:,} quarantined" if s.rows_quarantined else ""
            held = (f", held back by their data contract: {', '.join(s.held_back)}"
                    if s.held_back else "")
            failed = (f", checks failed: {', '.join(s.load_checks_failed)}"
                      if s.load_checks_failed else "")
            return f"{s.steps} steps, {s.rows_loaded:,} rows loaded{quarantined}{held}{failed}"
        if s.name == BUILD:
            failed = (f", {len(s.checks_failed)} failed: {', '.join(s.checks_failed[:3])}"
                      if s.checks_failed else " passed")
            return f"{s.models} models built, {s.checks} checks{failed}"
        if s.notes:
            return s.notes[-1]
        return f"{s.steps} steps"

    # -- events

    def _materialized(self, materialization: object) -> None:
        stage = self.stage
        if stage is None:
            return
        metadata = getattr(materialization, "metadata", {}) or {}
        if stage.name == LOAD:
            stage.rows_loaded += _number(metadata.get("rows_loaded"))
            stage.rows_quarantined += _number(metadata.get("rows_quarantined"))
        elif stage.name == BUILD:
            stage.models += 1
            self.progress.advance(stage.task)

    def _checked(self, evaluation: object) -> None:
        stage = self.stage
        if stage is not None and stage.name == LOAD and not getattr(evaluation, "passed", True):
            key = getattr(evaluation, "asset_key", None)
            name, check = key.path[-1] if key else "?", getattr(evaluation, "check_name", "?")
            if check == "contract":
                stage.held_back.append(name)
            else:
                stage.load_checks_failed.append(f"{name} {check}")
        if stage is None or stage.name != BUILD:
            return
        stage.checks += 1
        if not getattr(evaluation, "passed", True):
            stage.checks_failed.append(getattr(evaluation, "check_name", "?"))
        self.progress.advance(stage.task)

    def _note(self, message: str) -> None:
        """Log lines an asset means for people (passes, publishing) on the bar."""
        if self.stage is None:
            return
        if self.stage.name == BUILD and message.startswith(("counting", "pass ")):
            self.progress.update(self.stage.task, description=f"{BUILD}: {message[:60]}")
        if self.stage.name in (PUBLISH, ANALYSE):
            self.stage.notes.append(message)

    def _log(self, entry: EventLogEntry) -> None:
        stamp = dt.datetime.fromtimestamp(entry.timestamp, dt.UTC).strftime("%H:%M:%S")
        event = entry.dagster_event
        text = entry.user_message or (event.message if event else "") or ""
        kind = event.event_type_value if event else "LOG"
        self.log.write(f"{stamp} {kind:<24} {entry.step_key or '-':<28} {text}\n")
        self.log.flush()


def _number(value: object) -> int:
    raw = getattr(value, "value", value)
    return int(raw) if isinstance(raw, int | float) else 0
