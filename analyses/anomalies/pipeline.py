"""From mart frames to the two tables. The queries name dbt models as `{model}`
placeholders (core.relations.sql); everything else is pure pandas."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analyses.anomalies import drivers, judge, series, why
from analyses.anomalies.judge import Settings

QUERIES = {
    "episode_daily": "select tenant_id, show_id, episode_id, download_date as period_date, "
                     "days_since_release, downloads from {fct_episode_daily}",
    "dates": "select distinct report_date as period_date "
             "from {fct_download_reconciliation_daily} where requests > 0",
    "line_items": "select items.tenant_id, items.campaign_id, items.line_item_id, "
                  "items.show_id, items.ad_position, items.ad_type, campaigns.start_date, "
                  "campaigns.end_date from {dim_line_items} as items "
                  "inner join {dim_campaigns} as campaigns "
                  "on items.campaign_id = campaigns.campaign_id",
    "delivery": "select line_item_id, delivery_date as period_date, "
                "delivered_impressions as delivered from {fct_campaign_delivery_daily}",
    "carriers": "select distinct line_item_id, episode_id from {fct_ad_impressions} "
                "where ad_type = 'baked'",
    "orders": "select tenant_id, sponsor_id, conversion_date as period_date "
              "from {fct_conversions}",
    "sponsors": "select tenant_id, sponsor_id from {dim_sponsors}",
    "revenue": "select tenant_id, show_id, week_start_date as period_date, is_complete, "
               "downloads, ad_slots_per_download, ads_delivered, fill_rate, effective_cpm, "
               "ad_revenue, subscription_revenue, partner_payouts, revenue, rpm "
               "from {fct_show_revenue_weekly}",
    "listeners": "select tenant_id, show_id, period_start_date as period_date, listeners "
                 "from {fct_show_listeners} where period_grain = 'week' and is_complete",
    "segments": "select show_id, download_date as period_date, app_name, device_category, "
                "country_code, sum(downloads) as downloads "
                "from {fct_episode_daily_segments} group by 1, 2, 3, 4, 5",
}
COLUMNS = {
    "episode_daily": ["tenant_id", "show_id", "episode_id", "period_date",
                      "days_since_release", "downloads"],
    "dates": ["period_date"],
    "line_items": ["tenant_id", "campaign_id", "line_item_id", "show_id", "ad_position",
                   "ad_type", "start_date", "end_date"],
    "delivery": ["line_item_id", "period_date", "delivered"],
    "carriers": ["line_item_id", "episode_id"],
    "orders": ["tenant_id", "sponsor_id", "period_date"],
    "sponsors": ["tenant_id", "sponsor_id"],
    "revenue": ["tenant_id", "show_id", "period_date", "is_complete", "downloads",
                "ad_slots_per_download", "ads_delivered", "fill_rate", "effective_cpm",
                "ad_revenue", "subscription_revenue", "partner_payouts", "revenue", "rpm"],
    "listeners": ["tenant_id", "show_id", "period_date", "listeners"],
    "segments": ["show_id", "period_date", "app_name", "device_category", "country_code",
                 "downloads"],
}
DETECT_SOURCES = ("fct_episode_daily", "fct_download_reconciliation_daily",
                  "dim_line_items", "dim_campaigns", "fct_campaign_delivery_daily",
                  "fct_ad_impressions", "fct_conversions", "dim_sponsors",
                  "fct_show_revenue_weekly", "fct_show_listeners")
DRIVER_SOURCES = ("fct_show_revenue_weekly", "fct_episode_daily",
                  "fct_episode_daily_segments")
NUMERIC = ("days_since_release", "downloads", "delivered", "ad_slots_per_download",
           "ads_delivered", "fill_rate", "effective_cpm", "ad_revenue",
           "subscription_revenue", "partner_payouts", "revenue", "rpm", "listeners")
DATES = ("period_date", "start_date", "end_date")


def typed(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A query's rows with its columns even when empty, numbers as floats (Postgres
    sums are numeric), dates as timestamps."""
    f = frame if len(frame) else pd.DataFrame(columns=COLUMNS[name])
    f = f[COLUMNS[name]].copy()
    for col in f.columns:
        if col in NUMERIC:
            f[col] = pd.to_numeric(f[col], errors="coerce").astype(float)
        elif col in DATES:
            f[col] = pd.to_datetime(f[col])
    return f


@dataclass(frozen=True)
class Marts:
    frames: dict[str, pd.DataFrame]

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]


def all_series(m: Marts) -> pd.DataFrame:
    dates = pd.DatetimeIndex(sorted(m["dates"]["period_date"].dropna().unique()))
    downloads, episode_day = series.downloads(m["episode_daily"], dates)
    parts = [downloads,
             series.impressions(m["line_items"], m["delivery"], m["carriers"], episode_day),
             series.conversions(m["orders"], m["sponsors"], dates),
             series.weekly(m["revenue"], m["listeners"])]
    return pd.concat([p for p in parts if len(p)], ignore_index=True) if any(
        len(p) for p in parts) else pd.DataFrame(columns=series.COLUMNS)


def detect(m: Marts, settings: Settings) -> pd.DataFrame:
    """analyses.anomalies rows."""
    return judge.judge_all(all_series(m), settings)


def _week_of(days: pd.Series) -> pd.Series:
    return days - pd.to_timedelta(days.dt.day_of_week, unit="D")


def explain(m: Marts, anomalies: pd.DataFrame) -> pd.DataFrame:
    """analyses.revenue_change_drivers rows."""
    seg = m["segments"]
    seg_week = seg.assign(period_date=_week_of(seg["period_date"]))
    ep = m["episode_daily"]
    ep_week = ep.assign(period_date=_week_of(ep["period_date"]))
    weeks = drivers.week_over_week(m["revenue"], seg_week, ep_week)
    rows = weeks + why.anomaly_rows(anomalies, weeks, seg)
    out = pd.DataFrame([{k: r.get(k) for k in why.COLUMNS} for r in rows],
                       columns=why.COLUMNS)
    for col in ("period_date", "week_start_date", "previous_week_start_date"):
        out[col] = pd.to_datetime(out[col]).dt.date
    order = out.assign(_show=out["show_id"].fillna(""), _d=out["period_date"].astype(str))
    return out.loc[order.sort_values(["tenant_id", "trigger", "entity_type", "entity_id",
                                      "metric", "_d"]).index].reset_index(drop=True)
