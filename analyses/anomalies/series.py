"""The series the detectors judge, built from mart frames, in one long frame:
tenant_id, entity_type, entity_id, show_id (the show it belongs to, if any), metric,
grain ('day' | 'week'), period_date, observed, baseline (what the metric follows; 1.0
when it stands alone).

Daily: downloads per show and tenant (baseline: the release model of
release.py), ad impressions per campaign and tenant (baseline: the downloads of the shows
the campaign runs on that day: a release or a download anomaly is not a delivery
anomaly), conversions per sponsor and tenant. Weekly (complete
weeks only): downloads, listeners, ads delivered, fill rate, eCPM, revenue and RPM per
show (fct_show_revenue_weekly, fct_show_listeners) and revenue per tenant.
"""

from __future__ import annotations

import pandas as pd

from analyses.anomalies import release

COLUMNS = ["tenant_id", "entity_type", "entity_id", "show_id", "metric", "grain",
           "period_date", "observed", "baseline"]
WEEKLY_SHOW_METRICS = {"downloads": "downloads", "ads_delivered": "impressions",
                       "fill_rate": "fill_rate", "effective_cpm": "cpm",
                       "revenue": "revenue", "rpm": "rpm"}


def _frame(df: pd.DataFrame, entity_type: str, entity: str, metric: str, grain: str,
           observed: str, baseline: str | None = None, show: str | None = None,
           date: str = "period_date") -> pd.DataFrame:
    return pd.DataFrame({
        "tenant_id": df["tenant_id"].to_numpy(), "entity_type": entity_type,
        "entity_id": df[entity].astype(str).to_numpy(),
        "show_id": df[show].to_numpy() if show else None, "metric": metric, "grain": grain,
        "period_date": pd.to_datetime(df[date]).to_numpy(),
        "observed": df[observed].astype(float).to_numpy(),
        "baseline": df[baseline].astype(float).to_numpy() if baseline else 1.0})[COLUMNS]


def downloads(daily: pd.DataFrame, dates: pd.DatetimeIndex) -> tuple[pd.DataFrame,
                                                                     pd.DataFrame]:
    """Show- and tenant-day download series, and the episode-day frame
    (release.episode_days with `expected`) the campaign series use. Episodes are modelled
    (the release curve) but not judged one by one: a lone episode's tail is too noisy to
    flag (see METHODOLOGY); revenue_change_drivers names the episode that moved most."""
    if daily.empty:
        return pd.DataFrame(columns=COLUMNS), pd.DataFrame(
            columns=["tenant_id", "show_id", "episode_id", "period_date", "downloads"])
    ed = release.episode_days(daily, dates)
    ed["expected"] = release.expected_episode_days(ed).to_numpy()
    show_day = (ed.groupby(["tenant_id", "show_id", "period_date"], as_index=False)
                [["downloads", "expected"]].sum())
    tenant_day = (show_day.groupby(["tenant_id", "period_date"], as_index=False)
                  [["downloads", "expected"]].sum())
    parts = [
        _frame(show_day, "show", "show_id", "downloads", "day", "downloads", "expected",
               show="show_id"),
        _frame(tenant_day, "tenant", "tenant_id", "downloads", "day", "downloads",
               "expected")]
    return pd.concat(parts, ignore_index=True), ed


def _line_item_baseline(line_items: pd.DataFrame, carriers: pd.DataFrame,
                        episode_day: pd.DataFrame) -> pd.DataFrame:
    """line_item_id x period_date: the downloads its ads can reach. A dynamic line item
    shares its show-position's inserted slots with the other dynamic line items in flight
    there that day (the ad server rotates them evenly): the show's downloads / that
    number. A baked-in line item reaches the downloads of the episodes that carry it."""
    days = episode_day[["period_date"]].drop_duplicates()
    li = line_items.assign(start_date=pd.to_datetime(line_items["start_date"]),
                           end_date=pd.to_datetime(line_items["end_date"]))
    flight = li.merge(days, how="cross")
    flight = flight[flight["period_date"].between(flight["start_date"], flight["end_date"])]
    dyn = flight[flight["ad_type"] == "dynamic"]
    rivals = dyn.groupby(["show_id", "ad_position", "period_date"])["line_item_id"].transform(
        "size")
    show_dl = episode_day.groupby(["show_id", "period_date"], as_index=False)["downloads"].sum()
    dyn = dyn.assign(rivals=rivals).merge(show_dl, on=["show_id", "period_date"], how="left")
    dyn["reach"] = dyn["downloads"].fillna(0.0) / dyn["rivals"]
    baked = (flight[flight["ad_type"] != "dynamic"]
             .merge(carriers, on="line_item_id")
             .merge(episode_day[["episode_id", "period_date", "downloads"]],
                    on=["episode_id", "period_date"])
             .groupby(["line_item_id", "period_date"], as_index=False)["downloads"].sum()
             .rename(columns={"downloads": "reach"}))
    cols = ["line_item_id", "period_date", "reach"]
    return pd.concat([dyn[cols], baked[cols]], ignore_index=True)


