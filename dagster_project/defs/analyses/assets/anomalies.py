"""Anomalies and their why: thin assets around analyses.anomalies (the library holds the
statistics; here the marts are read and the two tables written)."""

import dagster as dg

from analyses.anomalies import pipeline
from analyses.anomalies.detect import Thresholds
from analyses.anomalies.judge import Settings
from analyses.anomalies.tables import ANOMALIES, DRIVERS
from analyses.store import read_frame, replace_frame
from core.relations import ANALYSES_SCHEMA, analyses, sql
from core.warehouse import Warehouse
from dagster_project.defs.analyses.assets.wiring import AUTOMATION, analysis_key, dbt_key
from dagster_project.resources import WarehouseResource


class AnomalyConfig(dg.Config):
    """Detector thresholds (defaults in dbt/METHODOLOGY.md, Anomalies)."""
    window_days: int = 28  # trailing days of the rolling median / MAD
    min_days: int = 14  # trailing days the rolling z needs before it judges a day
    stl_min_weeks: int = 3  # whole weeks of days STL needs
    window_weeks: int = 8  # trailing weeks of the rolling z at week grain
    min_weeks: int = 4  # trailing weeks it needs
    medium: float = 4.0  # |score| from which a point is flagged medium
    high: float = 6.0  # |score| from which it is high (what the drivers explain)
    min_count_change: float = 5.0  # a count this close to expected is never flagged
    zero_expected: float = 10.0  # zero where this many were expected: high (an outage)

    def settings(self) -> Settings:
        common = {"medium": self.medium, "high": self.high,
                  "min_count_change": self.min_count_change,
                  "zero_expected": self.zero_expected,
                  "stl_min_periods": self.stl_min_weeks}
        return Settings(daily=Thresholds(window=self.window_days, min_points=self.min_days,
                                         **common),
                        weekly=Thresholds(window=self.window_weeks,
                                          min_points=self.min_weeks, **common))


def _marts(wh: Warehouse, names: list[str]) -> pipeline.Marts:
    return pipeline.Marts({name: pipeline.typed(name, read_frame(
        wh, sql(pipeline.QUERIES[name]))) for name in names})


@dg.asset(key=analysis_key(ANOMALIES.name), group_name=ANALYSES_SCHEMA,
          automation_condition=AUTOMATION,
          deps=[dbt_key(model) for model in pipeline.DETECT_SOURCES])
def anomalies(config: AnomalyConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per show, campaign, sponsor and tenant series (daily and weekly): points flagged by
    a robust rolling z-score and by STL residuals, downloads expected from each episode's
    release curve; series too short to judge get a row with the reason."""
    with warehouse.connect() as wh:
        marts = _marts(wh, [n for n in pipeline.QUERIES if n != "segments"])
        frame = pipeline.detect(marts, config.settings())
        written = replace_frame(wh, ANOMALIES, frame)
    flagged = frame[frame["status"] == "anomaly"]
    return dg.MaterializeResult(metadata={
        "rows": written, "high": int((flagged["severity"] == "high").sum()),
        "not_judged": int((frame["status"] == "not_judged").sum())})


@dg.asset(key=analysis_key(DRIVERS.name), group_name=ANALYSES_SCHEMA,
          automation_condition=AUTOMATION,
          deps=[dg.AssetKey(analysis_key(ANOMALIES.name)),
                *[dbt_key(model) for model in pipeline.DRIVER_SOURCES]])
def revenue_change_drivers(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Every show's week-over-week revenue change and every high anomaly, decomposed
    exactly (LMDI-I over the revenue tree), with the segment and episode that moved most
    and one sentence saying why."""
    with warehouse.connect() as wh:
        marts = _marts(wh, ["revenue", "segments", "episode_daily"])
        found = read_frame(wh, f"select * from {analyses(ANOMALIES.name)}")
        if found.empty:
            found = found.reindex(columns=list(ANOMALIES.columns))
        for col in ("observed", "expected", "score"):
            found[col] = found[col].astype(float)
        written = replace_frame(wh, DRIVERS, pipeline.explain(marts, found))
    return dg.MaterializeResult(metadata={"rows": written})


anomaly_assets = [anomalies, revenue_change_drivers]
