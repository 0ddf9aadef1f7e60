"""What each tenant costs the warehouse, day by day: the rows it brings, and its share of
the run's time and of the storage, allocated by those rows.

A tenant's rows of a day are its raw requests (every request its episodes' URLs matched,
excluded ones too), its delivered ads and its conversions that day. Requests that matched
no episode belong to no tenant: they are the network's overhead, a row with a null
`tenant_id` that only the warehouse owner reads. Time and storage are shared in
proportion to rows over the whole warehouse (a day's row share splits that day), so every
column adds up: the shares of a day to 1, the seconds to the run's, the bytes to the
warehouse's.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analyses.tables import AnalysisTable, Column
from core.warehouse import DuckDBWarehouse, Warehouse

# The dbt models whose rows are counted: each tenant's rows per day, in the engine.
ROWS_BY_TENANT_DAY = """
    select tenant_id, cost_date, sum(source_rows) as rows_processed
    from (
        select tenant_id, report_date as cost_date, requests as source_rows
        from {fct_download_reconciliation_daily}
        union all
        select tenant_id, impression_date, count(*)
        from {fct_ad_impressions}
        group by 1, 2
        union all
        select tenant_id, conversion_date, count(*)
        from {fct_conversions}
        group by 1, 2
    ) as tenant_rows
    group by 1, 2
    having sum(source_rows) > 0
"""
SOURCES = ("fct_download_reconciliation_daily", "fct_ad_impressions", "fct_conversions")
COSTS = AnalysisTable(
    "tenant_costs", "tenant x day",
    "What each tenant costs the warehouse: the rows it brings and its part of the run's "
    "time and of the storage, shared by rows. Requests that matched no episode are the "
    "network's overhead (tenant_id null).",
    {"tenant_id": Column("text", "The tenant; null for requests that matched no episode "
                                 "(the network's overhead)."),
     "cost_date": Column("date", "The UTC day of the rows."),
     "rows_processed": Column("bigint", "Requests its episodes matched (excluded ones too), "
                                        "delivered ads and conversions of the day."),
     "row_share": Column("double", "Its share of the day's rows (the day's shares add to 1)."),
     "run_seconds": Column("double", "Its part of the run's seconds so far, by its share of "
                                     "all rows."),
     "storage_bytes": Column("double", "Its part of the warehouse's bytes, by its share of "
                                       "all rows.")})


def allocate(rows: pd.DataFrame, run_seconds: float, storage_bytes: int) -> list[dict[str, Any]]:
    """One row per tenant x day of `rows` (tenant_id, cost_date, rows_processed): its row
    share of the day, and its part of `run_seconds` and `storage_bytes` by its share of
    all rows."""
    if rows.empty:
        return []
    frame = rows.sort_values(["cost_date", "tenant_id"], na_position="first")
    frame = frame.astype({"rows_processed": "int64"})  # Postgres sums are numeric

    total = float(frame["rows_processed"].sum())
    per_day = frame.groupby("cost_date", dropna=False)["rows_processed"].transform("sum")
    weight = frame["rows_processed"] / total
    out = frame.assign(row_share=frame["rows_processed"] / per_day,
                       run_seconds=weight * run_seconds,
                       storage_bytes=weight * storage_bytes)
    return [{k: (None if pd.isna(v) else v) for k, v in r.items()}
            for r in out[list(COSTS.columns)].to_dict("records")]


def warehouse_bytes(wh: Warehouse) -> int:
    """The warehouse's storage: the DuckDB file's used blocks, or the Postgres database."""
    if isinstance(wh, DuckDBWarehouse):
        (used,) = wh.fetchall("select used_blocks * block_size from pragma_database_size() "
                              "where database_name = current_database()")[0]
        return int(used)
    return int(wh.fetchall("select pg_database_size(current_database())")[0][0])
