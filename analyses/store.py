"""The analyses' own reader and writer: frames from the marts, tables in schema `analyses`.

Every table an analysis writes is replaced whole, in one transaction, so readers see the
previous result or the new one and a rerun changes nothing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.ddl import quote, replace_table_sql, typed_batch
from core.relations import ANALYSES_SCHEMA, analyses
from core.warehouse import Warehouse


def read_frame(wh: Warehouse, sql: str) -> pd.DataFrame:
    return pd.DataFrame(wh.fetch_dicts(sql))


def replace_rows(wh: Warehouse, name: str, columns: dict[str, str],
                 rows: list[dict[str, Any]]) -> int:
    """Replace table analyses.`name` (`columns`: name -> kind) by `rows`; the row count."""
    with wh.transaction():
        for statement in replace_table_sql(ANALYSES_SCHEMA, name, columns, wh.dialect):
            wh.execute(statement)
        return wh.append(name, [typed_batch(columns, rows)], schema=ANALYSES_SCHEMA)


def replace_from_query(wh: Warehouse, name: str, columns: dict[str, str], select: str) -> int:
    """Replace table analyses.`name` by the rows of `select` (its columns in the order of
    `columns`), computed inside the warehouse; the row count."""
    names = ", ".join(quote(c) for c in columns)
    with wh.transaction():
        for statement in replace_table_sql(ANALYSES_SCHEMA, name, columns, wh.dialect):
            wh.execute(statement)
        wh.execute(f"insert into {analyses(name)} ({names}) {select}")
        return int(wh.fetchall(f"select count(*) from {analyses(name)}")[0][0])
