"""The code location `dagster dev` serves (see workspace.yaml)."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.analyses.assets import analysis_assets
from dagster_project.defs.analyses.jobs import analyses_job
from dagster_project.defs.analyses.sensors import automation_sensor
from dagster_project.defs.hosting.assets import hosting_assets
from dagster_project.defs.ingest.assets import landing_assets, quarantine, rss_feeds
from dagster_project.defs.ingest.schedules import rss_job, rss_schedule
from dagster_project.defs.ingest.sensors import sensors
from dagster_project.defs.privacy.assets import privacy_assets
from dagster_project.defs.publish.assets import publish_assets
from dagster_project.defs.reference.assets import reference_assets
from dagster_project.defs.transform.assets import dbt_models
from dagster_project.defs.transform.schedules import daily_schedule, everything_job, transform_job
from dagster_project.resources import resources

defs = dg.Definitions(
    assets=[*landing_assets, *hosting_assets, *reference_assets, rss_feeds, quarantine,
            dbt_models, *analysis_assets, *publish_assets, *privacy_assets],
    jobs=[everything_job, rss_job, transform_job, analyses_job],
    schedules=[daily_schedule, rss_schedule],
    sensors=[*sensors, automation_sensor],
    resources=resources(),
    # One step at a time: DuckDB takes a single writer process.
    executor=dg.in_process_executor,
)
