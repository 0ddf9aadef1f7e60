"""Run both detectors over every series: the flagged points, and one row with the reason
for each series (and method) too short to judge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analyses.anomalies import detect
from analyses.anomalies.detect import Thresholds

KEY = ["tenant_id", "entity_type", "entity_id", "show_id", "metric", "grain"]
COUNT_METRICS = frozenset({"downloads", "listeners", "impressions", "conversions"})
ROLLING, STL = "rolling_z", "stl"
UNITS = {"day": "days", "week": "weeks"}


@dataclass(frozen=True)
class Settings:
    daily: Thresholds = field(default_factory=Thresholds)
    weekly: Thresholds = field(default_factory=lambda: Thresholds(window=8, min_points=4))


def _base(key: dict[str, Any], method: str) -> dict[str, Any]:
    return {**key, "method": method, "period_date": None, "observed": None,
            "expected": None, "score": None, "severity": None, "direction": None}


def _not_judged(key: dict[str, Any], method: str, have: int, need: int) -> dict[str, Any]:
    unit = UNITS[key["grain"]]
    return {**_base(key, method), "status": "not_judged",
            "reason": f"series too short: {have} {unit} with a baseline < {need} needed"}


def _flags(key: dict[str, Any], method: str, dates: np.ndarray, observed: np.ndarray,
           scored: detect.Scored, th: Thresholds) -> list[dict[str, Any]]:
    counts = key["metric"] in COUNT_METRICS
    sev = detect.severity(observed, scored, counts, th)
    return [{**_base(key, method), "period_date": pd.Timestamp(dates[i]).date(),
             "observed": float(observed[i]), "expected": float(scored.expected[i]),
             "score": float(scored.score[i]), "severity": str(sev[i]),
             "direction": "up" if scored.score[i] > 0 else "down",
             "status": "anomaly", "reason": None}
            for i in np.flatnonzero(sev != "")]


def judge_series(key: dict[str, Any], g: pd.DataFrame, settings: Settings
                 ) -> list[dict[str, Any]]:
    """Flags and reasons for one series (its rows sorted by period_date)."""
    th = settings.daily if key["grain"] == "day" else settings.weekly
    y = g["observed"].to_numpy(dtype=float)
    x = g["baseline"].to_numpy(dtype=float)
    dates = g["period_date"].to_numpy()
    counts = key["metric"] in COUNT_METRICS
    have = int((x > 0).sum())
    rows: list[dict[str, Any]] = []
    if have < th.min_points + 1:
        rows.append(_not_judged(key, ROLLING, have, th.min_points + 1))
    else:
        rows += _flags(key, ROLLING, dates, y, detect.rolling(y, x, counts, th), th)
    if key["grain"] != "day":
        return rows  # STL's season is the week: weekly series get the rolling z only
    need = detect.STL_PERIOD * th.stl_min_periods
    if have < need:
        rows.append(_not_judged(key, STL, have, need))
    else:
        rows += _flags(key, STL, dates, y, detect.stl(y, x, counts), th)
    return rows


def judge_all(series: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Every series of `series` (series.COLUMNS) judged; rows in a stable order."""
    rows: list[dict[str, Any]] = []
    s = series.assign(show_id=series["show_id"].fillna(""))
    for values, g in s.groupby(KEY, sort=True):
        key = dict(zip(KEY, values, strict=True))
        key["show_id"] = key["show_id"] or None
        rows += judge_series(key, g.sort_values("period_date"), settings)
    out = pd.DataFrame(rows, columns=[*KEY, "period_date", "observed", "expected", "score",
                                      "method", "severity", "direction", "status", "reason"])
    order = out.assign(_date=out["period_date"].astype(str), _show=out["show_id"].fillna(""))
    return (out.loc[order.sort_values(["tenant_id", "entity_type", "entity_id", "_show",
                                       "metric", "grain", "method", "_date"]).index]
            .reset_index(drop=True))
