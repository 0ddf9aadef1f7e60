"""The reference lists ingest asset: the OPAWG user-agents v2 lists into `raw`."""

import dagster as dg

from dagster_project.ingest_assets import INGEST_GROUP, raw_key
from dagster_project.resources import WarehouseResource
from ingest.contract import REFERENCE_TABLES
from ingest.user_agents import load_lists


@dg.multi_asset(
    specs=[
        dg.AssetSpec(raw_key(t.name), group_name=INGEST_GROUP, description=t.doc,
                     kinds={"python"}, tags={"source": t.source})
        for t in REFERENCE_TABLES
    ],
    name="opawg_lists",
)
def opawg_lists(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Load the OPAWG lists from PODWH_OPAWG_DIR (whole set replaced when a file changed).

    A missing directory is a warning, not a failure: the tables keep what they hold and
    only the generic bot rule flags bots downstream. Bad lists fail with a message naming
    the directory and the variable.
    """
    settings = warehouse.settings()
    with warehouse.connect() as wh:
        report = load_lists(wh, settings.opawg_dir)
    for warning in report.warnings:
        context.log.warning(warning)
    context.log.info(report.summary())
    for t in REFERENCE_TABLES:
        yield dg.MaterializeResult(asset_key=raw_key(t.name), metadata={
            "status": report.status,
            "lists_sha256": report.version or "",
            "rows": report.rows.get(t.name, 0),
            "directory": str(report.directory or ""),
        })


reference_assets = [opawg_lists]
