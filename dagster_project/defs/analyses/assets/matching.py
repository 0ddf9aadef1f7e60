"""Sponsor-show matching: each sponsor brief's shows ranked (analyses.matching)."""

import dagster as dg

from analyses.matching import MATCHES, QUERIES, SOURCES, Inputs, Weights, match
from analyses.store import read_frame, replace_frame
from core.relations import ANALYSES_SCHEMA, sql
from dagster_project.defs.analyses.assets.wiring import AUTOMATION, analysis_key, dbt_key
from dagster_project.resources import WarehouseResource


class MatchingConfig(dg.Config):
    """The score's weights (scaled to add to 1) and the market parts' settings."""

    content_weight: float = 0.5  # what the show talks about matters most to a sponsor
    audience_weight: float = 0.2
    past_performance_weight: float = 0.15
    inventory_weight: float = 0.15
    # households of prior weight pulling a show's category conversion rate to the tenant's
    prior_households: float = 200.0
    # complete weeks of ad slots averaged for the inventory forecast
    inventory_weeks: int = 4


@dg.asset(key=analysis_key(MATCHES.name), group_name=ANALYSES_SCHEMA,
          automation_condition=AUTOMATION, deps=[dbt_key(model) for model in SOURCES])
def sponsor_show_matches(config: MatchingConfig,
                         warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per sponsor brief x show of its tenant: content, audience, past-performance and
    inventory parts, their weighted score and rank; brand-safety exclusions with reasons."""
    weights = Weights(config.content_weight, config.audience_weight,
                      config.past_performance_weight, config.inventory_weight)
    with warehouse.connect() as wh:
        frames = {name: read_frame(wh, sql(query)) for name, query in QUERIES.items()}
        result = match(Inputs(**frames), weights, config.prior_households,
                       config.inventory_weeks)
        written = replace_frame(wh, MATCHES, result)
    excluded = int(result["is_excluded"].sum()) if len(result) else 0
    return dg.MaterializeResult(metadata={"rows": written, "excluded": excluded})


matching_assets = [sponsor_show_matches]
