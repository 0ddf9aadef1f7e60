"""Python analyses over the marts: thin assets around the `analyses` library, writing
tables to the `analyses` schema. Each declares the dbt models it reads as dependencies
(asset keys from the dbt manifest) and names their tables through core.relations."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from analyses.attribution.sponsors import MARKOV_COLUMNS, SHAPLEY_COLUMNS, markov_by_sponsor
from analyses.store import read_frame, replace_from_query, replace_rows
from core.relations import ANALYSES_SCHEMA, sql
from dagster_project.defs.transform.assets import dbt_models
from dagster_project.resources import WarehouseResource

TRANSITIONS = "int_attribution_transitions"
SHAPLEY_VALUES = "int_attribution_shapley_values"


def _dbt(model: str) -> dg.AssetKey:
    return get_asset_key_for_model([dbt_models], model)


@dg.asset(key=[ANALYSES_SCHEMA, "attribution_markov"], group_name=ANALYSES_SCHEMA,
          deps=[_dbt(TRANSITIONS)])
def attribution_markov(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per sponsor x channel: first-order Markov removal effect, solved exactly from the
    absorbing chain over converting and non-converting journeys, and the conversions it
    attributes (total x removal effect / sum of removal effects)."""
    with warehouse.connect() as wh:
        frame = read_frame(wh, sql("select sponsor_id, from_state, to_state, transitions "
                                   f"from {{{TRANSITIONS}}}"))
        written = replace_rows(wh, "attribution_markov", MARKOV_COLUMNS,
                               markov_by_sponsor(frame) if len(frame) else [])
    return dg.MaterializeResult(metadata={"rows": written})


@dg.asset(key=[ANALYSES_SCHEMA, "attribution_shapley"], group_name=ANALYSES_SCHEMA,
          deps=[_dbt(SHAPLEY_VALUES)])
def attribution_shapley(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per sponsor x channel: Shapley value over coalitions of channels, v(S) = the
    conversions whose channels all lie in S, by its closed form (each conversion shared
    equally among its distinct channels), computed in dbt and published here."""
    with warehouse.connect() as wh:
        written = replace_from_query(
            wh, "attribution_shapley", SHAPLEY_COLUMNS,
            sql("select sponsor_id, channel, touch_type, campaign_id, shapley_value, "
                f"shapley_value from {{{SHAPLEY_VALUES}}}"))
    return dg.MaterializeResult(metadata={"rows": written})


analysis_assets = [attribution_markov, attribution_shapley]
