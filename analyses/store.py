"""The analyses' own reader and writer: frames from the marts, tables in schema `analyses`.

Every table an analysis writes is replaced whole, in one transaction, so readers see the
previous result or the new one and a rerun changes nothing. Its grain and column
descriptions go with it, as comments.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analyses.tables import AnalysisTable
from core.ddl import quote, replace_table_sql, text_literal, typed_batch
from core.relations import ANALYSES_SCHEMA, analyses
from core.warehouse import Warehouse


def read_frame(wh: Warehouse, sql: str) -> pd.DataFrame:
    return pd.DataFrame(wh.fetch_dicts(sql))


def _create(wh: Warehouse, table: AnalysisTable) -> None:
    for statement in replace_table_sql(ANALYSES_SCHEMA, table.name, table.kinds, wh.dialect):
        wh.execute(statement)
    target = analyses(table.name)
    wh.execute(f"comment on table {target} is "
               f"{text_literal(f'{table.description} Grain: {table.grain}.')}")
    for name, column in table.columns.items():
        wh.execute(f"comment on column {target}.{quote(name)} is "
                   f"{text_literal(column.description)}")


def replace_rows(wh: Warehouse, table: AnalysisTable, rows: list[dict[str, Any]]) -> int:
    """Replace analyses.`table` by `rows`; the row count."""
    with wh.transaction():
        _create(wh, table)
        return wh.append(table.name, [typed_batch(table.kinds, rows)], schema=ANALYSES_SCHEMA)


def replace_frame(wh: Warehouse, table: AnalysisTable, frame: pd.DataFrame) -> int:
    """Replace analyses.`table` by the rows of `frame` (its columns in any order, missing
    values as NaN, NaT or None, written as null); the row count."""
    missing = set(table.columns) - set(frame.columns)
    if missing:
        raise ValueError(f"analyses.{table.name}: the frame lacks {sorted(missing)}")
    out = frame[list(table.columns)].astype(object).where(frame[list(table.columns)].notna(),
                                                          None)
    return replace_rows(wh, table, out.to_dict("records"))


def replace_from_query(wh: Warehouse, table: AnalysisTable, select: str) -> int:
    """Replace analyses.`table` by the rows of `select` (its columns in the order of the
    table's), computed inside the warehouse; the row count."""
    names = ", ".join(quote(c) for c in table.columns)
    with wh.transaction():
        _create(wh, table)
        wh.execute(f"insert into {analyses(table.name)} ({names}) {select}")
        return int(wh.fetchall(f"select count(*) from {analyses(table.name)}")[0][0])
