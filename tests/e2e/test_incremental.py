"""Incremental counting: access logs and ad deliveries arriving over several runs (a first
build in bounded passes, then new days and a late file for an earlier day) count and
deliver exactly what the whole world gives at once - the ground truth - and a rerun with
nothing new rewrites nothing. Emptied days (every file replaced by an empty one) leave the
marts as a full refresh builds them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from cli.podwh import main as podwh_main
from core.settings import Settings
from core.warehouse import DuckDBWarehouse
from tests.conftest import fresh_postgres_database, requires_postgres
from tests.e2e.conftest import dbt_cli, mart_frame, materialise, open_warehouse
from tests.e2e.test_counting import DAILY, _check_exclusions, _counted, _rebuild, _truth
from tests.e2e.test_sponsorship import _check_delivered

pytestmark = [pytest.mark.slow]  # xdist group: see conftest.py

STAMPS = """
    select
        (select max(_processed_at) from intermediate.int_requests_filtered),
        (select max(_processed_at) from intermediate.int_downloads_windowed),
        (select max(_processed_at) from marts.fct_episode_daily),
        (select max(_processed_at) from marts.fct_episode_daily_segments),
        (select max(_processed_at) from marts.fct_show_listeners),
        (select max(_processed_at) from intermediate.int_inserted_ads_matched),
        (select max(_processed_at) from intermediate.int_download_coverage_merged),
        (select max(_processed_at) from marts.fct_ad_impressions),
        (select max(_processed_at) from intermediate.int_exposures_aggregated)
