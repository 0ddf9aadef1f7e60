"""One ingest asset per raw table, built from the landing contract, plus the RSS poller."""

from collections.abc import Sequence

import dagster as dg

from core.contract import QUARANTINE, RSS_TABLES, TABLES, RawTable
from dagster_project.defs.ingest.checks import contract_check_specs, contract_results
from dagster_project.resources import WarehouseResource
from ingest.load.contracts import check_load
from ingest.load.loader import TableReport, load_table
from ingest.rss.land import land_feeds

INGEST_GROUP = "ingest"
QUARANTINE_CHECK = "quarantine_share"


def raw_key(table_name: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table_name])


def quarantine_check(report: TableReport, alert_share: float) -> dg.AssetCheckResult:
    """Failed (severity error, not blocking) when this load quarantined more than
    `alert_share` of the rows it read."""
    share = report.quarantined_share
    passed = share <= alert_share
    reasons = [f"{f.path}: {f.message}" for f in report.files if f.quarantined][:5]
    return dg.AssetCheckResult(
        check_name=QUARANTINE_CHECK, passed=passed, severity=dg.AssetCheckSeverity.ERROR,
        description=None if passed else (
            f"{report.quarantined} of {report.rows + report.quarantined} rows read "
            f"({share:.1%}) quarantined, over the {alert_share:.1%} alert share: "
            + "; ".join(reasons)),
        metadata={"quarantined_share": share, "rows_quarantined": report.quarantined,
                  "alert_share": alert_share},
    )


def landing_asset(table: RawTable, deps: Sequence[dg.AssetKey] = ()) -> dg.AssetsDefinition:
    """The loader for one raw table; `deps`: assets that write its landing files first."""

    @dg.asset(
        key=raw_key(table.name),
        group_name=INGEST_GROUP,
        deps=list(deps),
        description=f"{table.doc} Landing files: {table.source}/{{{','.join(table.patterns)}}}.",
        kinds={"python", "duckdb"},
        tags={"source": table.source},
        check_specs=[dg.AssetCheckSpec(
            QUARANTINE_CHECK, asset=raw_key(table.name),
            description="The share of the rows this load read that it quarantined is at most "
                        "PODWH_QUARANTINE_ALERT_SHARE (a flood means a broken delivery; the "
                        "good rows still go on)"),
            *contract_check_specs(raw_key(table.name), table)],
    )
    def _load(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        settings = warehouse.settings()
        with warehouse.connect() as wh:
            report = load_table(wh, settings.landing_dir, table, settings.max_future_days)
            changed = [f.path for f in report.files if f.status in ("loaded", "replaced")]
            contract = check_load(wh, table, changed)
        for warning in report.warnings:
            context.log.warning(warning)
        for f in report.files:
            if f.quarantined:
                context.log.warning(f"{f.path}: {f.quarantined} row(s) quarantined {f.message}")
        context.log.info(report.summary())
        check = quarantine_check(report, settings.quarantine_alert_share)
        if not check.passed:
            context.log.error(f"raw.{table.name}: {check.description}")
        checks = contract_results(contract)
        for result in checks:
            if not result.passed:
                log = context.log.warning if result.severity == dg.AssetCheckSeverity.WARN else (
                    context.log.error)
                log(f"raw.{table.name} {result.check_name}: {result.description}")
        return dg.MaterializeResult(check_results=[check, *checks], metadata={
            "rows_loaded": report.rows,
            "rows_quarantined": report.quarantined,
            "files_changed": sum(f.status in ("loaded", "replaced") for f in report.files),
            "files_unchanged": sum(f.status == "unchanged" for f in report.files),
            "files_duplicate": sum(f.status == "duplicate" for f in report.files),
        })

    return _load


@dg.multi_asset(
    specs=[
        dg.AssetSpec(raw_key(t.name), group_name=INGEST_GROUP, description=t.doc,
                     deps=[raw_key("shows")], kinds={"python"})
        for t in RSS_TABLES
    ],
    name="rss_feeds",
)
def rss_feeds(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Poll every registered feed; land new fetches, channels and items."""
    settings = warehouse.settings()
    with warehouse.connect() as wh:
        report = land_feeds(wh, settings.landing_dir,
                            allowed_networks=settings.feed_allowed_networks)
    for problem in report.problems:
        context.log.warning(problem)
    context.log.info(report.summary())
    for t in RSS_TABLES:
        yield dg.MaterializeResult(asset_key=raw_key(t.name), metadata={
            "feeds_changed": report.fetched, "feeds_unchanged": report.unchanged,
            "feeds_failed": report.failed, "items_landed": report.new_items,
            "problems_quarantined": len(report.problems),
        })


# Assets that write a raw table's landing files before the loader reads them.
LANDING_DEPS: dict[str, list[dg.AssetKey]] = {
    "hosting_api_downloads": [dg.AssetKey("hosting_api_pull")],  # defs/hosting/assets.py
}

landing_assets = [landing_asset(t, LANDING_DEPS.get(t.name, ())) for t in TABLES]

# Written by every ingest step rather than produced by one: declared so it shows in the
# ingest group and the dbt source `loader.quarantine` has a home.
quarantine = dg.AssetSpec(raw_key(QUARANTINE.name), group_name=INGEST_GROUP,
                          description=QUARANTINE.doc + " Written by every ingest asset.")
