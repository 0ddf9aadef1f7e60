"""Python analyses over the marts: thin assets around the `analyses` library, writing
tables to the `analyses` schema."""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg
import pandas as pd

from analyses.attribution.sponsors import (
    MARKOV_COLUMNS,
    SHAPLEY_COLUMNS,
    markov_by_sponsor,
)
from core.ddl import quote, replace_table_sql, typed_batch
from core.warehouse import Warehouse
from dagster_project.resources import WarehouseResource

SCHEMA = "analyses"


def _frame(wh: Warehouse, sql: str) -> pd.DataFrame:
    return pd.DataFrame(wh.fetch_dicts(sql))


def _replace(wh: Warehouse, name: str, columns: dict[str, str], rows: list[dict]) -> int:
    with wh.transaction():
        for statement in replace_table_sql(SCHEMA, name, columns, wh.dialect):
            wh.execute(statement)
        return wh.append(name, [typed_batch(columns, rows)], schema=SCHEMA)


def _analyse(warehouse: WarehouseResource, sql: str, analyse: Callable[[pd.DataFrame], list[dict]],
             name: str, columns: dict[str, str]) -> dg.MaterializeResult:
    """Read `sql`'s rows, analyse them in Python, replace table analyses.`name`."""
    with warehouse.connect() as wh:
        frame = _frame(wh, sql)
        written = _replace(wh, name, columns, analyse(frame) if len(frame) else [])
    return dg.MaterializeResult(metadata={"rows": written})


@dg.asset(key=[SCHEMA, "attribution_markov"], group_name=SCHEMA,
          deps=[dg.AssetKey(["intermediate", "int_attribution_transitions"])])
def attribution_markov(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per sponsor x channel: first-order Markov removal effect, solved exactly from the
    absorbing chain over converting and non-converting journeys, and the conversions it
    attributes (total x removal effect / sum of removal effects)."""
    return _analyse(warehouse, "select sponsor_id, from_state, to_state, transitions "
                    "from intermediate.int_attribution_transitions", markov_by_sponsor,
                    "attribution_markov", MARKOV_COLUMNS)


@dg.asset(key=[SCHEMA, "attribution_shapley"], group_name=SCHEMA,
          deps=[dg.AssetKey(["intermediate", "int_attribution_shapley_values"])])
def attribution_shapley(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per sponsor x channel: Shapley value over coalitions of channels, v(S) = the
    conversions whose channels all lie in S, by its closed form (each conversion shared
    equally among its distinct channels), computed in dbt and published here."""
    names = ", ".join(quote(c) for c in SHAPLEY_COLUMNS)
    with warehouse.connect() as wh, wh.transaction():
        for statement in replace_table_sql(SCHEMA, "attribution_shapley", SHAPLEY_COLUMNS,
                                           wh.dialect):
            wh.execute(statement)
        wh.execute(f"insert into {SCHEMA}.attribution_shapley ({names}) "
                   "select sponsor_id, channel, touch_type, campaign_id, shapley_value, "
                   "shapley_value from intermediate.int_attribution_shapley_values")
        written = wh.fetchall(f"select count(*) from {SCHEMA}.attribution_shapley")[0][0]
    return dg.MaterializeResult(metadata={"rows": written})


analysis_assets = [attribution_markov, attribution_shapley]