"""
# marts maintained incrementally (or from incremental ones): compared with a full rebuild
MARTS = ["fct_episode_daily", "fct_episode_daily_segments", "fct_show_listeners",
         "fct_episode_performance", "fct_ad_impressions", "fct_campaign_incrementality"]
# the incremental models the full refresh that checks them rebuilds, with all they feed
INCREMENTAL_INPUTS = ["int_requests_filtered", "int_inserted_ads_matched"]


def _staged_landing(world: Path, dest: Path) -> tuple[Path, list[Path]]:
    """A copy of the world's landing folder without its last two days of access logs and ad
    deliveries and one access-log file of the day before them (arriving late); returns it
    and the held-back files (each to go back to its folder)."""
    landing = dest / "landing"
    shutil.copytree(world / "landing", landing, symlinks=True)
    logs = sorted((landing / "access_logs").iterdir())
    days = sorted({f.name[:10] for f in logs})
    held = [f for f in logs if f.name[:10] in days[-2:]]
    late_day = [f for f in logs if f.name[:10] == days[-3]]
    held.append(late_day[-1])
    held += [f for f in (landing / "ad_delivery").iterdir() if f.name[:10] in days[-2:]]
    assert any(f.parent.name == "ad_delivery" for f in held)
    spool = dest / "held"
    for f in held:
        (spool / f.parent.name).mkdir(parents=True, exist_ok=True)
        f.rename(spool / f.parent.name / f.name)
    return landing, sorted(spool.glob("*/*"))


def _requests(world: Path) -> int:
    files = json.loads((world / "world.json").read_text())["files"]
    return sum(n for name, n in files.items() if "access_logs" in name)


def _stamps(settings: Settings) -> tuple:
    wh = open_warehouse(settings)
    try:
        return tuple(wh.fetchall(STAMPS)[0])
    finally:
        wh.close()


def _back_up_and_restore(settings: Settings, twin: Settings, tmp_path: Path) -> None:
    """Back the warehouse up with `podwh backup` and restore it with `podwh restore` into
    an empty one: the rest of the test (late files, reruns, emptied days, a full rebuild
    compared) runs on the restored copy, so a restored warehouse carries on as the
    original would."""
    for command, target in (("backup", settings), ("restore", twin)):
        with pytest.MonkeyPatch.context() as mp:
            for name, value in {**target.dbt_env(), "PODWH_PUBLISHED_PATH": "off"}.items():
                mp.setenv(name, value)
            assert podwh_main([command, str(tmp_path / "backup")]) == 0
    assert _stamps(twin) == _stamps(settings)


def _check_incremental(settings: Settings, world: Path, landing: Path, held: list[Path],
                       tmp_path: Path, empty_a_delivery_day: bool = False,
                       passes: int = 2, restore: bool = False) -> Settings:
    # first build in `passes` passes of at most 1/passes of the requests each (the backlog
    # planner splits by day: core/backfill.py, tests/dagster/test_backfill.py)
    batch = str(_requests(world) // passes)
    materialise(settings, PODWH_COUNTING_BATCH_REQUESTS=batch)
    if restore:  # DuckDB: the rest runs on a restored copy in a new file
        twin = dataclasses.replace(settings, duckdb_path=tmp_path / "restored" / "w.duckdb")
        _back_up_and_restore(settings, twin, tmp_path)
        settings = twin
    _carry_on(settings, world, landing, held, tmp_path, batch, empty_a_delivery_day)
    return settings


def _carry_on(settings: Settings, world: Path, landing: Path, held: list[Path],
              tmp_path: Path, batch: str, empty_a_delivery_day: bool) -> None:
    for f in held:  # two new days and a late file for an earlier, still open, day
        shutil.move(f, landing / f.parent.name / f.name)
    materialise(settings, PODWH_COUNTING_BATCH_REQUESTS=batch)
    counted, truth = _counted(settings), _truth(world, "first_touch")
    assert counted["downloads"].sum() == truth["downloads"].sum()
    assert counted.reset_index(drop=True).equals(truth.reset_index(drop=True))
    assert _counted(settings, DAILY).reset_index(drop=True).equals(truth.reset_index(drop=True))
    _check_exclusions(settings, world)
    _check_delivered(settings, world)
    # the marts rewrote only the days the new files could change: from the day before the
    # late file's (a rolling window opened then may reach into it) on
    first_changed = dt.date.fromisoformat(min(f.name[:10] for f in held)) - dt.timedelta(days=1)
    assert min(_days_rewritten(settings)) >= first_changed
    _check_coverage_by_window(settings, first_changed.isoformat())
    new_days = sorted({f.name[:10] for f in held if f.parent.name == "ad_delivery"})
    late_day = (first_changed + dt.timedelta(days=1)).isoformat()
    _check_impression_days_rebuilt_whole(settings, new_days, late_day, first_changed.isoformat())

    stamps = _stamps(settings)
    materialise(settings)  # nothing new: nothing is rebuilt
    assert _stamps(settings) == stamps
    assert counted.reset_index(drop=True).equals(_counted(settings).reset_index(drop=True))

    _check_emptied_request_day(settings, landing)
    if empty_a_delivery_day:
        _check_emptied_delivery_day(settings, landing)
    _check_redelivered_and_replaced(settings, landing)
    _check_exposures(settings)

    built = _marts(settings)
    _rebuild(settings, "first_touch", tmp_path, " ".join(f"{m}+" for m in INCREMENTAL_INPUTS),
             "--full-refresh")
    for mart, frame in _marts(settings).items():
        pd.testing.assert_frame_equal(built[mart], frame, obj=mart)


# a day's downloads (table, window id, day) the latest run rewrote, and the others
STAMPS_OF_DAY = """
    select
        count(distinct case when _processed_at = latest.stamp then {1} end),
        count(distinct case when _processed_at < latest.stamp then {1} end)
    from {0}
    cross join (select max(_processed_at) as stamp from {0}) as latest
    where {2} = cast(? as date)
"""
REBUILT_BY_WINDOW = [
    ("intermediate.int_download_coverage_merged", "download_window_id", "download_date"),
    ("intermediate.int_ad_impressions_delivered", "download_id", "impression_date"),
]


def _check_coverage_by_window(settings: Settings, day: str) -> None:
    """The late file reopened the downloads of the day before it still open at its start:
    their coverage and delivered ads were rebuilt, the rest of that day's kept as built
    (both are rebuilt by window, not by day)."""
    wh = open_warehouse(settings)
    try:
        for table, window_id, day_column in REBUILT_BY_WINDOW:
            rebuilt, kept = wh.fetchall(STAMPS_OF_DAY.format(table, window_id, day_column),
                                        [day])[0]
            assert rebuilt > 0 and kept > 0, (table, rebuilt, kept)
    finally:
        wh.close()


def _check_impression_days_rebuilt_whole(settings: Settings, new_days: list[str],
                                         late_day: str, partial_day: str) -> None:
    """int_ad_impressions_delivered's last run named whole (a null download_id: read and replaced by
    date) the new delivery days and the late file's day (its deliveries were there before,
    but every counted window is new: more than half of them), and the day before the late
    file window by window."""
    wh = open_warehouse(settings)
    try:
        rows = wh.fetchall("select cast(impression_date as varchar), download_id is null, "
                           "count(*) from private.int_ad_impressions_delivered__scope "
                           "group by 1, 2")
    finally:
        wh.close()
    scope = {(day, whole): n for day, whole, n in rows}
    assert late_day not in new_days
    for day in [*new_days, late_day]:
        assert scope.get((day, True)) == 1 and (day, False) not in scope, (day, scope)
    assert (partial_day, True) not in scope and scope.get((partial_day, False), 0) > 0, scope


# the incremental exposure summary against the impressions it summarises, both ways
EXPOSURES_NOT_SUMMARISED = """
    with impressions as (
        select campaign_id, household_ip_hash, impression_date, sponsor_id,
            count(*) as impressions, min(delivered_at) as first_delivered_at,
            max(delivered_at) as last_delivered_at
        from marts.fct_ad_impressions
        group by campaign_id, household_ip_hash, impression_date, sponsor_id
    ),
    summary as (
        select campaign_id, household_ip_hash, impression_date, sponsor_id, impressions,
            first_delivered_at, last_delivered_at
        from intermediate.int_exposures_aggregated
    )
    select count(*) from ((select * from impressions except select * from summary)
                          union all
                          (select * from summary except select * from impressions)) as diff
