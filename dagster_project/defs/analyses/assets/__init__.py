"""Python analyses over the marts: thin assets around the `analyses` library, writing
tables to the `analyses` schema, one module per analysis. Each declares the dbt models it
reads as dependencies (asset keys from the dbt manifest), names their tables through
core.relations and reruns when one of them was rebuilt (wiring.py)."""

from dagster_project.defs.analyses.assets.anomalies import anomaly_assets
from dagster_project.defs.analyses.assets.attribution import (
    attribution_markov,
    attribution_shapley,
)
from dagster_project.defs.analyses.assets.causal import causal_estimates
from dagster_project.defs.analyses.assets.churn import churn_assets
from dagster_project.defs.analyses.assets.experiments import experiment_assets
from dagster_project.defs.analyses.assets.forecasts import forecast_assets
from dagster_project.defs.analyses.assets.matching import matching_assets
from dagster_project.defs.analyses.assets.mentions import mention_assets
from dagster_project.defs.analyses.assets.tenant_costs import tenant_costs
from dagster_project.defs.analyses.assets.traffic_quality import traffic_quality_assets

analysis_assets = [
    *anomaly_assets,
    attribution_markov,
    attribution_shapley,
    tenant_costs,
    *mention_assets,
    *matching_assets,
    causal_estimates,
    *experiment_assets,
    *forecast_assets,
    *churn_assets,
    *traffic_quality_assets,
]
