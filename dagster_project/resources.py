"""The warehouse resource: settings from the environment, read once, and connections."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from pydantic import Field

from core.settings import Settings
from core.warehouse import Warehouse, connect


class WarehouseResource(dg.ConfigurableResource):
    """Where the raw tables and marts live (DuckDB file or Postgres), from PODWH_* variables."""

    landing_dir: str | None = Field(
        default=None, description="The landing directory for this run (default: "
        "PODWH_LANDING_DIR, else the demo world's)")

    def settings(self) -> Settings:
        settings = Settings.from_env()
        if self.landing_dir:
            settings = dataclasses.replace(settings, landing_dir=Path(self.landing_dir))
        return settings

    @contextmanager
    def connect(self) -> Iterator[Warehouse]:
        # One connection per step, closed at its end: DuckDB allows one writer process.
        wh = connect(self.settings())
        try:
            yield wh
        finally:
            wh.close()
