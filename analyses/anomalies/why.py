"""A row per high-severity anomaly for revenue_change_drivers: what moved, the segment
behind it, and the revenue change of its show's week (drivers.py) it belongs to."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analyses.anomalies import drivers

PLURAL = frozenset({"downloads", "impressions", "conversions", "listeners"})
SHARE_DAYS = 28  # a segment's expected share of a day: its share of the previous 28 days
NAMES = {"downloads": "Downloads", "impressions": "Impressions",
         "conversions": "Conversions", "listeners": "Listeners", "revenue": "Revenue",
         "rpm": "RPM", "cpm": "CPM", "fill_rate": "Fill rate"}


def strongest(anomalies: pd.DataFrame) -> pd.DataFrame:
    """High-severity anomalies, one per entity x metric x grain x date (the method with
    the larger |score|)."""
    a = anomalies[(anomalies["status"] == "anomaly") & (anomalies["severity"] == "high")]
    a = a.assign(_abs=a["score"].abs()).sort_values("_abs", ascending=False, kind="stable")
    key = ["tenant_id", "entity_type", "entity_id", "metric", "grain", "period_date"]
    return a.drop_duplicates(key).sort_values(key).drop(columns="_abs").reset_index(drop=True)


def day_segments(segments: pd.DataFrame, show: str, day: pd.Timestamp,
                 expected: float) -> pd.DataFrame:
    """dimension, segment, change: each segment's downloads on `day` minus its share (over
    the previous SHARE_DAYS days) of the expected total; per dimension the changes add up
    to observed - expected. `segments`: show_id, period_date (day), app_name,
    device_category, country_code, downloads."""
    s = segments[segments["show_id"] == show]
    past = s[(s["period_date"] < day)
             & (s["period_date"] >= day - pd.Timedelta(days=SHARE_DAYS))]
    today = s[s["period_date"] == day]
    parts = []
    for dim in drivers.DIMENSIONS:
        share = past.groupby(dim)["downloads"].sum()
        share = share / share.sum() if share.sum() else share
        now = today.groupby(dim)["downloads"].sum()
        both = pd.concat([now.rename("now"), share.rename("share")], axis=1).fillna(0.0)
        parts.append(pd.DataFrame({"dimension": dim, "segment": both.index.astype(str),
                                   "change": both["now"] - both["share"] * expected}))
    return pd.concat(parts, ignore_index=True)


def clause(a: pd.Series) -> str:
    name = NAMES.get(a["metric"], a["metric"])
    when = (f"on {a['period_date']}" if a["grain"] == "day"
            else f"in the week of {a['period_date']}")
    obs, exp = float(a["observed"]), float(a["expected"])
    if exp > 0 and obs >= exp:
        size = f"{obs / exp:.1f}x the {exp:,.0f} expected"
    elif exp > 0:
        size = f"{1 - obs / exp:.0%} below the {exp:,.0f} expected"
    else:
        size = f"against {exp:,.2f} expected"
    verb = "were" if a["metric"] in PLURAL else "was"
    value = f"{obs:,.0f}" if a["metric"] in PLURAL else f"{obs:,.2f}"
    return f"{name} of {a['entity_type']} {a['entity_id']} {verb} {value} {when}, {size}"


def anomaly_row(a: pd.Series, week: dict[str, Any] | None,
                segments: pd.DataFrame) -> dict[str, Any]:
    seg = None
    if a["entity_type"] == "show" and a["grain"] == "day" and a["metric"] == "downloads":
        seg = drivers.top_move(day_segments(segments, a["entity_id"],
                                            pd.Timestamp(a["period_date"]),
                                            float(a["expected"])),
                               float(a["observed"]) - float(a["expected"]))
    elif week is not None and a["grain"] == "week":
        seg = (None if week["segment"] is None else pd.Series(
            {"dimension": week["segment_dimension"], "segment": week["segment"],
             "change": week["segment_change"]}))
    text = clause(a) + drivers._segment_phrase(seg)
    row = {key: None for key in COLUMNS}
    row.update({"tenant_id": a["tenant_id"], "trigger": "anomaly",
                "entity_type": a["entity_type"], "entity_id": a["entity_id"],
                "show_id": a["show_id"], "metric": a["metric"],
                "period_date": a["period_date"],
                "segment_dimension": None if seg is None else seg["dimension"],
                "segment": None if seg is None else seg["segment"],
                "segment_change": None if seg is None else float(seg["change"])})
    if week is None:
        row["status"] = (f"no revenue tree for a {a['entity_type']}: the week-over-week "
                         "rows of its shows hold it" if pd.isna(a["show_id"])
                         else "its show has no revenue week before this one")
        row["why"] = text + "."
        return row
    for key in REVENUE_COLUMNS:
        row[key] = week[key]
    row["status"] = week["status"]
    lower = drivers.revenue_sentence(
        {k: week[k] for k in drivers.EFFECTS.values()}, week["revenue_before"],
        week["revenue_after"])
    row["why"] = f"{text}; that week {lower[0].lower()}{lower[1:]}."
    return row


REVENUE_COLUMNS = ["week_start_date", "previous_week_start_date", "revenue_before",
                   "revenue_after", "revenue_change", "revenue_change_pct",
                   *drivers.EFFECTS.values(), "main_driver", "top_episode_id",
                   "top_episode_change"]
COLUMNS = ["tenant_id", "trigger", "entity_type", "entity_id", "show_id", "metric",
           "period_date", *REVENUE_COLUMNS, "segment_dimension", "segment",
           "segment_change", "status", "why"]


def anomaly_rows(anomalies: pd.DataFrame, weeks: list[dict[str, Any]],
                 segments: pd.DataFrame) -> list[dict[str, Any]]:
    """A row per strongest high anomaly; `weeks`: drivers.week_over_week rows."""
    by_week = {(w["show_id"], pd.Timestamp(w["week_start_date"])): w for w in weeks}
    rows = []
    for _, a in strongest(anomalies).iterrows():
        day = pd.Timestamp(a["period_date"])
        monday = day - pd.Timedelta(days=day.weekday())
        week = None if pd.isna(a["show_id"]) else by_week.get((a["show_id"], monday))
        rows.append(anomaly_row(a, week, segments))
    return rows
