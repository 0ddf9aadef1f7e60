"""Python analyses over the marts: thin assets around the `analyses` library, writing
tables to the `analyses` schema. Each declares the dbt models it reads as dependencies
(asset keys from the dbt manifest) and names their tables through core.relations."""

import time

import dagster as dg

from analyses import tenant_costs as costs
from analyses.attribution.sponsors import MARKOV, SHAPLEY, markov_by_sponsor
from analyses.store import read_frame, replace_from_query, replace_rows
from core.relations import ANALYSES_SCHEMA, sql
from dagster_project.defs.analyses.common import AUTOMATION, analysis_key, dbt_key
from dagster_project.defs.analyses.matching import matching_assets
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


@dg.asset(key=analysis_key(costs.COSTS.name), group_name=ANALYSES_SCHEMA,
          deps=[dbt_key(model) for model in costs.SOURCES])
def tenant_costs(context: dg.AssetExecutionContext,
                 warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per tenant x day: the rows it brings (requests its episodes matched, delivered ads,
    conversions), its share of the day's rows, and its part of this run's time so far and
    of the warehouse's storage, by its share of all rows. Requests that matched no episode
    are the network's overhead (tenant_id null)."""
    stats = context.instance.get_run_stats(context.run.run_id)
    run_seconds = time.time() - (stats.start_time or time.time())
    with warehouse.connect() as wh:
        rows = read_frame(wh, sql(costs.ROWS_BY_TENANT_DAY))
        written = replace_rows(wh, costs.COSTS,
                               costs.allocate(rows, run_seconds, costs.warehouse_bytes(wh)))
    return dg.MaterializeResult(metadata={"rows": written, "run_seconds": round(run_seconds, 1)})


analysis_assets = [attribution_markov, attribution_shapley, tenant_costs, *matching_assets]
