"""Data-driven attribution per sponsor: the Markov removal effects (solved here) and the
Shapley values (computed in dbt, published here)."""

from __future__ import annotations

import dagster as dg

from analyses.attribution.sponsors import MARKOV, SHAPLEY, markov_by_sponsor
from analyses.store import read_frame, replace_from_query, replace_rows
from core.relations import ANALYSES_SCHEMA, sql
from dagster_project.defs.analyses.assets.wiring import AUTOMATION, analysis_key, dbt_key
from dagster_project.resources import WarehouseResource

TRANSITIONS = "int_attribution_transitions"
SHAPLEY_VALUES = "int_attribution_shapley_values"
SPONSORS = "dim_sponsors"  # each sponsor's tenant: every analyses row carries tenant_id


@dg.asset(key=analysis_key(MARKOV.name), group_name=ANALYSES_SCHEMA,
          automation_condition=AUTOMATION, deps=[dbt_key(TRANSITIONS), dbt_key(SPONSORS)])
def attribution_markov(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per sponsor x channel: first-order Markov removal effect, solved exactly from the
    absorbing chain over converting and non-converting journeys, and the conversions it
    attributes (total x removal effect / sum of removal effects)."""
    with warehouse.connect() as wh:
        frame = read_frame(wh, sql(
            "select sponsors.tenant_id, steps.sponsor_id, steps.from_state, steps.to_state, "
            f"steps.transitions from {{{TRANSITIONS}}} as steps "
            f"left join {{{SPONSORS}}} as sponsors on steps.sponsor_id = sponsors.sponsor_id "
            # the same rows in the same order on every run
            "order by 1, 2, 3, 4"))
        written = replace_rows(wh, MARKOV,
                               markov_by_sponsor(frame) if len(frame) else [])
    return dg.MaterializeResult(metadata={"rows": written})


@dg.asset(key=analysis_key(SHAPLEY.name), group_name=ANALYSES_SCHEMA,
          automation_condition=AUTOMATION, deps=[dbt_key(SHAPLEY_VALUES), dbt_key(SPONSORS)])
def attribution_shapley(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per sponsor x channel: Shapley value over coalitions of channels, v(S) = the
    conversions whose channels all lie in S, by its closed form (each conversion shared
    equally among its distinct channels), computed in dbt and published here."""
    with warehouse.connect() as wh:
        written = replace_from_query(
            wh, SHAPLEY,
            sql("select sponsors.tenant_id, shapley.sponsor_id, shapley.channel, "
                "shapley.touch_type, shapley.campaign_id, shapley.shapley_value, "
                f"shapley.shapley_value from {{{SHAPLEY_VALUES}}} as shapley "
                f"left join {{{SPONSORS}}} as sponsors "
                "on shapley.sponsor_id = sponsors.sponsor_id"))
    return dg.MaterializeResult(metadata={"rows": written})
