"""After whole pipeline runs on both targets, with a salt and a password made for this test
session: no table outside `raw` (and the salt's own table) holds a raw IP address or the
salt, the helper tables in `private` included, and no
file dbt or the pipeline wrote (dbt's target and log folders, the warehouse's folder) holds
the salt or the password; nor does any event Dagster stored of those runs (messages and
metadata)."""

from __future__ import annotations

import re
from pathlib import Path

from core.contract import TABLES
from core.settings import PROJECT_ROOT, Settings
from tests.e2e.conftest import instances, open_warehouse

# where a run writes files: dbt's artefacts and logs, and the warehouse's own folder
WRITTEN = (PROJECT_ROOT / "dbt" / "target", PROJECT_ROOT / "dbt" / "logs")
HIDDEN_SCHEMAS = ("raw", "information_schema", "pg_catalog", "pg_toast")
SALT_TABLE = ("private", "ip_salt")  # where the salt lives by design
TEXT_TYPES = ("VARCHAR", "text", "character varying")
# network boundaries of the IP -> country reference ranges, not anyone's address
REFERENCE_TABLES = {"stg_geo__ip_country_ranges"}


def _files_holding(secret: str, folders: tuple[Path, ...]) -> list[Path]:
    needle = secret.encode()
    found = []
    for folder in folders:
        for path in (p for p in folder.rglob("*") if p.is_file()):
            if path.suffix in (".duckdb", ".wal"):
                continue  # the warehouse itself is scanned table by table
            if needle in path.read_bytes():
                found.append(path)
    return found


def _text_columns(wh) -> list[tuple[str, str, str]]:
    rows = wh.fetchall(
        "select table_schema, table_name, column_name, data_type "
        "from information_schema.columns")
    return [(schema, table, column) for schema, table, column, kind in rows
            if schema not in HIDDEN_SCHEMAS and not schema.startswith("pg_")
            and (schema, table) != SALT_TABLE
            and kind in TEXT_TYPES and table not in REFERENCE_TABLES]


def _raw_ips(wh) -> set[str]:
    every_ip = " union ".join(
        f"select distinct {c.name} from raw.{t.name}"
        for t in TABLES for c in t.columns if c.kind == "ip")
    ips = {ip.strip().lower() for (ip,) in wh.fetchall(every_ip) if ip}
    assert len(ips) > 100  # the world has listeners to hide
    return ips


def _check_dagster_storage(settings: Settings, secrets: tuple[str, ...]) -> int:
    """Every event of the session's runs on `settings` (messages and metadata, as Dagster
    stored them): no raw IP, no secret. Returns the events read."""
    wh = open_warehouse(settings)
    try:
        ips = _raw_ips(wh)
    finally:
        wh.close()
    events = [entry for instance in instances[settings.describe()]
              for run in instance.get_runs() for entry in instance.all_logs(run.run_id)]
    assert len(events) > 100
    text = "\n".join(f"{e.user_message} {e.dagster_event!r}" for e in events).lower()
    words = set(re.split(r"[^0-9a-f:.]+", text))  # addresses as whole words, not digits
    assert not ips & words, sorted(ips & words)[:5]
    assert not [s for s in secrets if s.lower() in text]
    return len(events)


def _check_tables(settings: Settings) -> int:
    wh = open_warehouse(settings)
    try:
        ips = _raw_ips(wh)
        columns = _text_columns(wh)
        assert len(columns) > 100
        leaks = []
        for schema, table, column in columns:
            values = {v.strip().lower() for (v,) in wh.fetchall(
                f'select distinct "{column}" from {schema}."{table}" '
                f'where "{column}" is not null')}
            if values & ips or any(settings.ip_salt in v for v in values):
                leaks.append(f"{schema}.{table}.{column}")
        assert leaks == []
        return len(columns)
    finally:
        wh.close()


def test_duckdb_no_raw_ip_or_salt_past_raw(duckdb_warehouse: Settings) -> None:
    assert _check_tables(duckdb_warehouse) > 100


def test_postgres_no_raw_ip_or_salt_past_raw(postgres_warehouse: Settings) -> None:
    assert _check_tables(postgres_warehouse) > 100


def test_duckdb_salt_is_in_no_file(duckdb_warehouse: Settings) -> None:
    folders = (*WRITTEN, duckdb_warehouse.duckdb_path.parent)
    assert _files_holding(duckdb_warehouse.ip_salt, folders) == []


def test_duckdb_dagster_storage_holds_no_ip_or_salt(duckdb_warehouse: Settings) -> None:
    assert _check_dagster_storage(duckdb_warehouse, (duckdb_warehouse.ip_salt,)) > 100


def test_postgres_dagster_storage_holds_no_ip_salt_or_password(
        postgres_warehouse: Settings) -> None:
    secrets = (postgres_warehouse.ip_salt, postgres_warehouse.postgres.password)
    assert _check_dagster_storage(postgres_warehouse, secrets) > 100


def test_postgres_salt_and_password_are_in_no_file(postgres_warehouse: Settings) -> None:
    for secret in (postgres_warehouse.ip_salt, postgres_warehouse.postgres.password):
        assert _files_holding(secret, WRITTEN) == []
