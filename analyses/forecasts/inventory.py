"""Ad inventory for the next 13 weeks by show x ad position, and a suggested CPM range.

Downloads: the show's shock days (a spike, a drop, a run of invalid traffic: far from
their weekday's median, robust_days) set to that median, then a straight line through
the show's weekly downloads of its last 8 complete weeks (OLS on the week's index; a
show's downloads grow as its back catalogue does), extended 13 weeks with its prediction
interval, which widens further out.
Inventory: an episode carries a position when an ad was ever delivered there, so a
show's slot downloads per download and its delivery rate (impressions / slot downloads
on the days a line item of the position was in flight) come from its recent weeks.
  deliverable = downloads x slots per download x delivery rate
  booked      = each line item's booked impressions spread evenly over its flight
  available   = max(deliverable - booked, 0)
  expected delivered = deliverable x the share of the week's days a line item is in flight
CPM range: the quartiles of the effective CPMs (spend / delivered x 1000) of the line items
delivered in the show's position, shrunk towards the tenant's in that position by
n / (n + prior_line_items) so a show with few line items borrows the network's range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from analyses.tables import TENANT_ID, AnalysisTable, Column

POSITIONS = ("pre", "mid", "post")
OK = "ok"

SHOWS = "select tenant_id, show_id from {dim_shows}"
SHOW_DAYS = """
    select tenant_id, show_id, download_date, sum(downloads) as downloads
    from {fct_episode_daily}
    group by tenant_id, show_id, download_date
"""
# an episode carries a position once an ad was delivered in it there (baked or inserted)
SLOT_DAYS = """
    with carried as (
        select distinct episode_id, ad_position from {fct_ad_impressions}
    ),
    slot_downloads as (
        select daily.show_id, carried.ad_position, daily.download_date,
               sum(daily.downloads) as slot_downloads
        from {fct_episode_daily} as daily
        inner join carried on daily.episode_id = carried.episode_id
        group by daily.show_id, carried.ad_position, daily.download_date
    ),
    delivered as (
        select show_id, ad_position, impression_date as download_date,
               count(*) as delivered
        from {fct_ad_impressions}
        group by show_id, ad_position, impression_date
    )
    select coalesce(s.show_id, d.show_id) as show_id,
           coalesce(s.ad_position, d.ad_position) as ad_position,
           coalesce(s.download_date, d.download_date) as download_date,
           coalesce(s.slot_downloads, 0) as slot_downloads,
           coalesce(d.delivered, 0) as delivered
    from slot_downloads as s
    full outer join delivered as d
        on s.show_id = d.show_id and s.ad_position = d.ad_position
        and s.download_date = d.download_date
"""
LINE_ITEMS = """
    select items.tenant_id, items.show_id, items.ad_position, items.line_item_id,
           items.booked_impressions, campaigns.pricing_model,
           campaigns.start_date, campaigns.end_date
    from {dim_line_items} as items
    inner join {dim_campaigns} as campaigns on items.campaign_id = campaigns.campaign_id
"""
LINE_ITEM_DELIVERY = """
    select line_item_id, delivery_date, delivered_impressions, spend
    from {fct_campaign_delivery_daily}
