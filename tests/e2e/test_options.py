"""Counting options reach dbt through every path (a `podwh` flag, a Dagster job's run
config, the environment through the daily schedule): the same world counted under two
window types gives each type's ground truth. A changed definition recounts the warehouse
and says so; dbt records the definition it built with, on both targets."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from dagster_project.backfill import definition_changes, definition_values, recorded_definition
from dagster_project.cli import main
from dagster_project.dbt_assets import dbt_run_config
from dagster_project.pipeline import failures, materialize_all
from ingest.settings import ModelOptions, Settings
from tests.conftest import requires_postgres
from tests.e2e.conftest import open_warehouse
from tests.e2e.test_counting import COUNTED, _counted, _truth

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]


def _recorded(settings: Settings) -> list[tuple[str, str, str]]:
    wh = open_warehouse(settings)
    try:
        return recorded_definition(wh)
    finally:
        wh.close()


def _assert_counts(settings: Settings, world: Path, window_type: str) -> None:
    truth = _truth(world, window_type).reset_index(drop=True)
    counted = _counted(settings, COUNTED).reset_index(drop=True)
    pd.testing.assert_frame_equal(counted, truth, obj=window_type)
    current = definition_values(ModelOptions(download_window_type=window_type),
                                settings.ip_salt)
    # dbt recorded the definition it counted with, as the pipeline reads it back
    recorded = _recorded(settings)
    assert len(recorded) == 6
    assert definition_changes(recorded, current) == []


@pytest.fixture
def warehouse_copy(duckdb_warehouse: Settings, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A copy of the session's built DuckDB warehouse (first-touch), as the environment."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)  # runs go to an ephemeral instance
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(duckdb_warehouse.duckdb_path, db)
    settings = dataclasses.replace(duckdb_warehouse, duckdb_path=db)
    for name, value in {**settings.dbt_env(),
                        "PODWH_LANDING_DIR": str(settings.landing_dir)}.items():
        monkeypatch.setenv(name, value)
    return settings


def test_every_path_sets_the_window_type(warehouse_copy: Settings, world: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture) -> None:
    settings = warehouse_copy
    _assert_counts(settings, world, "first_touch")

    # a podwh flag: the definition changed, so the warehouse is recounted (and says so)
    assert main(["transform", "--download-window-type", "calendar"]) == 0
    _assert_counts(settings, world, "calendar")
    out = capsys.readouterr().out.splitlines()
    log = Path(next(line.split(": ", 1)[1] for line in out if line.startswith("Full log: ")))
    # the terminal gets a line per stage; dbt's and Dagster's output goes to the log
    assert len(out) <= 6, out
    assert any(line.startswith("✓ Count downloads, build the marts") for line in out)
    text = log.read_text()
    assert "download_window_type 'first_touch' -> 'calendar'" in text
    assert re.search(r"\d+ of \d+ START sql", text)  # dbt's own output

    # a Dagster job's run config
    result = materialize_all(dg.DagsterInstance.ephemeral(), job_name="transform",
                             run_config=dbt_run_config(ModelOptions(
                                 download_window_type="last_touch")))
    assert result.success, failures(result)
    _assert_counts(settings, world, "last_touch")

    # the environment, through the daily schedule's run config: the same definition as the
    # warehouse holds, so nothing is recounted
    monkeypatch.setenv("PODWH_DOWNLOAD_WINDOW_TYPE", "last_touch")
    from dagster_project.schedules import daily_schedule

    request = daily_schedule(dg.build_schedule_context())
    instance = dg.DagsterInstance.ephemeral()
    result = materialize_all(instance, run_config=request.run_config)
    assert result.success, failures(result)
    messages = [e.user_message for e in instance.all_logs(result.run_id)]
    assert not any("recounting" in m for m in messages)
    assert any("download_window_type=last_touch" in m for m in messages)
    _assert_counts(settings, world, "last_touch")


def test_a_bad_option_is_refused_before_anything_runs(warehouse_copy: Settings,
                                                      capsys: pytest.CaptureFixture) -> None:
    assert main(["transform", "--download-window-type", "weekly"]) == 2
    err = capsys.readouterr().err
    assert "--download-window-type='weekly'" in err and "calendar" in err


def test_duckdb_records_the_definition(duckdb_warehouse: Settings) -> None:
    current = definition_values(ModelOptions(), duckdb_warehouse.ip_salt)
    recorded = _recorded(duckdb_warehouse)
    assert {name for _, name, _ in recorded} == {
        "download_window_type", "default_header_bytes", "abusive_ip_threshold",
        "abusive_ip_allowlist", "default_tenant_id", "ip_salt_md5"}
    assert definition_changes(recorded, current) == []


@requires_postgres
@pytest.mark.postgres
def test_postgres_records_the_definition(postgres_warehouse: Settings) -> None:
    current = definition_values(ModelOptions(), postgres_warehouse.ip_salt)
    assert len(_recorded(postgres_warehouse)) == 6
    assert definition_changes(_recorded(postgres_warehouse), current) == []
    changed = definition_values(ModelOptions(default_header_bytes=512),
                                postgres_warehouse.ip_salt)
    assert definition_changes(_recorded(postgres_warehouse), changed) == [
        "default_header_bytes 0 -> 512"]
