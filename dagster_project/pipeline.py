"""Run the whole asset graph in-process, as the daily schedule would, and read a summary."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from ingest.load.warehouse import DuckDBWarehouse, Warehouse, connect
from ingest.settings import Settings


def materialize_all(
    instance: dg.DagsterInstance | None = None, log_level: str = "WARNING",
    job_name: str = "daily_refresh",
) -> dg.ExecuteInProcessResult:
    """Materialise every asset (ingest, then dbt build with its tests) in this process; or
    only the dbt models with job_name="transform"."""
    from dagster_project.definitions import defs  # imported late: it parses the dbt project

    if instance is None:
        instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else (
            dg.DagsterInstance.ephemeral())
    job = defs.resolve_job_def(job_name)
    # The full event log goes to the Dagster instance (see it in the UI); the console gets
    # warnings only, so quarantined rows and failures stand out.
    quiet = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    return job.execute_in_process(instance=instance, raise_on_error=False, run_config=quiet)


def failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """Failed steps with their error messages, for a readable report."""
    out = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            out.append(f"{event.step_key}: {error.message.strip() if error else 'failed'}")
    return out


HEADLINES: list[tuple[str, str]] = [
    ("tenants", "select count(distinct tenant_id) from marts.dim_shows"),
    ("shows", "select count(*) from marts.dim_shows"),
    ("episodes", "select count(*) from marts.dim_episodes"),
    ("access-log requests loaded", "select count(*) from raw.access_logs"),
    ("IAB downloads counted", "select count(*) from marts.fct_downloads"),
    ("unique listeners", "select count(distinct listener_key) from marts.fct_downloads"),
    ("requests excluded (bots, probes...)",
     "select coalesce(sum(requests - candidate_requests), 0) "
     "from marts.fct_download_reconciliation_daily"),
    ("ad deliveries loaded", "select count(*) from raw.ad_deliveries"),
    ("ads delivered (IAB)", "select count(*) from marts.fct_ad_impressions"),
    ("orders loaded", "select count(*) from raw.orders"),
    ("orders with a podcast touchpoint",
     "select count(*) from marts.fct_conversions where is_attributable"),
    ("rows quarantined", "select count(*) from raw.quarantine"),
]

TOP_SHOWS = """
    select s.tenant_id, s.show_id, s.title, count(d.download_id) as downloads,
        count(distinct d.listener_key) as listeners
    from marts.dim_shows as s
    left join marts.fct_downloads as d on d.show_id = s.show_id
    group by 1, 2, 3 order by downloads desc, s.show_id limit 5
"""


def summary(settings: Settings) -> str:
    """A few headline figures read from the warehouse."""
    wh: Warehouse = (DuckDBWarehouse(settings.duckdb_path, read_only=True)
                     if settings.warehouse == "duckdb" else connect(settings))
    try:
        lines = [f"Warehouse: {settings.describe()}"]
        width = max(len(label) for label, _ in HEADLINES)
        lines += [f"  {label:<{width}}  {wh.fetchall(sql)[0][0]:>12,}" for label, sql in HEADLINES]
        lines.append("  Top shows by IAB downloads:")
        for tenant, show, title, downloads, listeners in wh.fetchall(TOP_SHOWS):
            lines.append(f"    {tenant + '/' + show:<26} {title or '':<28.28} "
                         f"{downloads:>9,} downloads {listeners:>8,} listeners")
        return "\n".join(lines)
    finally:
        wh.close()


def landing_from(path: str | Path) -> Path:
    landing = Path(path).expanduser().resolve()
    if (landing / "landing").is_dir():  # a generated world: its landing folder
        landing = landing / "landing"
    return landing
