"""The reference lists ingest asset: the OPAWG user-agents v2 lists into `raw`."""

import dagster as dg
import requests
from pydantic import Field

from core.contract import REFERENCE_TABLES
from dagster_project.defs.ingest.assets import INGEST_GROUP, raw_key
from dagster_project.resources import WarehouseResource
from ingest.user_agents import OpawgListsError, download_lists, load_lists


class OpawgListsConfig(dg.Config):
    url: str | None = Field(
        default=None, description="Download the lists from this base URL before loading "
        "them, e.g. https://raw.githubusercontent.com/opawg/user-agents-v2/master/src "
        "(default: PODWH_OPAWG_URL; unset: no download, the lists in PODWH_OPAWG_DIR or "
        "the copy shipped in seeds/)")


@dg.multi_asset(
    specs=[
        dg.AssetSpec(raw_key(t.name), group_name=INGEST_GROUP, description=t.doc,
                     kinds={"python"}, tags={"source": t.source})
        for t in REFERENCE_TABLES
    ],
    name="opawg_lists",
)
def opawg_lists(context: dg.AssetExecutionContext, config: OpawgListsConfig,
                warehouse: WarehouseResource):
    """Load the OPAWG lists (whole set replaced when a file changed): the copy shipped in
    seeds/opawg-user-agents-v2, another directory (PODWH_OPAWG_DIR), or a download from a
    URL (run config `url` or PODWH_OPAWG_URL) kept as the last good one.

    A failed download is a warning: the last good download, else the configured directory,
    is loaded. A missing directory is a warning too (the tables keep what they hold). Bad
    lists fail with a message naming the directory and the variable.
    """
    settings = warehouse.settings()
    directory = settings.opawg_dir
    url = config.url or settings.opawg_url
    if url:
        try:
            directory = download_lists(url, settings.opawg_download_dir)
            context.log.info(f"OPAWG lists downloaded from {url}")
        except (requests.RequestException, OpawgListsError) as exc:
            if settings.opawg_download_dir.is_dir():
                directory = settings.opawg_download_dir
            context.log.warning(f"OPAWG lists not refreshed from {url} ({exc}); loading "
                                f"{directory}")
    with warehouse.connect() as wh:
        report = load_lists(wh, directory)
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
