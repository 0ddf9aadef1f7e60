"""What every analysis asset shares: its dbt inputs' asset keys, its key prefix, and
declarative automation (it reruns when an input it reads was rebuilt; the sensor in
../sensors.py evaluates it)."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from core.relations import ANALYSES_SCHEMA
from dagster_project.defs.transform.assets import dbt_models

# Eager: once every input exists, a rebuilt input (a dbt model the analysis reads) requests
# the analysis; defs/analyses/sensors.py evaluates it. Runs queue one at a time (dagster.yaml), so
# an automated run never writes the warehouse beside the daily job.
AUTOMATION = dg.AutomationCondition.eager()



def dbt_key(model: str) -> dg.AssetKey:
    """The asset key of dbt model `model`, from the manifest."""
    return get_asset_key_for_model([dbt_models], model)


def analysis_key(table: str) -> list[str]:
    return [ANALYSES_SCHEMA, table]