"""
SOURCES = ("dim_shows", "fct_episode_daily", "fct_ad_impressions", "dim_line_items",
           "dim_campaigns", "fct_campaign_delivery_daily")

INVENTORY_FORECASTS = AnalysisTable(
    "inventory_forecasts", "tenant x show x ad position x week",
    "Ad impressions a show can deliver in each position over the 13 weeks after the data "
    "(forecast downloads x slots per download x delivery rate), what is already booked, "
    "what is left to sell, and a suggested CPM range from delivered line items.",
    {"tenant_id": TENANT_ID,
     "show_id": Column("text", "The show."),
     "ad_position": Column("text", "pre, mid or post roll."),
     "week_start_date": Column("date", "The ISO week (Monday)."),
     "forecast_days": Column("int", "Days of the week inside the forecast horizon (the "
                                    "first and last weeks may be partial)."),
     "forecast_downloads": Column("double", "Expected counted downloads of the show in the "
                                            "week's forecast days."),
     "downloads_lower": Column("double", "Lower end of the downloads' prediction interval."),
     "downloads_upper": Column("double", "Upper end of the downloads' prediction interval."),
     "interval_level": Column("double", "Nominal coverage of the intervals (0.8)."),
     "slots_per_download": Column("double", "Downloads of episodes carrying the position "
                                            "per download, over the history weeks."),
     "delivery_rate": Column("double", "Impressions per slot download on days a line item "
                                       "of the position was in flight (history weeks)."),
     "deliverable_impressions": Column("double", "forecast_downloads x slots_per_download "
                                                 "x delivery_rate."),
     "booked_impressions": Column("double", "Booked impressions of line items in flight "
                                            "that week (even pacing over each flight)."),
     "available_impressions": Column("double", "max(deliverable - booked, 0): left to sell."),
     "available_lower": Column("double", "Available impressions at the downloads' lower "
                                         "bound."),
     "available_upper": Column("double", "Available impressions at the downloads' upper "
                                         "bound."),
     "expected_delivered": Column("double", "deliverable x the share of the week's days a "
                                            "booked line item is in flight: what the ad "
                                            "server will deliver on the current bookings."),
     "cpm_low": Column("double", "Suggested CPM, low end: the shrunk lower quartile of "
                                 "delivered line items' effective CPMs."),
     "cpm_mid": Column("double", "Suggested CPM: the shrunk median."),
     "cpm_high": Column("double", "Suggested CPM, high end: the shrunk upper quartile."),
     "cpm_line_items": Column("int", "The show's delivered line items in the position "
                                     "behind the range (0: the tenant's range)."),
     "history_weeks": Column("int", "Complete weeks of downloads the trend line was fitted "
                                    "to (the rates use the last 4 of them)."),
     "status": Column("text", "'ok', or why a figure is missing ('too short', 'no downloads', "
                              "'no position history', 'no cpm history')."),
     "reason": Column("text", "The status in words, with the numbers behind it.")})


@dataclass(frozen=True)
class InventorySettings:
    horizon_days: int = 91  # 13 weeks
    history_weeks: int = 4  # complete weeks the slot and delivery rates come from
    trend_weeks: int = 8  # complete weeks the downloads' trend line is fitted to
    min_weeks: int = 3  # fewer complete weeks: no forecast
    interval_level: float = 0.8
    prior_line_items: float = 4.0  # a show's CPM quartiles weigh n / (n + this)
    outlier_z: float = 3.5  # a show-day this many robust sds off its weekday's median


def complete_weeks(data_from: pd.Timestamp, data_until: pd.Timestamp) -> list[pd.Timestamp]:
    """Mondays of the ISO weeks wholly inside [data_from, data_until]."""
    first = data_from + pd.Timedelta(days=(7 - data_from.day_of_week) % 7)
    return list(pd.date_range(first, data_until - pd.Timedelta(days=6), freq="7D"))


def forecast_weeks(data_until: pd.Timestamp, horizon_days: int) -> pd.DataFrame:
    """week_start_date, forecast_days of the days after `data_until` up to the horizon."""
    days = pd.date_range(data_until + pd.Timedelta(days=1), periods=horizon_days)
    weeks = days - pd.to_timedelta(days.day_of_week, unit="D")
    return (pd.Series(1, index=weeks).groupby(level=0).sum().rename("forecast_days")
            .rename_axis("week_start_date").reset_index())


def booked_by_week(line_items: pd.DataFrame, weeks: pd.DataFrame,
                   data_until: pd.Timestamp) -> pd.DataFrame:
    """show_id, ad_position, week_start_date -> booked impressions in the week's forecast
    days (even pacing) and the share of those days some line item is in flight."""
    rows = []
    for _, w in weeks.iterrows():
        start = max(w["week_start_date"], data_until + pd.Timedelta(days=1))
        days = pd.date_range(start, periods=int(w["forecast_days"]))
        for _, li in line_items.iterrows():
            flight = pd.date_range(li["start_date"], li["end_date"])
            inside = days.isin(flight)
            if inside.any():
                rows.append({"show_id": li["show_id"], "ad_position": li["ad_position"],
                             "week_start_date": w["week_start_date"],
                             "booked": li["booked_impressions"] * inside.sum() / len(flight),
                             "live_days": tuple(days[inside])})
    if not rows:
        return pd.DataFrame(columns=["show_id", "ad_position", "week_start_date",
                                     "booked_impressions", "live_share"])
    frame = pd.DataFrame(rows)
    keys = ["show_id", "ad_position", "week_start_date"]
    out = frame.groupby(keys)["booked"].sum().rename("booked_impressions").reset_index()
    live = frame.groupby(keys)["live_days"].agg(lambda s: len(set().union(*map(set, s))))
    out["live_days"] = live.to_numpy()
    out = out.merge(weeks, on="week_start_date")
    out["live_share"] = out["live_days"] / out["forecast_days"]
    return out[[*keys, "booked_impressions", "live_share"]]


def _live_days(line_items: pd.DataFrame, start: pd.Timestamp,
               end: pd.Timestamp) -> pd.DataFrame:
    """show_id, ad_position, download_date: the days in [start, end] some line item of
    the show's position was in flight."""
    rows = [(li["show_id"], li["ad_position"], day) for _, li in line_items.iterrows()
            for day in pd.date_range(max(li["start_date"], start), min(li["end_date"], end))]
    return pd.DataFrame(rows, columns=["show_id", "ad_position", "download_date"]
                        ).drop_duplicates()


