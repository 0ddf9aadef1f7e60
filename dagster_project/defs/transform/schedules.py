"""The daily run of the whole pipeline, and the dbt-only job."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.publish.assets import PUBLISHED_KEY
from dagster_project.defs.transform.assets import dbt_run_config
from dagster_project.resources import ModelOptionsResource

PUBLISHED = dg.AssetSelection.assets(PUBLISHED_KEY)

everything_job = dg.define_asset_job("daily_refresh", selection=dg.AssetSelection.all(),
                                     description="Load all landing data and rebuild every model.")
transform_job = dg.define_asset_job(
    "transform",
    selection=dg.AssetSelection.groups("staging", "intermediate", "marts") | PUBLISHED,
    description="Only the dbt models and tests, over what is already loaded (counting a large "
    "access-log backlog in passes), then publish the marts.")


@dg.schedule(job=everything_job, cron_schedule="0 3 * * *", execution_timezone="UTC",
             name="daily_refresh_schedule")
def daily_schedule(context: dg.ScheduleEvaluationContext,
                   model_options: ModelOptionsResource) -> dg.RunRequest:
    """The whole pipeline at 03:00 UTC, with the counting and attribution options (the
    model_options resource's) written into the run's config (visible in the UI)."""
    return dg.RunRequest(run_config=dbt_run_config(model_options.options()))
