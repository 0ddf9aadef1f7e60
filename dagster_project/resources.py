"""The warehouse resource: settings from the environment, read once, and connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from ingest.load.warehouse import Warehouse, connect
from ingest.settings import Settings


class WarehouseResource(dg.ConfigurableResource):
    """Where the raw tables and marts live (DuckDB file or Postgres), from PODWH_* variables."""

    def settings(self) -> Settings:
        return Settings.from_env()

    @contextmanager
    def connect(self) -> Iterator[Warehouse]:
        # One connection per step, closed at its end: DuckDB allows one writer process.
        wh = connect(self.settings())
        try:
            yield wh
        finally:
            wh.close()
