"""Sensors: notice new episodes after raw/rss_items materialises, refresh the episode models.

`new_episodes_sensor` looks at the event log first (cheap, no warehouse connection): only
when raw/rss_items has a materialisation newer than the one in its cursor does it open the
warehouse and ask which (show, guid-or-enclosure) identities landed after its watermark and
were not known before it (`ingest.rss.episodes`). New episodes are logged, recorded as an
observation on raw/rss_items (metadata: the list), and one run of `refresh_episode_models`
is requested: the dbt models downstream of raw/rss_items. The cursor is a small JSON
document (`{"storage_id": ..., "loaded_at": ...}`) that Dagster persists, so it survives
daemon restarts; a busy warehouse (DuckDB's single writer) skips the tick without moving it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import dagster as dg

from core.warehouse import WarehouseUnavailable
from dagster_project.defs.ingest.assets import raw_key
from dagster_project.defs.publish.assets import PUBLISHED_KEY
from dagster_project.resources import WarehouseResource
from ingest.rss.episodes import Episode, NewEpisodes, new_episodes

RSS_ITEMS = raw_key("rss_items")
MAX_LISTED = 500  # episodes listed in the observation's metadata; the count is always exact

# The dbt models fed by raw/rss_items (staging, intermediate, marts), not the ingest assets.
EPISODE_MODELS = (dg.AssetSelection.assets(RSS_ITEMS).downstream(include_self=False)
                  & dg.AssetSelection.kind("dbt"))
# ... then published, so that readers see them
EPISODE_REFRESH = EPISODE_MODELS | dg.AssetSelection.assets(PUBLISHED_KEY)

refresh_episode_models = dg.define_asset_job(
    "refresh_episode_models",
    selection=EPISODE_REFRESH,
    description="Rebuild the dbt models downstream of raw/rss_items (new episodes landed) "
    "and publish the marts.",
)


@dataclass(frozen=True)
class Cursor:
    storage_id: int = 0  # the last raw/rss_items materialisation looked at
    loaded_at: datetime | None = None  # items landed up to here are known

    @classmethod
    def parse(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        data = json.loads(text)
        loaded_at = data.get("loaded_at")
        return cls(int(data.get("storage_id", 0)),
                   datetime.fromisoformat(loaded_at) if loaded_at else None)

    def dump(self) -> str:
        return json.dumps({"storage_id": self.storage_id,
                           "loaded_at": self.loaded_at.isoformat() if self.loaded_at else None})


def latest_materialization(instance: dg.DagsterInstance) -> int | None:
    records = instance.fetch_materializations(RSS_ITEMS, limit=1).records
    return records[0].storage_id if records else None


def _observation(found: NewEpisodes) -> dg.AssetObservation:
    listed = [{"show_id": e.show_id, "identity": e.identity, "title": e.title}
              for e in found.episodes[:MAX_LISTED]]
    return dg.AssetObservation(asset_key=RSS_ITEMS, metadata={
        "new_episode_count": len(found.episodes),
        "new_episodes": dg.MetadataValue.json(listed),
    })


def _describe(episode: Episode) -> str:
    return f"{episode.show_id}: {episode.title or '(untitled)'} [{episode.identity}]"


@dg.sensor(job=refresh_episode_models, minimum_interval_seconds=60,
           description="New episodes landed in raw/rss_items -> rebuild the episode models.")
def new_episodes_sensor(context: dg.SensorEvaluationContext,
                        warehouse: WarehouseResource) -> dg.SensorResult | dg.SkipReason:
    cursor = Cursor.parse(context.cursor)
    storage_id = latest_materialization(context.instance)
    if storage_id is None or storage_id <= cursor.storage_id:
        return dg.SkipReason("no new materialisation of raw/rss_items")
    try:
        with warehouse.connect() as wh:
            found = new_episodes(wh, cursor.loaded_at)
    except WarehouseUnavailable as exc:  # the cursor stays: the next tick tries again
        return dg.SkipReason(f"warehouse unavailable, will retry: {exc}")
    moved = Cursor(storage_id, found.watermark).dump()
    if not found.episodes:
        return dg.SensorResult(skip_reason="raw/rss_items materialised; no new episodes",
                               cursor=moved)
    for episode in found.episodes[:MAX_LISTED]:
        context.log.info(f"new episode {_describe(episode)}")
    context.log.info(f"{len(found.episodes)} new episode(s): requesting refresh_episode_models")
    stamp = found.watermark.isoformat() if found.watermark else str(storage_id)
    run = dg.RunRequest(run_key=f"new-episodes-{stamp}",
                        tags={"podwh/new_episodes": str(len(found.episodes))})
    return dg.SensorResult(run_requests=[run], cursor=moved, asset_events=[_observation(found)])


sensors = [new_episodes_sensor]
