"""The marts as an analyst reads them, with the project's settings (PODWH_* variables):
on DuckDB the published read-only copy (it never blocks a run), on Postgres the database.
The notebooks start here."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.settings import Settings
from core.warehouse import DuckDBWarehouse, PostgresWarehouse, Warehouse


@dataclass
class Marts:
    warehouse: Warehouse
    where: str

    def frame(self, sql: str) -> pd.DataFrame:
        """The rows of `sql` (over schemas `marts` and `analyses`) as a frame."""
        return pd.DataFrame(self.warehouse.fetch_dicts(sql))

    def close(self) -> None:
        self.warehouse.close()


def open_marts(settings: Settings | None = None) -> Marts:
    """Open the published marts; a clear error when there are none yet."""
    settings = settings or Settings.from_env()
    if settings.warehouse == "postgres":
        return Marts(PostgresWarehouse(settings.postgres.conninfo()), settings.describe())
    path = settings.published_path or settings.duckdb_path
    if not path.exists():
        raise FileNotFoundError(f"no published marts at {path}: run `make demo` (or `make run "
                                "LANDING=...`) first, or set PODWH_DUCKDB_PATH")
    return Marts(DuckDBWarehouse(path, read_only=True), f"DuckDB file {path}")
