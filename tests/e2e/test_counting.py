"""IAB v2.3 download counts equal the synthetic world's ground truth exactly, for every
window type, on both targets; exclusions reconcile with the generator's own labels.

The window type reaches dbt on every path: on DuckDB through a `podwh` flag, a Dagster
job's run config and the daily schedule (each a change of definition, so a recount that
says so); on Postgres through dbt's own --vars, as a user running dbt by hand would, where
the models rebuild what the changed var reaches."""

from __future__ import annotations

import json
import re
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from cli.pipeline import failures, materialize_all
from cli.podwh import main
from core.settings import ModelOptions, Settings
from dagster_project.defs.transform.assets import dbt_run_config
from dagster_project.defs.transform.schedules import daily_schedule
from dagster_project.resources import ModelOptionsResource
from tests.conftest import requires_postgres
from tests.e2e.conftest import dbt_cli, open_warehouse

pytestmark = [pytest.mark.slow]  # xdist group: see conftest.py

COUNTED = """
    select e.show_id, coalesce(e.guid, e.enclosure_url) as episode_guid,
        cast(d.download_date as varchar) as download_date,
        count(*) as downloads, count(distinct d.listener_key) as listeners
    from marts.fct_downloads as d
    inner join marts.dim_episodes as e on d.episode_id = e.episode_id
    group by 1, 2, 3
"""
# the same figures as kept by the (incremental) daily mart
DAILY = """
    select e.show_id, coalesce(e.guid, e.enclosure_url) as episode_guid,
        cast(d.download_date as varchar) as download_date, d.downloads, d.listeners
    from marts.fct_episode_daily as d
    inner join marts.dim_episodes as e on d.episode_id = e.episode_id
"""
KEY = ["show_id", "episode_guid", "download_date"]


def _counted(settings: Settings, query: str = COUNTED) -> pd.DataFrame:
    wh = open_warehouse(settings)
    try:
        rows = wh.fetchall(query)
    finally:
        wh.close()
    frame = pd.DataFrame(rows, columns=[*KEY, "downloads", "listeners"])
    return frame.astype({"downloads": int, "listeners": int}).sort_values(KEY)


def _truth(world: Path, window_type: str) -> pd.DataFrame:
    truth = pd.read_csv(world / "ground_truth" / "downloads_daily.csv", dtype=str)
    truth = truth[truth["window_type"] == window_type].drop(columns="window_type")
    return truth.astype({"downloads": int, "listeners": int}).sort_values(KEY)


def _rebuild(settings: Settings, window_type: str, tmp_path: Path,
             select: str = "int_downloads_windowed+", *flags: str) -> None:
    """Rebuild the counting models with another window type, as a user would (their tests
    ran in the full build)."""
    proc = dbt_cli(settings, tmp_path / window_type, "run", "--select", select, *flags,
                   "--vars", json.dumps({"download_window_type": window_type}))
    assert proc.returncode == 0, proc.stdout[-4000:]


def _check_every_window_type(settings: Settings, world: Path, tmp_path: Path) -> None:
    default = json.loads((world / "world.json").read_text())["counting"]
    assert default["default_window_type"] == "first_touch"
    # first_touch last: the warehouse ends in its default state for the other tests
    for window_type in ("calendar", "last_touch", "first_touch"):
        _rebuild(settings, window_type, tmp_path)
        truth = _truth(world, window_type).reset_index(drop=True)
        for query in (COUNTED, DAILY):  # the incremental daily mart caught up too
            counted = _counted(settings, query)
            assert counted["downloads"].sum() == truth["downloads"].sum(), window_type
            pd.testing.assert_frame_equal(counted.reset_index(drop=True), truth,
                                          obj=window_type)


def _check_exclusions(settings: Settings, world: Path) -> None:
    truth = pd.read_csv(world / "ground_truth" / "request_exclusions.csv")
    expected = dict(zip(truth["reason"], truth["requests"], strict=True))
    wh = open_warehouse(settings)
    try:
        columns = [f"excluded_{r}" for r in expected if r != "counted_candidate"]
        sums = wh.fetchall(f"select {', '.join(f'sum({c})' for c in columns)}, "
                           "sum(candidate_requests), sum(requests) "
                           "from marts.fct_download_reconciliation_daily")[0]
    finally:
        wh.close()
    got = dict(zip([c.removeprefix("excluded_") for c in columns] + ["counted_candidate"],
                   map(int, sums[:-1]), strict=True))
    assert got == expected
    assert int(sums[-1]) == sum(expected.values())


