"""Jobs and schedules: the whole pipeline daily, the feeds every 15 minutes."""

from __future__ import annotations

import dagster as dg

from dagster_project.ingest_assets import raw_key
from ingest.contract import RSS_TABLES

everything_job = dg.define_asset_job("daily_refresh", selection=dg.AssetSelection.all(),
                                     description="Load all landing data and rebuild every model.")
transform_job = dg.define_asset_job(
    "transform", selection=dg.AssetSelection.groups("staging", "intermediate", "marts"),
    description="Only the dbt models and tests, over what is already loaded (counting a large "
    "access-log backlog in passes).")
analyses_job = dg.define_asset_job(
    "analyses", selection=dg.AssetSelection.groups("analyses"),
    description="Only the Python analyses (Markov and Shapley attribution) over the marts.")
rss_job = dg.define_asset_job(
    "rss_poll",
    selection=dg.AssetSelection.assets(*[raw_key(t.name) for t in RSS_TABLES]),
    description="Poll the registered RSS feeds (conditional GET: unchanged feeds cost a 304).",
)

daily_schedule = dg.ScheduleDefinition(job=everything_job, cron_schedule="0 3 * * *",
                                       execution_timezone="UTC")
rss_schedule = dg.ScheduleDefinition(job=rss_job, cron_schedule="*/15 * * * *",
                                     execution_timezone="UTC")
