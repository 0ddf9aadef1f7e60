"""What each tenant costs the warehouse, from this run's time and the warehouse's size."""

import time

import dagster as dg

from analyses import tenant_costs as costs
from analyses.store import read_frame, replace_rows
from core.relations import ANALYSES_SCHEMA, sql
from dagster_project.defs.analyses.assets.wiring import analysis_key, dbt_key
from dagster_project.resources import WarehouseResource


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
