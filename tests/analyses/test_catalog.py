"""Every analyses table is listed in the README with its grain, carries tenant_id and
describes every column; its comments reach the warehouse."""

from __future__ import annotations

import re

import pytest

from analyses.catalog import TABLES
from analyses.store import replace_rows
from core.settings import PROJECT_ROOT
from core.warehouse import DuckDBWarehouse


def readme_grains() -> dict[str, str]:
    """`table` -> grain, from the README's table of analyses tables."""
    text = (PROJECT_ROOT / "README.md").read_text()
    section = text[text.index("| analyses table | grain |"):]
    rows = re.findall(r"^\| `(\w+)` \| ([^|:]+)", section.split("\n\n")[0], re.M)
    return {name: grain.strip() for name, grain in rows}


def test_names_are_unique():
    names = [t.name for t in TABLES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_table_is_listed_and_described(table):
    times = " \N{MULTIPLICATION SIGN} "
    assert readme_grains().get(table.name) == table.grain.replace(" x ", times)
    assert "tenant_id" in table.columns
    assert table.description.strip()
    assert [c for c, col in table.columns.items() if not col.description.strip()] == []


def test_readme_lists_no_table_that_does_not_exist():
    assert set(readme_grains()) == {t.name for t in TABLES}


def test_descriptions_become_comments(tmp_path):
    table = TABLES[0]
    wh = DuckDBWarehouse(tmp_path / "wh.duckdb")
    try:
        replace_rows(wh, table, [])
        comments = dict(wh.fetchall(
            "select column_name, comment from duckdb_columns() "
            "where schema_name = 'analyses' and table_name = ?", [table.name]))
        (table_comment,) = wh.fetchall(
            "select comment from duckdb_tables() where schema_name = 'analyses' "
            "and table_name = ?", [table.name])[0]
    finally:
        wh.close()
    assert comments == {c: col.description for c, col in table.columns.items()}
    assert table_comment.startswith(table.description)