"""


def _check_exposures(settings: Settings) -> None:
    """After days added, rebuilt and emptied, the exposure summary still adds up to the
    impressions, row by row."""
    wh = open_warehouse(settings)
    try:
        assert wh.fetchall("select count(*) from intermediate.int_exposures_aggregated")[0][0]
        assert wh.fetchall(EXPOSURES_NOT_SUMMARISED)[0][0] == 0
    finally:
        wh.close()


DOWNLOADS_OF_DAY = """
    select coalesce(sum(downloads), 0) from marts.fct_episode_daily
    where download_date = cast(? as date)
"""


def _check_emptied_request_day(settings: Settings, landing: Path) -> None:
    """The access logs of the day before the last (within the look-back, its neighbours
    built) replaced by empty files: its downloads leave the marts though no request is left
    to point at the windows they came from (the full refresh that follows checks the
    neighbouring days, whose windows change with it)."""
    logs = sorted((landing / "access_logs").iterdir())
    day = sorted({f.name[:10] for f in logs})[-2]

    def downloads() -> int:
        wh = open_warehouse(settings)
        try:
            return int(wh.fetchall(DOWNLOADS_OF_DAY, [day])[0][0])
        finally:
            wh.close()

    assert downloads() > 0
    for f in logs:
        if f.name.startswith(day):
            _write_empty(f)
    materialise(settings)
    assert downloads() == 0


def _check_redelivered_and_replaced(settings: Settings, landing: Path) -> None:
    """An access-log file delivered again under a new name changes nothing (the loader
    skips it by its content hash); then the last day's file replaced by one with half its
    rows changes the marts as a full refresh would (compared after this). Not the
    re-delivered file itself: its copy would load in its place (README: a duplicate loads
    after all when its original changes)."""
    logs = sorted((landing / "access_logs").iterdir())
    redelivered, replaced = logs[-3], logs[-1]
    before = _counted(settings)
    stamps = _stamps(settings)
    shutil.copyfile(redelivered, redelivered.with_name(
        f"{redelivered.name[:10]}-again-{redelivered.name[10:]}"))
    materialise(settings)
    assert _stamps(settings) == stamps
    assert _counted(settings).reset_index(drop=True).equals(before.reset_index(drop=True))
    _keep_first_half(replaced)
    materialise(settings)
    assert _counted(settings)["downloads"].sum() < before["downloads"].sum()


def _keep_first_half(log: Path) -> None:
    """Replace a landing log file with one of the same format holding its first half."""
    if log.suffix == ".parquet":
        table = pq.read_table(log)
        pq.write_table(table.slice(0, table.num_rows // 2), log)
        return
    opener = gzip.open if log.suffix == ".gz" else open
    with opener(log, "rb") as fh:
        lines = fh.read().splitlines(keepends=True)
    with opener(log, "wb") as fh:
        fh.write(b"".join(lines[: len(lines) // 2]))


def _write_empty(log: Path) -> None:
    """Replace a landing log file with one of the same format holding no rows."""
    if log.suffix == ".parquet":
        pq.write_table(pq.read_schema(log).empty_table(), log)
    elif log.suffix == ".gz":
        with gzip.open(log, "wb"):
            pass
    else:
        log.write_text("")


DYNAMIC_ADS_OF_DAY = """
    select count(*) from marts.fct_ad_impressions
    where ad_type = 'dynamic' and cast(delivered_at as date) = cast(? as date)
