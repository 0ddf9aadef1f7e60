"""Publish the marts and analyses to a read-only copy after every successful run."""

import dagster as dg

from core.publish import publish
from core.tenancy import PUBLISHED_SCHEMAS
from dagster_project.defs.analyses.assets import analysis_assets
from dagster_project.defs.transform.assets import dbt_models
from dagster_project.resources import WarehouseResource

PUBLISHED_KEY = dg.AssetKey("published_marts")
_READ = [key for key in (*dbt_models.keys, *(k for a in analysis_assets for k in a.keys))
         if key.path[0] in PUBLISHED_SCHEMAS]


@dg.asset(key=PUBLISHED_KEY, group_name="publish", deps=_READ, kinds={"duckdb", "postgres"})
def published_marts(context: dg.AssetExecutionContext,
                    warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The marts and analyses tables copied to a DuckDB file readers open read-only
    (PODWH_PUBLISHED_PATH; default `published/` beside the warehouse), swapped in
    atomically: notebooks, BI tools and the duckdb CLI read it without ever blocking a run;
    and each tenant's rows to a file of its own (`tenants/` beside it). On Postgres readers
    query the warehouse itself, nothing is copied, and every table is sealed per tenant by
    row-level security (a reader role and a BI login per tenant, core/tenancy.py)."""
    settings = warehouse.settings()
    with warehouse.connect() as wh:
        report = publish(wh, settings.published_path)
    context.log.info(report.summary())
    return dg.MaterializeResult(metadata={
        "path": str(report.path or ""), "tables": report.tables, "rows": report.rows,
        "seconds": round(report.seconds, 2), "tenant_files": len(report.tenant_files),
    })


publish_assets = [published_marts]
