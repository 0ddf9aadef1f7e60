"""Sealing the published tables per tenant: role names, refusals, and a tenant id that
needs quoting, on a small Postgres warehouse built by hand."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from core.settings import PostgresSettings
from core.tenancy import TenancyError, roles_of, seal, slug
from core.warehouse import PostgresWarehouse
from tests.conftest import PG, requires_postgres


def test_slugs_are_identifiers_and_keep_tenants_apart() -> None:
    assert slug("acme") == "acme"
    assert slug("Acme") != slug("acme")  # a hash suffix when the id had to change
    assert slug("Acme Radio").startswith("acme_radio_")
    odd = roles_of("it's?%;drop role x")
    assert odd.reader.startswith("podwh_tenant_it_s___drop_role_x_")
    assert len(roles_of("x" * 500).bi) <= 63  # Postgres truncates longer names


@pytest.fixture
def warehouse(pg_database: PostgresSettings) -> Iterator[PostgresWarehouse]:
    wh = PostgresWarehouse(pg_database.conninfo())
    wh.execute("create schema marts")
    wh.execute("create schema raw")
    wh.execute("create table raw.secrets as select 1 as x")
    yield wh
    wh.close()


@pytest.fixture
def tenants(pg_database: PostgresSettings) -> Iterator[list[str]]:
    """Two tenant ids of this test only (roles belong to the server: dropped afterwards,
    with their grants and policies); the second needs quoting everywhere."""
    tag = uuid.uuid4().hex[:8]
    names = [f"t{tag}", f"O'Brien? {tag}"]
    yield names
    roles = [role for name in names for role in (roles_of(name).bi, roles_of(name).reader)]
    existing = [r for r in roles if _role_exists(r)]
    if existing:
        quoted = ", ".join(f'"{r}"' for r in existing)
        with psycopg.connect(pg_database.conninfo(), autocommit=True) as con:
            con.execute(f"drop owned by {quoted}")
        with psycopg.connect(PG.conninfo("postgres"), autocommit=True) as con:
            con.execute(f"drop role {quoted}")


def _role_exists(role: str) -> bool:
    with psycopg.connect(PG.conninfo("postgres")) as con:
        return con.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone() \
            is not None


@requires_postgres
def test_each_tenant_reads_its_rows_only(warehouse: PostgresWarehouse, tenants: list[str],
                                         pg_database: PostgresSettings) -> None:
    first, second = tenants
    warehouse.execute("create table marts.fct_x (tenant_id text, v int)")
    warehouse.execute("insert into marts.fct_x values (?, 1), (?, 2), (?, 3), (null, 4)",
                      [first, second, second])
    report = seal(warehouse)
    assert {r.tenant_id for r in report.tenants} == set(tenants)
    seal(warehouse)  # again: nothing to create, the same policies
    for tenant, expected in ((first, [1]), (second, [2, 3])):
        login = dataclasses.replace(pg_database, user=roles_of(tenant).bi, password="")
        with psycopg.connect(login.conninfo()) as con:
            got = [r[0] for r in con.execute("select v from marts.fct_x order by v")]
            assert got == expected
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute("select * from raw.secrets")


@requires_postgres
def test_a_table_without_tenant_is_refused(warehouse: PostgresWarehouse) -> None:
    warehouse.execute("create table marts.fct_y (v int)")
    with pytest.raises(TenancyError, match=r"marts\.fct_y"):
        seal(warehouse)


@requires_postgres
def test_a_view_is_refused(warehouse: PostgresWarehouse, tenants: list[str]) -> None:
    warehouse.execute("create table raw.base (tenant_id text)")
    warehouse.execute("insert into raw.base values (?)", [tenants[0]])
    warehouse.execute("create view marts.fct_v as select * from raw.base")
    with pytest.raises(TenancyError, match="views can't be sealed"):
        seal(warehouse)
