"""DDL for the raw schema, generated from the landing contract for either warehouse."""

from __future__ import annotations

from typing import Any, Literal

import pyarrow as pa

from core.contract import (
    LINEAGE_COLUMNS,
    LOAD_MANIFEST,
    QUARANTINE,
    RAW_SCHEMA,
    REFERENCE_TABLES,
    RSS_TABLES,
    TABLES,
    RawTable,
)

Dialect = Literal["duckdb", "postgres"]

_TYPES: dict[str, dict[str, str]] = {
    "duckdb": {"text": "varchar", "ip": "varchar", "int": "integer", "bigint": "bigint",
               "double": "double", "bool": "boolean", "timestamp": "timestamp", "date": "date"},
    "postgres": {"text": "text", "ip": "text", "int": "integer", "bigint": "bigint",
                 "double": "double precision", "bool": "boolean",
                 "timestamp": "timestamp", "date": "date"},
}


def sql_type(kind: str, dialect: Dialect) -> str:
    return _TYPES[dialect][kind]


def quote(name: str) -> str:
    return f'"{name}"'


def text_literal(value: str) -> str:
    """`value` as a SQL string literal; a `?` spelt chr(63), which the Postgres warehouse's
    execute() would take for a parameter."""
    quoted = "'" + value.replace("'", "''") + "'"
    return quoted.replace("?", "' || chr(63) || '")


def create_table_sql(table: RawTable, dialect: Dialect, schema: str = RAW_SCHEMA) -> str:
    """`create table if not exists` for a raw table, lineage columns included."""
    lineage = () if table in (QUARANTINE, LOAD_MANIFEST) else LINEAGE_COLUMNS
    cols = ",\n  ".join(
        f"{quote(c.name)} {sql_type(c.kind, dialect)}" for c in (*table.columns, *lineage)
    )
    return f"create table if not exists {schema}.{quote(table.name)} (\n  {cols}\n)"


def all_tables() -> tuple[RawTable, ...]:
    return (*TABLES, *RSS_TABLES, *REFERENCE_TABLES, QUARANTINE, LOAD_MANIFEST)


def create_schema_sql(dialect: Dialect, schema: str = RAW_SCHEMA) -> list[str]:
    """Statements creating the raw schema with every raw table (idempotent)."""
    statements = [f"create schema if not exists {schema}"]
    for t in all_tables():
        statements.append(create_table_sql(t, dialect, schema))
        # Additive contract changes reach warehouses created before them.
        lineage = () if t in (QUARANTINE, LOAD_MANIFEST) else LINEAGE_COLUMNS
        statements += [
            f"alter table {schema}.{quote(t.name)} add column if not exists "
            f"{quote(c.name)} {sql_type(c.kind, dialect)}"
            for c in (*t.columns, *lineage)
        ]
    return statements


_ARROW = {"text": pa.string(), "ip": pa.string(), "int": pa.int32(), "bigint": pa.int64(),
          "double": pa.float64(), "bool": pa.bool_(), "timestamp": pa.timestamp("us"),
          "date": pa.date32()}


def arrow_batch(
    table: RawTable, rows: list[dict[str, Any]], lineage: bool = True
) -> pa.RecordBatch:
    """Rows as a record batch typed by the contract (for the few rows Python produces)."""
    columns = (*table.columns, *LINEAGE_COLUMNS) if lineage else table.columns
    schema = pa.schema([(c.name, _ARROW[c.kind]) for c in columns])
    return pa.RecordBatch.from_pylist(rows, schema=schema)


def replace_table_sql(schema: str, name: str, columns: dict[str, str],
                      dialect: Dialect) -> list[str]:
    """Statements replacing `schema.name` by an empty table of `columns` (name -> kind)."""
    cols = ", ".join(f"{quote(c)} {sql_type(kind, dialect)}" for c, kind in columns.items())
    return [f"create schema if not exists {schema}",
            f"drop table if exists {schema}.{quote(name)}",
            f"create table {schema}.{quote(name)} ({cols})"]


def typed_batch(columns: dict[str, str], rows: list[dict[str, Any]]) -> pa.RecordBatch:
    """Rows as a record batch of `columns` (name -> kind)."""
    schema = pa.schema([(c, _ARROW[kind]) for c, kind in columns.items()])
    return pa.RecordBatch.from_pylist(rows, schema=schema)
