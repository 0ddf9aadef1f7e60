"""The insights world: eight weeks of a twelve-show network, long enough for weekly
seasonality, staggered rollouts, 30-day episode curves and time-based splits, built once
per session on DuckDB. The insights' ground-truth tests (anomalies, traffic quality,
causal effects, matching, forecasts, churn, experiments) read its analyses tables and
compare them with what the generator wrote to ground_truth/. All of them run on one xdist
worker, which builds the world once."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from core.settings import Settings
from synth import WorldConfig, generate_world
from tests.e2e.conftest import materialise, open_warehouse, secret_text

INSIGHTS = Path(__file__).resolve().parent
# Monday start: eight whole ISO weeks
INSIGHTS_CONFIG = WorldConfig(seed=5, tenants=2, shows=12, days=56, listeners=3000,
                              start_date=dt.date(2026, 3, 2), ad_response=3.0)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(item.path).parent == INSIGHTS:
            item.add_marker(pytest.mark.xdist_group("insights"))


@dataclass
class InsightsWorld:
    path: Path  # world.json, landing/, ground_truth/
    settings: Settings

    @property
    def truth(self) -> Path:
        return self.path / "ground_truth"

    def read(self, sql: str) -> pd.DataFrame:
        """Rows of `sql` over the built warehouse (read-only), as a frame."""
        wh = open_warehouse(self.settings)
        try:
            return pd.DataFrame(wh.fetch_dicts(sql))
        finally:
            wh.close()


# Measure on a world built beforehand (e.g. the 10M-request one): its directory, holding
# world.json, landing/, ground_truth/ and the warehouse it was materialised into (wh.duckdb,
# by `PODWH_DUCKDB_PATH=<dir>/wh.duckdb python -m cli run <dir>/landing`).
BUILT_WORLD = os.environ.get("PODWH_TEST_INSIGHTS_WORLD")


@pytest.fixture(scope="session")
def insights_world(tmp_path_factory: pytest.TempPathFactory) -> InsightsWorld:
    if BUILT_WORLD:
        built = Path(BUILT_WORLD)
        return InsightsWorld(built, Settings(warehouse="duckdb",
                                             duckdb_path=built / "wh.duckdb",
                                             landing_dir=built / "landing"))
    out = tmp_path_factory.mktemp("insights")
    generate_world(out / "world", INSIGHTS_CONFIG)
    settings = Settings(warehouse="duckdb", duckdb_path=out / "warehouse.duckdb",
                        landing_dir=out / "world" / "landing", ip_salt=secret_text("salt"))
    materialise(settings)
    return InsightsWorld(out / "world", settings)
