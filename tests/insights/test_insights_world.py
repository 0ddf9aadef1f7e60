"""The insights world builds, and every analyses table it lists exists with tenant_id set."""

from __future__ import annotations

import pytest

from analyses.catalog import TABLES

pytestmark = [pytest.mark.slow]


def test_every_analyses_table_is_built_with_its_columns(insights_world):
    for table in TABLES:
        cols = insights_world.read(
            "select column_name from information_schema.columns where table_schema = "
            f"'analyses' and table_name = '{table.name}' order by ordinal_position")
        assert list(cols["column_name"]) == list(table.columns), table.name


def test_every_analyses_row_has_a_tenant(insights_world):
    for table in TABLES:
        if table.name == "tenant_costs":
            continue  # its null tenant is the network's overhead
        nulls = insights_world.read(
            f"select count(*) as n from analyses.{table.name} where tenant_id is null")
        assert int(nulls["n"][0]) == 0, table.name
