"""Jobs and schedules: the whole pipeline daily, the feeds every 15 minutes."""

from __future__ import annotations

import dagster as dg

from dagster_project.dbt_assets import dbt_run_config
from dagster_project.ingest_assets import raw_key
from dagster_project.publish_assets import PUBLISHED_KEY
from ingest.contract import RSS_TABLES
from ingest.settings import Settings

PUBLISHED = dg.AssetSelection.assets(PUBLISHED_KEY)

everything_job = dg.define_asset_job("daily_refresh", selection=dg.AssetSelection.all(),
                                     description="Load all landing data and rebuild every model.")
transform_job = dg.define_asset_job(
    "transform",
    selection=dg.AssetSelection.groups("staging", "intermediate", "marts") | PUBLISHED,
    description="Only the dbt models and tests, over what is already loaded (counting a large "
    "access-log backlog in passes), then publish the marts.")
analyses_job = dg.define_asset_job(
    "analyses", selection=dg.AssetSelection.groups("analyses") | PUBLISHED,
    description="Only the Python analyses (Markov and Shapley attribution) over the marts, "
    "then publish them.")
rss_job = dg.define_asset_job(
    "rss_poll",
    selection=dg.AssetSelection.assets(*[raw_key(t.name) for t in RSS_TABLES]),
    description="Poll the registered RSS feeds (conditional GET: unchanged feeds cost a 304).",
)


@dg.schedule(job=everything_job, cron_schedule="0 3 * * *", execution_timezone="UTC",
             name="daily_refresh_schedule")
def daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """The whole pipeline at 03:00 UTC, with the counting and attribution options of the
    environment written into the run's config (visible in the UI)."""
    return dg.RunRequest(run_config=dbt_run_config(Settings.from_env().options))


rss_schedule = dg.ScheduleDefinition(job=rss_job, cron_schedule="*/15 * * * *",
                                     execution_timezone="UTC")
