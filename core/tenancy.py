"""Tenants sealed from each other where readers read: Postgres roles and row-level security.

Every table of the published schemas (`marts`, `analyses`) carries `tenant_id`. On
Postgres each tenant gets two roles:

- `podwh_tenant_<tenant>` (no login): may read the published schemas, and row-level
  security shows it its own tenant's rows only, in every table;
- `podwh_bi_<tenant>` (login, no password until the operator sets one): a member of the
  first, for the tenant's BI tool or analyst.

The warehouse's own user owns the tables and reads everything; rows that belong to no
tenant (requests that matched no episode) are visible to it alone. dbt re-creates a table
it rebuilds without its grants and policies, so `seal` runs after every build (the publish
asset): until then the new table is readable by its owner only, i.e. it fails closed.

On DuckDB there are no roles: each tenant gets its own published file instead
(core/publish.py), holding its rows only.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from core.ddl import quote, text_literal
from core.warehouse import Warehouse

PUBLISHED_SCHEMAS = ("marts", "analyses")
TENANT_COLUMN = "tenant_id"
ROLE_PREFIX = "podwh"
_SAFE = re.compile(r"[^a-z0-9_]")

PUBLISHED_TABLES_SQL = """
    select tables.table_schema, tables.table_name, tables.table_type,
        max(case when columns.column_name = 'tenant_id' then 1 else 0 end) as has_tenant
    from information_schema.tables as tables
    left join information_schema.columns as columns
        on columns.table_schema = tables.table_schema
        and columns.table_name = tables.table_name
    where tables.table_catalog = current_database()
        and tables.table_schema in ({schemas})
        and tables.table_name not like '%\\_\\_scope%' escape '\\'
    group by 1, 2, 3
    order by 1, 2
"""


class TenancyError(Exception):
    """The published schemas can't be sealed per tenant (a table without tenant_id, a view,
    or a warehouse user that may not create roles)."""


@dataclass(frozen=True)
class TenantRoles:
    tenant_id: str
    reader: str  # no login: the grants and policies name it
    bi: str  # login: a member of `reader`

    @property
    def policy(self) -> str:
        return f"tenant_{self.reader.removeprefix(ROLE_PREFIX + '_tenant_')}"


def slug(tenant_id: str) -> str:
    """A tenant id as part of an identifier: lower-case letters, digits and `_`, with a hash
    of the id appended when that changed it (so 'Acme' and 'acme' stay apart)."""
    safe = _SAFE.sub("_", tenant_id.lower())[:32]
    if safe == tenant_id:
        return safe
    return f"{safe}_{hashlib.sha256(tenant_id.encode()).hexdigest()[:8]}"


def roles_of(tenant_id: str) -> TenantRoles:
    name = slug(tenant_id)
    return TenantRoles(tenant_id, f"{ROLE_PREFIX}_tenant_{name}", f"{ROLE_PREFIX}_bi_{name}")


@dataclass(frozen=True)
class PublishedTable:
    schema: str
    name: str

    @property
    def qualified(self) -> str:
        return f"{quote(self.schema)}.{quote(self.name)}"


def published_tables(wh: Warehouse) -> list[PublishedTable]:
    """The published relations; a TenancyError when one can't be split by tenant."""
    schemas = ", ".join(f"'{s}'" for s in PUBLISHED_SCHEMAS)
    rows = wh.fetchall(PUBLISHED_TABLES_SQL.format(schemas=schemas))
    unsealable = [f"{schema}.{name}" for schema, name, _, has_tenant in rows if not has_tenant]
    if unsealable:
        raise TenancyError(f"no {TENANT_COLUMN} column: {', '.join(unsealable)}; every "
                           "published table must say whose rows it holds")
    return [PublishedTable(schema, name) for schema, name, _, _ in rows]


def tenants(wh: Warehouse, tables: list[PublishedTable]) -> list[str]:
    """Every tenant with a row in a published table."""
    if not tables:
        return []
    union = " union ".join(f"select distinct {TENANT_COLUMN} from {t.qualified}"
                           for t in tables)
    return sorted(r[0] for r in wh.fetchall(
        f"select {TENANT_COLUMN} from ({union}) as t where {TENANT_COLUMN} is not null"))


@dataclass(frozen=True)
class SealReport:
    tenants: list[TenantRoles]
    tables: int

    def summary(self) -> str:
        return (f"{self.tables} tables sealed per tenant by row-level security "
                f"({len(self.tenants)} tenants)")


def seal(wh: Warehouse) -> SealReport:
    """Create each tenant's roles, grant them the published tables and seal every table
    with row-level security, in one transaction. Postgres only."""
    tables = published_tables(wh)
    with wh.transaction():
        views = wh.fetchall(
            "select table_schema || '.' || table_name from information_schema.views "
            f"where table_schema in ({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)})")
        if views:
            raise TenancyError(f"views can't be sealed by row-level security (they read with "
                               f"their owner's rights): {', '.join(v[0] for v in views)}")
        roles = [roles_of(t) for t in tenants(wh, tables)]
        _require_role_rights(wh, roles)
        schemas = sorted({t.schema for t in tables})
        for tenant in roles:
            _create_roles(wh, tenant)
            for schema in schemas:
                wh.execute(f"grant usage on schema {quote(schema)} to {quote(tenant.reader)}")
        for table in tables:
            wh.execute(f"alter table {table.qualified} enable row level security")
            for tenant in roles:
                _seal_table(wh, table, tenant)
    return SealReport(roles, len(tables))


def _require_role_rights(wh: Warehouse, roles: list[TenantRoles]) -> None:
    """A clear error, before any change, when roles are missing and this user can't make
    them (an administrator may create them instead)."""
    wanted = [name for r in roles for name in (r.reader, r.bi)]
    existing = {r[0] for r in wh.fetchall(
        "select rolname from pg_roles where rolname = any(?)", [wanted])}
    missing = [name for name in wanted if name not in existing]
    may_create = wh.fetchall("select rolsuper or rolcreaterole from pg_roles "
                             "where rolname = current_user")[0][0]
    if missing and not may_create:
        raise TenancyError(
            f"the warehouse user may not create roles (CREATEROLE) and these tenant roles "
            f"don't exist: {', '.join(missing)}; grant it CREATEROLE or create them "
            "(`create role <reader> nologin`, `create role <bi> login in role <reader>`)")


def _create_roles(wh: Warehouse, tenant: TenantRoles) -> None:
    """Both roles, unless they exist (roles belong to the server, not the database: another
    warehouse on it may have made them already, or be making them now)."""
    for role, options in ((tenant.reader, "nologin"), (tenant.bi, "login")):
        wh.execute(
            f"do $$ begin create role {quote(role)} {options}; "
            "exception when duplicate_object or unique_violation then null; end $$")
    wh.execute(f"grant {quote(tenant.reader)} to {quote(tenant.bi)}")


def _seal_table(wh: Warehouse, table: PublishedTable, tenant: TenantRoles) -> None:
    wh.execute(f"grant select on {table.qualified} to {quote(tenant.reader)}")
    wh.execute(f"drop policy if exists {quote(tenant.policy)} on {table.qualified}")
    own_rows = f"{TENANT_COLUMN} = {text_literal(tenant.tenant_id)}"
    wh.execute(f"create policy {quote(tenant.policy)} on {table.qualified} for select "
               f"to {quote(tenant.reader)} using ({own_rows})")
