"""Publish what analysts read to a copy that readers open without blocking the pipeline.

DuckDB lets one process hold a file open for writing: a notebook, a BI tool or the duckdb
CLI with the warehouse open stops the next run. So after every successful run the
pipeline copies the schemas analysts read (`marts`, `analyses`) into a new DuckDB file and
renames it over the published one, an atomic swap on the same file system. Readers open
the published file read-only and never block a run; one that has it open keeps the copy it
opened until it reconnects. Views (e.g. `marts.fct_downloads`) are published as tables,
with the table and column comments dbt wrote from the model docs, for BI tools to show.

Each tenant also gets a file of its own, `tenants/<tenant>.duckdb` beside the published
one, holding its rows of every table and nothing else: what a tenant's analyst or BI tool
opens (DuckDB has no roles to seal a shared file with). A tenant whose rows are gone loses
its file.

Postgres needs no copy: readers and the pipeline's writers don't block each other there,
so the published place is the database itself, sealed per tenant by row-level security
(core/tenancy.py).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.ddl import quote, text_literal
from core.tenancy import (
    TENANT_COLUMN,
    PublishedTable,
    published_tables,
    seal,
    slug,
    tenants,
)
from core.warehouse import DuckDBWarehouse, Warehouse

TENANTS_DIR = "tenants"

COMMENTS_SQL = """
    select schema_name, table_name, null as column_name, comment from duckdb_tables()
    where database_name = current_database() and comment is not null
    union all
    select schema_name, view_name, null, comment from duckdb_views()
    where database_name = current_database() and comment is not null
    union all
    select schema_name, table_name, column_name, comment from duckdb_columns()
    where database_name = current_database() and comment is not null
"""


@dataclass(frozen=True)
class PublishReport:
    path: Path | None  # None: nothing copied (Postgres, or publishing switched off)
    tables: int
    rows: int
    seconds: float
    skipped: str = ""  # why nothing was copied
    tenant_files: dict[str, Path] = field(default_factory=dict)  # tenant -> its own file

    def summary(self) -> str:
        if self.path is None:
            return self.skipped
        return (f"{self.tables} tables, {self.rows:,} rows -> {self.path}, "
                f"+{len(self.tenant_files)} tenant files")


SWITCHED_OFF = PublishReport(None, 0, 0, 0.0,
                             "publishing is off (PODWH_PUBLISHED_PATH=off): readers would block "
                             "the next run while they hold the warehouse file open")


def publish(wh: Warehouse, target: Path | None) -> PublishReport:
    """Copy the published schemas of a DuckDB warehouse to `target`, and each tenant's rows
    to its own file, swapped in atomically; nothing when `target` is None (publishing
    switched off). On Postgres, seal the published tables per tenant instead."""
    if not isinstance(wh, DuckDBWarehouse):
        started = time.perf_counter()
        sealed = seal(wh)
        return PublishReport(None, sealed.tables, 0, time.perf_counter() - started,
                             f"Postgres, no copy: {sealed.summary()}")
    if target is None:
        return SWITCHED_OFF
    started = time.perf_counter()
    tables = published_tables(wh)
    rows = _write_copy(wh, tables, target)
    files = _publish_tenants(wh, tables, target.parent / TENANTS_DIR)
    return PublishReport(target, len(tables), rows, time.perf_counter() - started,
                         tenant_files=files)


def _publish_tenants(wh: Warehouse, tables: list[PublishedTable],
                     folder: Path) -> dict[str, Path]:
    """A file per tenant with its rows only; files of tenants that have none left go."""
    files = {tenant: folder / f"{slug(tenant)}.duckdb" for tenant in tenants(wh, tables)}
    for tenant, path in files.items():
        _write_copy(wh, tables, path, tenant)
    for stale in set(folder.glob("*.duckdb")) - set(files.values()):
        stale.unlink()
    return files


def _write_copy(wh: Warehouse, tables: list[PublishedTable], target: Path,
                tenant: str | None = None) -> int:
    """`tables` (all rows, or `tenant`'s) into a new file swapped in over `target`;
    the rows copied."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    where = "" if tenant is None else f" where {TENANT_COLUMN} = {text_literal(tenant)}"
    rows = 0
    wh.execute(f"attach '{staging}' as published")
    try:
        for schema in sorted({t.schema for t in tables}):
            wh.execute(f"create schema published.{quote(schema)}")
        for table in tables:
            name = table.qualified
            wh.execute(f"create table published.{name} as select * from {name}{where}")
            rows += wh.fetchall(f"select count(*) from published.{name}")[0][0]
        _copy_comments(wh, {(t.schema, t.name) for t in tables})
    except BaseException:
        wh.execute("detach published")
        staging.unlink(missing_ok=True)
        raise
    wh.execute("detach published")  # checkpoints: the file is complete, no WAL beside it
    os.replace(staging, target)
    return rows


def _copy_comments(wh: Warehouse, relations: set[tuple[str, str]]) -> None:
    """The warehouse's table and column comments onto the published tables."""
    for schema, table, column, comment in wh.fetchall(COMMENTS_SQL):
        if (schema, table) not in relations:
            continue
        target = f"published.{quote(schema)}.{quote(table)}"
        # COMMENT ON takes a plain literal (no concatenation): DuckDB reads no parameters
        text = "'" + str(comment).replace("'", "''") + "'"
        if column is None:
            wh.execute(f"comment on table {target} is {text}")
        else:
            wh.execute(f"comment on column {target}.{quote(column)} is {text}")
