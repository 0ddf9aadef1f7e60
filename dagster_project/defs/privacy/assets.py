"""The daily retention purge of raw IPs (core/privacy.py): thin wiring."""

import dagster as dg

from core.privacy import PRIVATE_SCHEMA, PURGED_IPS, purge_raw_ips
from dagster_project.resources import WarehouseResource

# The dbt source's asset key, so the dbt models run after it. No deps on the raw tables: the
# dbt asset also runs their source tests (checks), and raw -> this -> dbt would split the dbt
# build into several steps; the purge touches rows loaded days ago, not this run's.
PURGED_IPS_KEY = dg.AssetKey([PRIVATE_SCHEMA, PURGED_IPS])


@dg.asset(key=PURGED_IPS_KEY, group_name="privacy", kinds={"sql"})
def raw_ip_retention(context: dg.AssetExecutionContext,
                     warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Raw IPs of rows loaded more than PODWH_RAW_IP_RETENTION_DAYS days ago replaced by a
    token, their hashes and country kept in private.purged_ips (the models read them there:
    counts don't change), and old quarantine records redacted. Runs in every daily run, so
    daily; does nothing while the retention is off (the default)."""
    settings = warehouse.settings()
    days = settings.raw_ip_retention_days
    if days is None:
        context.log.info("PODWH_RAW_IP_RETENTION_DAYS is off: raw IPs are kept")
        return dg.MaterializeResult(metadata={"retention_days": "off"})
    with warehouse.connect() as wh:
        report = purge_raw_ips(wh, settings, days)
    context.log.info(report.summary())
    return dg.MaterializeResult(metadata={
        "retention_days": days, "cutoff": report.cutoff.isoformat(sep=" "),
        "rows_purged": sum(report.rows.values()), "spellings_kept": report.spellings,
        "quarantine_redacted": report.quarantine_redacted, "rows_deferred": report.deferred,
    })


privacy_assets = [raw_ip_retention]