def impressions(line_items: pd.DataFrame, delivery: pd.DataFrame, carriers: pd.DataFrame,
                episode_day: pd.DataFrame) -> pd.DataFrame:
    """Campaign- and tenant-day delivered impressions over the flight; baseline: the
    downloads their line items can reach (_line_item_baseline), so a release, a download
    anomaly or a rival campaign starting is not a delivery anomaly. `line_items`:
    tenant_id, campaign_id, line_item_id, show_id, ad_position, ad_type, start_date,
    end_date; `delivery`: line_item_id, period_date, delivered; `carriers`: line_item_id,
    episode_id of baked-in ads; `episode_day`: episode_id, show_id, period_date,
    downloads."""
    if line_items.empty or episode_day.empty:
        return pd.DataFrame(columns=COLUMNS)
    reach = _line_item_baseline(line_items, carriers, episode_day)
    d = delivery.assign(period_date=pd.to_datetime(delivery["period_date"]))
    li = (reach.merge(d, on=["line_item_id", "period_date"], how="left")
          .fillna({"delivered": 0.0})
          .merge(line_items[["line_item_id", "tenant_id", "campaign_id"]], on="line_item_id"))
    campaign = (li.groupby(["tenant_id", "campaign_id", "period_date"], as_index=False)
                [["delivered", "reach"]].sum())
    # the tenant's campaigns deliver at different rates (a host read reaches most of its
    # downloads, an inserted ad fewer): weight each campaign's reach by its own median
    # rate, so a campaign starting or ending does not move the tenant's ratio
    rate = (campaign[campaign["reach"] > 0]
            .assign(r=lambda f: f["delivered"] / f["reach"])
            .groupby("campaign_id")["r"].median())
    weighted = campaign.assign(
        reach=campaign["reach"] * campaign["campaign_id"].map(rate).fillna(0.0))
    tenant = weighted.groupby(["tenant_id", "period_date"], as_index=False)[
        ["delivered", "reach"]].sum()
    return pd.concat([
        _frame(campaign, "campaign", "campaign_id", "impressions", "day", "delivered",
               "reach"),
        _frame(tenant, "tenant", "tenant_id", "impressions", "day", "delivered", "reach")],
        ignore_index=True)


def conversions(orders: pd.DataFrame, sponsors: pd.DataFrame,
                dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Sponsor- and tenant-day conversions, zero-filled over the covered dates (their
    revenue is a few orders' values on most days: too sparse for a daily z-score; revenue
    is judged by week). `orders`: tenant_id, sponsor_id, period_date; `sponsors`:
    tenant_id, sponsor_id."""
    if sponsors.empty or len(dates) == 0:
        return pd.DataFrame(columns=COLUMNS)
    grid = sponsors[["tenant_id", "sponsor_id"]].merge(
        pd.DataFrame({"period_date": dates}), how="cross")
    o = orders.assign(period_date=pd.to_datetime(orders["period_date"]), n=1.0)
    per = o.groupby(["sponsor_id", "period_date"], as_index=False).agg(conversions=("n", "sum"))
    sp = grid.merge(per, on=["sponsor_id", "period_date"], how="left").fillna(
        {"conversions": 0.0})
    tenant = sp.groupby(["tenant_id", "period_date"], as_index=False)["conversions"].sum()
    return pd.concat([_frame(sp, "sponsor", "sponsor_id", "conversions", "day", "conversions"),
                      _frame(tenant, "tenant", "tenant_id", "conversions", "day",
                             "conversions")], ignore_index=True)


def weekly(revenue: pd.DataFrame, listeners: pd.DataFrame) -> pd.DataFrame:
    """Show-week metrics of the revenue tree and listeners, tenant-week revenue: complete
    weeks only (a partial week is not a drop). `revenue`: fct_show_revenue_weekly rows
    (week_start_date as period_date); `listeners`: tenant_id, show_id, period_date,
    listeners."""
    parts = []
    rev = revenue[revenue["is_complete"].astype(bool)] if len(revenue) else revenue
    for col, metric in WEEKLY_SHOW_METRICS.items():
        if len(rev):
            ok = rev[rev[col].notna()]
            parts.append(_frame(ok, "show", "show_id", metric, "week", col, show="show_id"))
    if len(rev):
        tenant = rev.groupby(["tenant_id", "period_date"], as_index=False)["revenue"].sum()
        parts.append(_frame(tenant, "tenant", "tenant_id", "revenue", "week", "revenue"))
    if len(listeners):
        parts.append(_frame(listeners, "show", "show_id", "listeners", "week", "listeners",
                            show="show_id"))
    return (pd.concat(parts, ignore_index=True) if parts
            else pd.DataFrame(columns=COLUMNS))
