"""Publish what analysts read to a copy that readers open without blocking the pipeline.

DuckDB lets one process hold a file open for writing: a notebook, a BI tool or the duckdb
CLI with the warehouse open stops the next run. So after every successful run the
pipeline copies the schemas analysts read (`marts`, `analyses`) into a new DuckDB file and
renames it over the published one, an atomic swap on the same file system. Readers open
the published file read-only and never block a run; one that has it open keeps the copy it
opened until it reconnects. Views (e.g. `marts.fct_downloads`) are published as tables,
with the table and column comments dbt wrote from the model docs, for BI tools to show.

Postgres needs no copy: readers and the pipeline's writers don't block each other there,
so the published place is the database itself.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from core.ddl import quote
from core.warehouse import DuckDBWarehouse, Warehouse

PUBLISHED_SCHEMAS = ("marts", "analyses")

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
RELATIONS_SQL = """
    select table_schema, table_name
    from information_schema.tables
    where table_catalog = current_database() and table_schema in ({schemas})
        and table_name not like '%\\_\\_scope%' escape '\\'
    order by 1, 2
"""


@dataclass(frozen=True)
class PublishReport:
    path: Path | None  # None: nothing copied (Postgres, or publishing switched off)
    tables: int
    rows: int
    seconds: float
    skipped: str = ""  # why nothing was copied

    def summary(self) -> str:
        if self.path is None:
            return self.skipped
        return f"{self.tables} tables, {self.rows:,} rows -> {self.path}"


ON_POSTGRES = PublishReport(None, 0, 0, 0.0,
                            "Postgres: readers query the warehouse itself (no copy needed)")
SWITCHED_OFF = PublishReport(None, 0, 0, 0.0,
                             "publishing is off (PODWH_PUBLISHED_PATH=off): readers would block "
                             "the next run while they hold the warehouse file open")


def publish(wh: Warehouse, target: Path | None) -> PublishReport:
    """Copy the published schemas of a DuckDB warehouse to `target`, swapped in atomically.
    Does nothing on Postgres or when `target` is None (publishing switched off)."""
    if not isinstance(wh, DuckDBWarehouse):
        return ON_POSTGRES
    if target is None:
        return SWITCHED_OFF
    started = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    schemas = ", ".join(f"'{s}'" for s in PUBLISHED_SCHEMAS)
    relations = wh.fetchall(RELATIONS_SQL.format(schemas=schemas))
    rows = 0
    wh.execute(f"attach '{staging}' as published")
    try:
        for schema in sorted({schema for schema, _ in relations}):
            wh.execute(f"create schema published.{quote(schema)}")
        for schema, table in relations:
            name = f"{quote(schema)}.{quote(table)}"
            wh.execute(f"create table published.{name} as select * from {name}")
            rows += wh.fetchall(f"select count(*) from published.{name}")[0][0]
        _copy_comments(wh, set(relations))
    except BaseException:
        wh.execute("detach published")
        staging.unlink(missing_ok=True)
        raise
    wh.execute("detach published")  # checkpoints: the file is complete, no WAL beside it
    os.replace(staging, target)
    return PublishReport(target, len(relations), rows, time.perf_counter() - started)


def _copy_comments(wh: Warehouse, relations: set[tuple[str, str]]) -> None:
    """The warehouse's table and column comments onto the published tables."""
    for schema, table, column, comment in wh.fetchall(COMMENTS_SQL):
        if (schema, table) not in relations:
            continue
        target = f"published.{quote(schema)}.{quote(table)}"
        text = str(comment).replace("'", "''")
        if column is None:
            wh.execute(f"comment on table {target} is '{text}'")
        else:
            wh.execute(f"comment on column {target}.{quote(column)} is '{text}'")