"""


def _check_emptied_delivery_day(settings: Settings, landing: Path) -> None:
    """A day's delivery file replaced by an empty one: the day's inserted ads leave the
    mart though no delivery row is left to point at the downloads they were counted in."""
    day_file = sorted((landing / "ad_delivery").glob("*.jsonl"))[1]
    day = day_file.name[:10]

    def delivered() -> int:
        wh = open_warehouse(settings)
        try:
            return wh.fetchall(DYNAMIC_ADS_OF_DAY, [day])[0][0]
        finally:
            wh.close()

    assert delivered() > 0
    day_file.write_text("")
    materialise(settings)
    assert delivered() == 0


def _days_rewritten(settings: Settings) -> list[dt.date]:
    """The download days of fct_episode_daily that the latest run rewrote."""
    wh = open_warehouse(settings)
    try:
        return [row[0] for row in wh.fetchall(
            "select distinct download_date from marts.fct_episode_daily "
            "where _processed_at = (select max(_processed_at) from marts.fct_episode_daily)")]
    finally:
        wh.close()


def _marts(settings: Settings) -> dict[str, pd.DataFrame]:
    """Each incremental mart's rows in a stable order, without their run stamps."""
    wh = open_warehouse(settings)
    try:
        return {mart: mart_frame(wh, mart).drop(columns=["_processed_at"], errors="ignore")
                for mart in MARTS}
    finally:
        wh.close()


# (dbt test, table, rows to duplicate, {age of the copy's stamp in hours: dbt's exit code}):
# tests that check the rows the latest run wrote
LATEST_RUN_TESTS = [
    # a duplicate stamped by an older run was tested when written: it passes unseen
    ("unique_int_requests_filtered_request_id", "intermediate.int_requests_filtered", "true",
     {24: 0, 0: 1}),
    # an inserted ad delivered twice; a delivery the latest run wrote is checked against
    # every impression of it, whatever their stamps
    ("assert_ads_delivered_within_downloads", "intermediate.int_ad_impressions_delivered",
     "ad_type = 'dynamic'", {24: 1, 0: 1}),
]
# a copy of one of the latest run's rows, stamped by that run or by an earlier one
DUPLICATE_ROW = """
    insert into {table}
    select * replace (_processed_at - interval '{age} hours' as _processed_at)
    from {table}
    where {rows} and _processed_at = (select max(_processed_at) from {table})
    limit 1
"""


def _check_tests_read_the_latest_run(settings: Settings, tmp_path: Path) -> None:
    """The tests of the latest run's rows see a duplicate of one of them."""
    for test, table, rows, cases in LATEST_RUN_TESTS:
        for age, returncode in cases.items():
            wh = DuckDBWarehouse(settings.duckdb_path)
            try:
                before = wh.fetchall(f"select count(*) from {table}")[0][0]
                wh.execute(DUPLICATE_ROW.format(table=table, rows=rows, age=age))
                assert wh.fetchall(f"select count(*) from {table}")[0][0] == before + 1
            finally:
                wh.close()
            proc = dbt_cli(settings, tmp_path / "dbt-test", "test", "--select", test)
            assert proc.returncode == returncode, (test, age, proc.stdout[-3000:])


def test_duckdb_incremental_runs_count_the_whole_world(world: Path, tmp_path: Path):
    landing, held = _staged_landing(world, tmp_path)
    settings = Settings(warehouse="duckdb", duckdb_path=tmp_path / "w.duckdb",
                        landing_dir=landing)
    restored = _check_incremental(settings, world, landing, held, tmp_path,
                                  empty_a_delivery_day=True, restore=True)
    _check_tests_read_the_latest_run(restored, tmp_path)


@requires_postgres
@pytest.mark.postgres
def test_postgres_incremental_runs_count_the_whole_world(world: Path, tmp_path: Path):
    landing, held = _staged_landing(world, tmp_path)
    with fresh_postgres_database() as pg:
        settings = Settings(warehouse="postgres", postgres=pg, landing_dir=landing)
        # not on a restored copy: after pg_restore the next run reopened every delivered
        # ad of one day where the original reopens some (counts still right); open
        _check_incremental(settings, world, landing, held, tmp_path)
