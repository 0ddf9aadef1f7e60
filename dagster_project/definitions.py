"""The code location `dagster dev` serves (see workspace.yaml)."""

from __future__ import annotations

import dagster as dg

from dagster_project.analysis_assets import analysis_assets
from dagster_project.dbt_assets import dbt_models, dbt_resource
from dagster_project.hosting_assets import hosting_assets
from dagster_project.ingest_assets import landing_assets, quarantine, rss_feeds
from dagster_project.publish_assets import publish_assets
from dagster_project.reference_assets import reference_assets
from dagster_project.resources import WarehouseResource
from dagster_project.schedules import (
    analyses_job,
    daily_schedule,
    everything_job,
    rss_job,
    rss_schedule,
    transform_job,
)
from dagster_project.sensors import sensors

defs = dg.Definitions(
    assets=[*landing_assets, *hosting_assets, *reference_assets, rss_feeds, quarantine,
            dbt_models, *analysis_assets, *publish_assets],
    jobs=[everything_job, rss_job, transform_job, analyses_job],
    schedules=[daily_schedule, rss_schedule],
    sensors=sensors,
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
    # One step at a time: DuckDB takes a single writer process.
    executor=dg.in_process_executor,
)
