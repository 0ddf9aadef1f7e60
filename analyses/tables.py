"""What an analyses table is: its name, its grain and its columns, each with a kind (see
core.ddl) and a description. The writer (store.py) creates the table from this and stores
the descriptions as table and column comments, where BI tools and `psql \\d+` show them;
the README's list of analyses tables is checked against it (tests/analyses)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    kind: str  # a core.ddl kind: text, int, bigint, double, bool, timestamp, date
    description: str


@dataclass(frozen=True)
class AnalysisTable:
    name: str
    grain: str  # "one row per ...", as the README's list says it
    description: str
    columns: dict[str, Column]

    @property
    def kinds(self) -> dict[str, str]:
        return {name: col.kind for name, col in self.columns.items()}


TENANT_ID = Column("text", "The tenant (network or agency) the row belongs to; row-level "
                           "security and the per-tenant published files filter on it.")
