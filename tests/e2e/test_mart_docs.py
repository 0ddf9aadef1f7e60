"""Every column of every mart, as built on the small world, has a description in the marts'
YAML (and no description names a column the mart does not have); the descriptions reach
the warehouse as table and column comments (persist_docs), where BI tools read them. On
DuckDB and on Postgres."""

from __future__ import annotations

from typing import Any

import pytest

from core.settings import Settings
from tests.conftest import requires_postgres
from tests.dbt.test_mart_docs import mart_models, parse_manifest
from tests.e2e.conftest import open_warehouse

pytestmark = [pytest.mark.slow]  # xdist group: see conftest.py

COLUMNS = """
    select table_name, column_name from information_schema.columns
    where table_schema = 'marts' order by table_name, ordinal_position
"""
COMMENTS = {
    "duckdb": """
        select table_name, column_name, comment from duckdb_columns()
        where schema_name = 'marts'
        union all
        select table_name, null, comment from duckdb_tables() where schema_name = 'marts'
        union all
        select view_name, null, comment from duckdb_views() where schema_name = 'marts'
    """,
    "postgres": """
        select c.relname, a.attname, col_description(c.oid, a.attnum)
        from pg_class as c
        inner join pg_namespace as n on c.relnamespace = n.oid
        inner join pg_attribute as a on a.attrelid = c.oid
        where n.nspname = 'marts' and c.relkind in ('r', 'v') and a.attnum > 0
            and not a.attisdropped
        union all
        select c.relname, null, obj_description(c.oid, 'pg_class')
        from pg_class as c
        inner join pg_namespace as n on c.relnamespace = n.oid
        where n.nspname = 'marts' and c.relkind in ('r', 'v')
    """,
}


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return mart_models(parse_manifest(tmp_path_factory.mktemp("mart_docs")))


def _fetchall(settings: Settings, sql: str) -> list[tuple]:
    wh = open_warehouse(settings)
    try:
        return wh.fetchall(sql)
    finally:
        wh.close()


def built_columns(settings: Settings) -> dict[str, list[str]]:
    """The columns of each table and view in schema marts."""
    built: dict[str, list[str]] = {}
    for table, column in _fetchall(settings, COLUMNS):
        # every table of schema marts is a documented mart (helper tables live in private)
        built.setdefault(table, []).append(column)
    return built


def doc_gaps(built: dict[str, list[str]], marts: dict[str, dict[str, Any]]) -> dict[str, list]:
    """What the marts' YAML fails to describe: built columns without a description, described
    columns no built mart has, and relations in schema marts that are no mart model."""
    described = {name: {column for column, spec in node["columns"].items()
                        if spec.get("description", "").strip()}
                 for name, node in marts.items()}
    return {
        "undocumented": [f"{table}.{column}" for table, columns in built.items()
                         for column in columns if column not in described.get(table, set())],
        "documented_but_not_built": [f"{name}.{column}" for name, node in marts.items()
                                     for column in node["columns"]
                                     if column not in built.get(name, [])],
        "not_a_mart_model": sorted(set(built) - set(marts)),
    }


def comment_gaps(settings: Settings, marts: dict[str, dict[str, Any]]) -> list[str]:
    """Tables and columns whose comment in the warehouse is not their YAML description."""
    comments = {(table, column): (comment or "").strip()
                for table, column, comment in _fetchall(settings, COMMENTS[settings.warehouse])
                if table in marts}
    gaps = [name for name, node in marts.items()
            if comments.get((name, None)) != node["description"].strip()]
    gaps += [f"{name}.{column}" for name, node in marts.items()
             for column, spec in node["columns"].items()
             if comments.get((name, column)) != spec["description"].strip()]
    return gaps


def check_docs(settings: Settings, marts: dict[str, dict[str, Any]]) -> None:
    built = built_columns(settings)
    assert len(built) >= 21 and sum(map(len, built.values())) > 300
    gaps = doc_gaps(built, marts)
    assert gaps == {"undocumented": [], "documented_but_not_built": [],
                    "not_a_mart_model": []}
    assert comment_gaps(settings, marts) == []


def test_duckdb_mart_columns_are_documented(duckdb_warehouse, marts):
    check_docs(duckdb_warehouse, marts)


@requires_postgres
@pytest.mark.postgres
def test_postgres_mart_columns_are_documented(postgres_warehouse, marts):
    check_docs(postgres_warehouse, marts)


def test_published_copy_keeps_the_docs(duckdb_warehouse, marts):
    """The copy readers and BI tools open on DuckDB carries the same comments."""
    import dataclasses

    published = dataclasses.replace(duckdb_warehouse,
                                    duckdb_path=duckdb_warehouse.published_path)
    assert comment_gaps(published, marts) == []