BY_COUNTRY = """
    select e.show_id, coalesce(e.guid, e.enclosure_url) as episode_guid,
        cast(s.download_date as varchar) as download_date, s.country_code,
        sum(s.downloads) as downloads, sum(s.listeners) as listeners
    from marts.fct_episode_daily_segments as s
    inner join marts.dim_episodes as e on s.episode_id = e.episode_id
    group by 1, 2, 3, 4
"""


def _check_countries(settings: Settings, world: Path) -> None:
    """The country split (default window type) equals the ground truth. A listener key has
    one user agent and one IP prefix, so it falls in one segment: listeners add up too."""
    wh = open_warehouse(settings)
    try:
        rows = wh.fetchall(BY_COUNTRY)
    finally:
        wh.close()
    key = [*KEY, "country_code"]
    counted = pd.DataFrame(rows, columns=[*key, "downloads", "listeners"])
    counted = counted.astype({"downloads": int, "listeners": int}).sort_values(key)
    truth = pd.read_csv(world / "ground_truth" / "downloads_daily_country.csv", dtype=str,
                        keep_default_na=False)
    truth = truth[truth["window_type"] == "first_touch"].drop(columns="window_type")
    truth["country_code"] = truth["country_code"].replace("", "unknown")
    truth = truth.astype({"downloads": int, "listeners": int}).sort_values(key)
    assert set(counted["country_code"]) == set(truth["country_code"])
    pd.testing.assert_frame_equal(counted.reset_index(drop=True), truth.reset_index(drop=True))


def _assert_counts(settings: Settings, world: Path, window_type: str) -> None:
    """Downloads and the daily mart equal the type's truth, and dbt recorded the definition
    it counted with as the pipeline reads it back."""
    from core.backfill import definition_changes, definition_values
    from tests.e2e.test_options import recorded

    truth = _truth(world, window_type).reset_index(drop=True)
    for query in (COUNTED, DAILY):
        pd.testing.assert_frame_equal(_counted(settings, query).reset_index(drop=True), truth,
                                      obj=window_type)
    built = recorded(settings)
    assert len(built) == 6
    current = definition_values(ModelOptions(download_window_type=window_type),
                                settings.ip_salt)
    assert definition_changes(built, current) == []


def _check_every_path_sets_the_window_type(settings: Settings, world: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture) -> None:
    for name, value in {**settings.dbt_env(),
                        "PODWH_LANDING_DIR": str(settings.landing_dir)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)  # runs go to an ephemeral instance
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

    # the environment, through the daily schedule's run config (back to the default, for
    # the other tests of this warehouse)
    monkeypatch.setenv("PODWH_DOWNLOAD_WINDOW_TYPE", "first_touch")
    request = daily_schedule(dg.build_schedule_context(
        resources={"model_options": ModelOptionsResource()}))
    instance = dg.DagsterInstance.ephemeral()
    result = materialize_all(instance, run_config=request.run_config)
    assert result.success, failures(result)
    messages = [e.user_message for e in instance.all_logs(result.run_id)]
    assert any("download_window_type=first_touch" in m for m in messages)
    assert any("recounting every request day" in m for m in messages)
    _assert_counts(settings, world, "first_touch")


def test_duckdb_counts_equal_ground_truth(duckdb_warehouse: Settings, world: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture):
    _check_exclusions(duckdb_warehouse, world)
    _check_countries(duckdb_warehouse, world)
    _check_every_path_sets_the_window_type(duckdb_warehouse, world, monkeypatch, capsys)


@requires_postgres
@pytest.mark.postgres
def test_postgres_counts_equal_ground_truth(postgres_warehouse: Settings, world: Path,
                                            tmp_path: Path):
    _check_exclusions(postgres_warehouse, world)
    _check_countries(postgres_warehouse, world)
    _check_every_window_type(postgres_warehouse, world, tmp_path)
