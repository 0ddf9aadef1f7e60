"""The RSS poll: the registered feeds every 15 minutes."""

from __future__ import annotations

import dagster as dg

from core.contract import RSS_TABLES
from dagster_project.defs.ingest.assets import raw_key

rss_job = dg.define_asset_job(
    "rss_poll",
    selection=dg.AssetSelection.assets(*[raw_key(t.name) for t in RSS_TABLES]),
    description="Poll the registered RSS feeds (conditional GET: unchanged feeds cost a 304).",
)

rss_schedule = dg.ScheduleDefinition(job=rss_job, cron_schedule="*/15 * * * *",
                                     execution_timezone="UTC")
