"""The new-episodes sensor: against a DuckDB warehouse with landed fixture feeds, its first
evaluation reports every episode, the next none, and after a feed gains an item exactly that
one. The identity query is also checked on both targets."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from core.settings import Settings
from core.warehouse import connect
from dagster_project.defs.ingest.sensors import (
    EPISODE_MODELS,
    RSS_ITEMS,
    Cursor,
    new_episodes_sensor,
    sensors,
)
from dagster_project.resources import WarehouseResource
from ingest.rss.episodes import new_episodes
from ingest.rss.land import land_feeds
from tests.rss.conftest import FEEDS, open_warehouse

SHOWS = [("garden", "feeds/garden.xml"), ("harbor", "feeds/harbor.xml"),
         ("rerun", "feeds/rerun.xml")]
# by hand from the fixtures: libsyn 2 guids, megaphone 3 guids, duplicate-guids: rerun-001
# (twice), the enclosure URL of the guid-less item, rerun-003; the item with neither is none
FIRST = {
    ("garden", "0f3c2a9e-6b1d-4c43-9a52-6e0b3c1f4242"),
    ("garden", "9a1b7c55-2d0e-4f8a-8c33-1d2e3f404141"),
    ("harbor", "4e1b9a2c-11f0-11f1-9c2a-0b3e5c7d9f01"),
    ("harbor", "3d0a8f1b-11f0-11f1-9c2a-0b3e5c7d9f02"),
    ("harbor", "2c9f7e0a-11f0-11f1-9c2a-0b3e5c7d9f03"),
    ("rerun", "rerun-001"),
    ("rerun", "https://cdn.rerun.example/audio/002.mp3"),
    ("rerun", "rerun-003"),
}
NEW_ITEM = (b"<item><title>Ep. 43: Seeds</title><guid>ep-43</guid>"
            b"<pubDate>Tue, 10 Mar 2026 10:00:00 +0000</pubDate>"
            b'<enclosure url="https://traffic.libsyn.com/gardenshed/ep43.mp3" length="1000" '
            b'type="audio/mpeg"/></item>\n    <item>')


def _copy_feeds(landing: Path) -> None:
    feeds = landing / "feeds"
    feeds.mkdir(parents=True, exist_ok=True)
    for name, fixture in (("garden", "libsyn"), ("harbor", "megaphone"),
                          ("rerun", "duplicate-guids")):
        shutil.copy(FEEDS / f"{fixture}.xml", feeds / f"{name}.xml")


def _add_item(landing: Path) -> None:
    path = landing / "feeds" / "garden.xml"
    path.write_bytes(path.read_bytes().replace(b"<item>", NEW_ITEM, 1))


def _land(settings: Settings, instance: dg.DagsterInstance) -> None:
    """What the rss_feeds asset does: land, then raw/rss_items is materialised."""
    wh = connect(settings)
    try:
        land_feeds(wh, settings.landing_dir)
    finally:
        wh.close()
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=RSS_ITEMS))


def _evaluate(instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(instance=instance, cursor=cursor,
                                      resources={"warehouse": WarehouseResource()})
    result = new_episodes_sensor(context)
    if isinstance(result, dg.SkipReason):
        return dg.SensorResult(skip_reason=result, cursor=cursor)
    return result


def _reported(result: dg.SensorResult) -> set[tuple[str, str]]:
    if not result.asset_events:
        return set()
    listed = result.asset_events[0].metadata["new_episodes"].value
    return {(e["show_id"], e["identity"]) for e in listed}


@pytest.fixture
def duckdb_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings = Settings(warehouse="duckdb", duckdb_path=tmp_path / "wh.duckdb",
                        landing_dir=tmp_path / "landing")
    # WarehouseResource reads the PODWH_* variables: point them at this warehouse
    monkeypatch.setenv("PODWH_WAREHOUSE", "duckdb")
    monkeypatch.setenv("PODWH_DUCKDB_PATH", str(settings.duckdb_path))
    monkeypatch.setenv("PODWH_LANDING_DIR", str(settings.landing_dir))
    _copy_feeds(settings.landing_dir)
    open_warehouse(settings, SHOWS).close()
    return settings


def test_sensor_reports_all_then_none_then_exactly_the_new_item(duckdb_settings: Settings):
    with dg.instance_for_test() as instance:
        nothing_yet = _evaluate(instance, None)
        assert not nothing_yet.run_requests  # no materialisation: the warehouse isn't opened

        _land(duckdb_settings, instance)
        first = _evaluate(instance, None)
        assert _reported(first) == FIRST
        assert len(first.run_requests) == 1
        assert first.run_requests[0].tags["podwh/new_episodes"] == str(len(FIRST))

        again = _evaluate(instance, first.cursor)  # same materialisation: nothing to do
        assert not again.run_requests and again.cursor == first.cursor

        _land(duckdb_settings, instance)  # a poll where every feed is unchanged
        second = _evaluate(instance, first.cursor)
        assert not second.run_requests and _reported(second) == set()
        assert Cursor.parse(second.cursor).storage_id > Cursor.parse(first.cursor).storage_id

        _add_item(duckdb_settings.landing_dir)
        _land(duckdb_settings, instance)
        third = _evaluate(instance, second.cursor)  # a "restarted" sensor: only the cursor
        assert _reported(third) == {("garden", "ep-43")}
        assert third.run_requests[0].tags["podwh/new_episodes"] == "1"
        assert third.run_requests[0].run_key != first.run_requests[0].run_key


def test_a_busy_warehouse_skips_without_moving_the_cursor(duckdb_settings: Settings,
                                                          monkeypatch: pytest.MonkeyPatch):
    with dg.instance_for_test() as instance:
        _land(duckdb_settings, instance)
        monkeypatch.setenv("PODWH_DUCKDB_PATH", str(duckdb_settings.landing_dir))  # a folder
        busy = _evaluate(instance, None)
        assert not busy.run_requests and busy.cursor is None


def test_new_episode_identities_on_both_targets(settings: Settings):
    _copy_feeds(settings.landing_dir)
    wh = open_warehouse(settings, SHOWS)
    try:
        land_feeds(wh, settings.landing_dir)
        first = new_episodes(wh, None)
        assert {(e.show_id, e.identity) for e in first.episodes} == FIRST
        land_feeds(wh, settings.landing_dir)
        assert new_episodes(wh, first.watermark).episodes == []
        _add_item(settings.landing_dir)
        land_feeds(wh, settings.landing_dir)
        third = new_episodes(wh, first.watermark)
        assert [(e.show_id, e.identity, e.title) for e in third.episodes] == [
            ("garden", "ep-43", "Ep. 43: Seeds")]
        assert new_episodes(wh, third.watermark).episodes == []
    finally:
        wh.close()


def test_sensor_and_its_job_load_with_the_project_definitions():
    from dagster_project.definitions import defs

    merged = dg.Definitions.merge(defs, dg.Definitions(sensors=sensors))
    assert merged.resolve_sensor_def("new_episodes_sensor") is not None
    job = merged.resolve_job_def("refresh_episode_models")
    assert job is not None
    keys = EPISODE_MODELS.resolve(defs.resolve_asset_graph())
    assert {dg.AssetKey(["staging", "stg_rss__items"]),
            dg.AssetKey(["intermediate", "int_episodes_deduplicated"]),
            dg.AssetKey(["marts", "dim_episodes"])} <= keys
    assert not any(k.path[0] == "raw" for k in keys)
