"""Count a large backlog of access logs in day-sized dbt passes, and recount everything
when the counting definition changed.

The counting models are incremental by request day. A first build (or a large late load)
would otherwise count every unbuilt day in one query, whose memory and disk spill grow with
the backlog; passes of at most `Settings.counting_batch_requests` raw requests keep each
query the size of an ordinary daily run. Later days see the earlier passes' results, so the
rolling windows of a listener that spans two passes come out as in one pass.

A warehouse is counted under one definition (window type, abusive-IP rule, header bytes,
IP salt: dbt/macros/counting_definition.sql records it). When a run's options differ from
the recorded ones, or a full refresh is asked for, every incremental model is dropped and
the warehouse is counted again like a first build: in passes, at any size.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from core import relations
from core.contract import RAW_SCHEMA
from core.settings import DBT_VARS, ModelOptions
from core.warehouse import Warehouse

# The models a pass builds, with everything they read: the counting and the ad delivery
# (incremental by day too; at 100M requests one query over every day spills tens of GB).
PASS_SELECTION = "+int_downloads_windowed +int_ad_impressions_delivered"
# After each pass, the tests of the incremental models it built: they check the rows the
# latest run wrote (config where: latest_run), so each pass's rows are tested once, by their
# own pass. Cautious selection leaves out tests that also read models the passes don't build.
PASS_TESTS = ["test", "--select", "int_requests_filtered int_downloads_windowed "
              "int_inserted_ads_matched int_download_coverage_merged "
              "int_ad_impressions_delivered",
              "--indirect-selection", "cautious", "--exclude-resource-type", "unit_test"]

# The filtered requests: the model whose request days tell which days are counted.
FILTERED_MODEL = "int_requests_filtered"
RAW_DAYS_SQL = """
    select cast(cast("timestamp" as timestamp) as date) as request_date, count(*) as requests
    from {access_logs}
    group by 1
"""
BUILT_DAYS_SQL = "select distinct request_date from {filtered}"
TABLE_EXISTS_SQL = """
    select count(*) from information_schema.tables where table_schema = ? and table_name = ?
"""


def plan_passes(raw_days: Iterable[tuple[dt.date, int]], built_days: set[dt.date],
                batch_requests: int) -> list[tuple[dt.date, dt.date]]:
    """Consecutive day ranges [first, last] over the unbuilt days, each holding at most
    `batch_requests` requests (a bigger day gets a range of its own). Empty when the backlog
    fits in one pass: the ordinary incremental run then handles it."""
    pending = sorted((day, n) for day, n in raw_days if day not in built_days)
    if batch_requests <= 0 or sum(n for _, n in pending) <= batch_requests:
        return []
    passes: list[tuple[dt.date, dt.date]] = []
    first, size = None, 0
    for i, (day, n) in enumerate(pending):
        if first is not None and size + n > batch_requests:
            passes.append((first, pending[i - 1][0]))
            first, size = None, 0
        if first is None:
            first = day
        size += n
    passes.append((first, pending[-1][0]))  # type: ignore[arg-type]
    return passes


def pending_passes(wh: Warehouse, batch_requests: int) -> list[tuple[dt.date, dt.date]]:
    """The passes the warehouse's current backlog needs (see plan_passes)."""
    if not _exists(wh, RAW_SCHEMA, "access_logs"):
        return []
    raw = [(_as_date(day), int(n)) for day, n in
           wh.fetchall(RAW_DAYS_SQL.format(access_logs=relations.raw("access_logs")))
           if day is not None]
    built: set[dt.date] = set()
    if _exists(wh, *relations.model_relation(FILTERED_MODEL)):
        sql = BUILT_DAYS_SQL.format(filtered=relations.model(FILTERED_MODEL))
        built = {_as_date(row[0]) for row in wh.fetchall(sql)}
    return plan_passes(raw, built, batch_requests)


def _exists(wh: Warehouse, schema: str, table: str) -> bool:
    return bool(wh.fetchall(TABLE_EXISTS_SQL, (schema, table))[0][0])


def pass_args(first: dt.date, last: dt.date, dbt_vars: Mapping[str, Any]
              ) -> list[list[str]]:
    """The dbt commands of one pass: `dbt run` counting the request days [first, last],
    then the counting models' tests on what it wrote (both with the run's vars)."""
    bounds = {**dbt_vars, "request_date_from": first.isoformat(),
              "request_date_to": last.isoformat()}
    return [["run", "--select", PASS_SELECTION, "--vars", json.dumps(bounds)],
            [*PASS_TESTS, "--vars", json.dumps(bounds)]]


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def describe(passes: Sequence[tuple[dt.date, dt.date]]) -> str:
    return ", ".join(f"{a}..{b}" for a, b in passes)


# Written by dbt's on-run-end hook record_counting_definition (a table, not a model).
COUNTING_DEFINITION = relations.COUNTING_DEFINITION
DEFINITION_SQL = "select model, name, value from {}.{}".format(*COUNTING_DEFINITION)
# Tables the replace_scope materialization keeps for an incremental model, in the helper
# schema (dbt macro replace_scope_relation).
HELPER_SUFFIXES = ("__scope", "__scope_history")


def definition_values(options: ModelOptions, ip_salt: str) -> dict[str, Any]:
    """What the counting definition's record holds for these options (the names of
    counting_definition() in dbt)."""
    return {**options.dbt_vars(), "default_tenant_id": DBT_VARS["default_tenant_id"],
            "ip_salt_md5": hashlib.md5(ip_salt.encode()).hexdigest()}


def definition_changes(recorded: Iterable[tuple[str, str, str]],
                       current: Mapping[str, Any]) -> list[str]:
    """Readable differences between the recorded definition (model, name, JSON value) and
    the current values; empty when none (or nothing was recorded yet)."""
    changes = {}
    for _, name, value in recorded:
        before = json.loads(value)
        if name in current and before != current[name]:
            changes[name] = ("the IP salt (PODWH_IP_SALT)" if name == "ip_salt_md5"
                             else f"{name} {before!r} -> {current[name]!r}")
    return [changes[name] for name in sorted(changes)]


def recorded_definition(wh: Warehouse) -> list[tuple[str, str, str]]:
    if not _exists(wh, *COUNTING_DEFINITION):
        return []
    return [(str(m), str(n), str(v)) for m, n, v in wh.fetchall(DEFINITION_SQL)]


def incremental_relations(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(schema, table) of every incremental dbt model, with its replace_scope helpers."""
    models = [(node["schema"], node["alias"]) for node in manifest["nodes"].values()
              if node["resource_type"] == "model"
              and node["config"]["materialized"] == "incremental"]
    helpers = [(relations.HELPER_SCHEMA, alias + suffix)
               for _, alias in models for suffix in HELPER_SUFFIXES]
    return sorted(models + helpers)


def drop_counted(wh: Warehouse, relations: Iterable[tuple[str, str]]) -> None:
    """Forget what was counted: the incremental models (and helpers) and the recorded
    definition, in one transaction. The next dbt run builds them as new, and the views over
    them (fct_ad_impressions, fct_downloads), which Postgres drops with them (cascade)."""
    cascade = " cascade" if wh.dialect == "postgres" else ""
    with wh.transaction():
        for schema, table in [*relations, COUNTING_DEFINITION]:
            wh.execute(f'drop table if exists "{schema}"."{table}"{cascade}')