def position_rates(show_days: pd.DataFrame, slot_days: pd.DataFrame,
                   line_items: pd.DataFrame, start: pd.Timestamp,
                   end: pd.Timestamp) -> pd.DataFrame:
    """Per show x position over [start, end]: slots_per_download and delivery_rate (NaN
    where the show's position had no slot downloads on days a line item was in flight)."""
    def within(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[(frame["download_date"] >= start) & (frame["download_date"] <= end)]

    downloads = within(show_days).groupby("show_id")["downloads"].sum()
    slots = within(slot_days)
    rates = slots.groupby(["show_id", "ad_position"])["slot_downloads"].sum().reset_index()
    rates["slots_per_download"] = (rates["slot_downloads"]
                                   / rates["show_id"].map(downloads).replace(0, np.nan))
    live = slots.merge(_live_days(line_items, start, end),
                       on=["show_id", "ad_position", "download_date"])
    sums = live.groupby(["show_id", "ad_position"])[["delivered", "slot_downloads"]].sum()
    delivery = (sums["delivered"] / sums["slot_downloads"].replace(0, np.nan)).rename(
        "delivery_rate").reset_index()
    return rates.drop(columns="slot_downloads").merge(
        delivery, on=["show_id", "ad_position"], how="left")


def cpm_ranges(cells: pd.DataFrame, line_items: pd.DataFrame, delivery: pd.DataFrame,
               data_until: pd.Timestamp, prior_line_items: float) -> pd.DataFrame:
    """Per show x position of `cells` (tenant_id, show_id, ad_position): quartiles of its
    delivered line items' effective CPMs, shrunk towards its tenant's quartiles in the
    position by n / (n + prior_line_items)."""
    paid = delivery[(delivery["delivery_date"] <= data_until) & delivery["spend"].notna()]
    totals = paid.groupby("line_item_id")[["spend", "delivered_impressions"]].sum()
    totals = totals[totals["delivered_impressions"] > 0]
    items = line_items.merge((1000 * totals["spend"] / totals["delivered_impressions"])
                             .rename("ecpm").reset_index(), on="line_item_id")
    quartiles = [0.25, 0.5, 0.75]
    names = ["cpm_low", "cpm_mid", "cpm_high"]

    def quart(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        grouped = frame.groupby(keys)["ecpm"]
        out = pd.DataFrame({name: grouped.quantile(q)
                            for name, q in zip(names, quartiles, strict=True)})
        return out.assign(n=grouped.size()).reset_index()

    out = cells.merge(quart(items, ["tenant_id", "ad_position"]),
                      on=["tenant_id", "ad_position"], how="left")
    own = quart(items, ["show_id", "ad_position"]).rename(
        columns={**{c: f"own_{c}" for c in names}, "n": "cpm_line_items"})
    out = out.drop(columns="n").merge(own, on=["show_id", "ad_position"], how="left")
    out["cpm_line_items"] = out["cpm_line_items"].fillna(0).astype(int)
    weight = out["cpm_line_items"] / (out["cpm_line_items"] + prior_line_items)
    for c in names:
        out[c] = np.where(out["cpm_line_items"] > 0,
                          weight * out[f"own_{c}"] + (1 - weight) * out[c], out[c])
    return out[["show_id", "ad_position", *names, "cpm_line_items"]]


def forecast_inventory(shows: pd.DataFrame, show_days: pd.DataFrame,
                       slot_days: pd.DataFrame,
                       line_items: pd.DataFrame, delivery: pd.DataFrame,
                       data_from: pd.Timestamp, data_until: pd.Timestamp,
                       cfg: InventorySettings | None = None) -> pd.DataFrame:
    """One row per show x position x forecast week (INVENTORY_FORECASTS' columns), from
    the frames of SHOWS, SHOW_DAYS, SLOT_DAYS, LINE_ITEMS and LINE_ITEM_DELIVERY over the days
    [data_from, data_until]."""
    cfg = cfg or InventorySettings()
    if shows.empty:
        return pd.DataFrame(columns=list(INVENTORY_FORECASTS.columns))
    show_days, slot_days, line_items, delivery = _typed(show_days, slot_days, line_items,
                                                        delivery)
    # a line item without a flight (a booking error) books no day
    line_items = line_items.dropna(subset=["start_date", "end_date"]).fillna(
        {"booked_impressions": 0.0})
    complete = complete_weeks(data_from, data_until)
    n_weeks = min(len(complete), cfg.trend_weeks)
    if len(complete) < cfg.min_weeks:
        complete = []  # too short: no figures
    weeks = complete[-cfg.history_weeks:]
    cells = shows[["tenant_id", "show_id"]].drop_duplicates().merge(
        pd.DataFrame({"ad_position": POSITIONS}), how="cross")
    ahead = forecast_weeks(data_until, cfg.horizon_days)
    out = cells.merge(ahead, how="cross")
    out = out.merge(_show_levels(show_days, complete[-cfg.trend_weeks:], ahead, cfg),
                    on=["show_id", "week_start_date"], how="left")
    if weeks:
        hist_end = weeks[-1] + pd.Timedelta(days=6)
        rates = position_rates(show_days, slot_days, line_items, weeks[0], hist_end)
        out = out.merge(rates, on=["show_id", "ad_position"], how="left")
    else:
        out["slots_per_download"] = out["delivery_rate"] = np.nan
    out = out.merge(booked_by_week(line_items, ahead, data_until),
                    on=["show_id", "ad_position", "week_start_date"], how="left")
    out = out.merge(cpm_ranges(cells, line_items, delivery, data_until,
                               cfg.prior_line_items), on=["show_id", "ad_position"],
                    how="left")
    return _finish(out, n_weeks, cfg)


# each input's columns: a query that returns no row gives a frame without them
_COLUMNS = (["tenant_id", "show_id", "download_date", "downloads"],
            ["show_id", "ad_position", "download_date", "slot_downloads", "delivered"],
            ["tenant_id", "show_id", "ad_position", "line_item_id", "booked_impressions",
             "pricing_model", "start_date", "end_date"],
            ["line_item_id", "delivery_date", "delivered_impressions", "spend"])
_DATES = ("download_date", "delivery_date", "start_date", "end_date")
_NUMBERS = ("downloads", "slot_downloads", "delivered", "booked_impressions",
            "delivered_impressions", "spend")


def _typed(*frames: pd.DataFrame) -> list[pd.DataFrame]:
    """SHOW_DAYS, SLOT_DAYS, LINE_ITEMS and LINE_ITEM_DELIVERY frames with their columns,
    dates as Timestamps and counts as floats, whatever the engine returned."""
    out = []
    for frame, columns in zip(frames, _COLUMNS, strict=True):
        frame = frame.copy() if len(frame.columns) else pd.DataFrame(columns=columns)
        for col in set(columns) & set(_DATES):
            frame[col] = pd.to_datetime(frame[col]).dt.normalize()
        for col in set(columns) & set(_NUMBERS):
            frame[col] = pd.to_numeric(frame[col]).astype(float)
        out.append(frame)
    return out


def _show_levels(show_days: pd.DataFrame, weeks: list[pd.Timestamp], ahead: pd.DataFrame,
                 cfg: InventorySettings) -> pd.DataFrame:
    """Per show x forecast week: the week's expected downloads and interval, from the
    show's weekly downloads over the history `weeks`."""
    columns = ["show_id", "week_start_date", "week_level", "week_lower", "week_upper"]
    if not weeks:
        return pd.DataFrame(columns=columns)
    steps = ((ahead["week_start_date"] - weeks[-1]).dt.days // 7).to_numpy()
    rows = []
    for show, days in show_days.groupby("show_id"):
        days = days[days["download_date"] >= weeks[0]]
        week_of = days["download_date"] - pd.to_timedelta(
            days["download_date"].dt.day_of_week, unit="D")
        clean = robust_days(days["downloads"].to_numpy(float),
                            days["download_date"].dt.day_of_week.to_numpy(), cfg.outlier_z)
        weekly = pd.Series(clean, index=days.index).groupby(week_of).sum().reindex(
            weeks, fill_value=0.0)
        mean, lo, hi = trend_forecast(weekly.to_numpy(), steps, cfg.interval_level)
        rows.append(pd.DataFrame({"show_id": show, "week_start_date": ahead["week_start_date"],
                                  "week_level": mean, "week_lower": lo, "week_upper": hi}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)


def robust_days(downloads: np.ndarray, weekday: np.ndarray, z: float) -> np.ndarray:
    """A show's daily downloads with its shock days replaced by their weekday's median:
    a day more than `z` robust sds (1.4826 MAD of the weekday's days, at least the
    Poisson sd) from the median of the same weekday in the history weeks. An injected
    spike or drop, or a run of invalid traffic (a redownload ring, a scripted client)
    will not recur, so it should tilt neither the trend line nor its level; a release
    day stays, as it recurs on its weekday."""
    out = downloads.astype(float).copy()
    for day in np.unique(weekday):
        at = weekday == day
        centre = float(np.median(downloads[at]))
        sd = max(1.4826 * float(np.median(np.abs(downloads[at] - centre))),
                 np.sqrt(max(centre, 1.0)))
        out[at] = np.where(np.abs(downloads[at] - centre) > z * sd, centre, downloads[at])
    return out


def trend_forecast(weekly: np.ndarray, steps: np.ndarray,
                   level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A straight line through `weekly` (OLS on the week's index), extended `steps` weeks
    past the last, with its `level` prediction interval (statsmodels; wider further
    out). Negative values are cut at 0."""
    n = len(weekly)
    design = sm.add_constant(np.arange(n, dtype=float))
    future = sm.add_constant(n - 1 + steps.astype(float), has_constant="add")
    frame = sm.OLS(weekly, design).fit().get_prediction(future).summary_frame(
        alpha=1 - level)
    return tuple(frame[c].clip(lower=0).to_numpy()
                 for c in ("mean", "obs_ci_lower", "obs_ci_upper"))


def _finish(out: pd.DataFrame, n_weeks: int, cfg: InventorySettings) -> pd.DataFrame:
    scale = out["forecast_days"] / 7
    out["forecast_downloads"] = out["week_level"] * scale
    out["downloads_lower"] = out["week_lower"] * scale
    out["downloads_upper"] = out["week_upper"] * scale
    out["booked_impressions"] = out["booked_impressions"].fillna(0.0)
    out["live_share"] = out["live_share"].fillna(0.0)
    per_download = out["slots_per_download"] * out["delivery_rate"]
    out["deliverable_impressions"] = out["forecast_downloads"] * per_download
    out["available_impressions"] = (out["deliverable_impressions"]
                                    - out["booked_impressions"]).clip(lower=0)
    out["available_lower"] = (out["downloads_lower"] * per_download
                              - out["booked_impressions"]).clip(lower=0)
    out["available_upper"] = (out["downloads_upper"] * per_download
                              - out["booked_impressions"]).clip(lower=0)
    out["expected_delivered"] = out["deliverable_impressions"] * out["live_share"]
    out["interval_level"] = cfg.interval_level
    out["history_weeks"] = n_weeks
    out["cpm_line_items"] = out["cpm_line_items"].fillna(0).astype(int)
    status = [_status(r, n_weeks, cfg) for _, r in out.iterrows()]
    out["status"] = [s for s, _ in status]
    out["reason"] = [r for _, r in status]
    out["week_start_date"] = out["week_start_date"].dt.date
    return out[list(INVENTORY_FORECASTS.columns)].sort_values(
        ["tenant_id", "show_id", "ad_position", "week_start_date"], ignore_index=True)


def _status(row: pd.Series, n_weeks: int, cfg: InventorySettings) -> tuple[str, str]:
    if n_weeks < cfg.min_weeks:
        return "too short", f"{n_weeks} complete weeks of downloads < {cfg.min_weeks}"
    if not row["week_level"] > 0:
        return "no downloads", "no counted downloads in the history weeks"
    if pd.isna(row["slots_per_download"]) or pd.isna(row["delivery_rate"]):
        return ("no position history", f"no {row['ad_position']}-roll delivered while a "
                "line item was in flight in the history weeks")
    if pd.isna(row["cpm_mid"]):
        return "no cpm history", "no delivered cpm or flat line item in the tenant"
    return OK, ""
