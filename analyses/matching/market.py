"""What a show has sold and can still sell: past performance in the sponsor's category and
the inventory left over the brief's flight.

- Past performance: the conversion rate of the show's past campaigns for sponsors of the
  brief's category, visitors / households reached (`fct_campaign_roi`'s conversion rate,
  a campaign counted on every show it ran on), shrunk towards the tenant's rate for the
  category with the weight of `prior_households` households (empirical Bayes, a beta prior:
  a show with one small campaign is not judged on it alone; a show with none gets the
  tenant's rate). The part is the shrunk rate over the highest among the brief's shows.
  Without any campaign of the category in the tenant there is nothing to compare: the part
  is unknown (null) and the score uses the neutral 0.5.
- Inventory: ad slots the show is forecast to carry over the flight (its mean weekly ad
  slots over the last `weeks` complete weeks, per day, times the flight's days), less the
  impressions already booked on it over the flight (each line item's booked impressions
  spread evenly over its campaign's flight); the part is the unsold share of the forecast.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

NEUTRAL = 0.5
DEFAULT_FLIGHT_DAYS = 28


def past_performance(history: pd.DataFrame, category: str | None, shows: list[str],
                     prior_households: float) -> pd.DataFrame:
    """Per show of `shows`: conversion_rate, campaigns, past_performance, basis.

    `history`: one row per campaign x show it ran on, of one tenant: show_id,
    sponsor_category, campaign_id, household_reach, visitors."""
    out = pd.DataFrame({"show_id": shows, "conversion_rate": np.nan, "campaigns": 0,
                        "past_performance": np.nan})
    label = category or "unknown"
    if history.empty or not category:
        return out.assign(basis=f"no campaigns in category {label!r} in the tenant")
    h = history[history["sponsor_category"].fillna("").str.casefold() == category.casefold()]
    campaigns = h.drop_duplicates("campaign_id")
    reach, visits = campaigns["household_reach"].sum(), campaigns["visitors"].sum()
    if h.empty or reach <= 0:
        return out.assign(basis=f"no campaigns in category {label!r} in the tenant")
    prior = visits / reach
    per = h.groupby("show_id").agg(reach=("household_reach", "sum"),
                                   visits=("visitors", "sum"),
                                   campaigns=("campaign_id", "nunique"))
    per = per.reindex(shows).fillna(0)
    shrunk = (per["visits"] + prior_households * prior) / (per["reach"] + prior_households)
    top = shrunk.max()
    out["conversion_rate"] = np.where(per["reach"] > 0,
                                      per["visits"] / per["reach"].where(per["reach"] > 0),
                                      np.nan)
    out["campaigns"] = per["campaigns"].astype(int).to_numpy()
    out["past_performance"] = (shrunk / top).to_numpy() if top > 0 else np.nan
    out["basis"] = [f"{int(n)} campaign(s) in category {label!r} on the show, shrunk to the "
                    f"tenant's rate {prior:.4f}" if n else
                    f"no campaign in category {label!r} on the show: the tenant's rate "
                    f"{prior:.4f}" for n in out["campaigns"]]
    return out


def flight(start: dt.date | None, end: dt.date | None,
           last_week: dt.date | None) -> tuple[dt.date, dt.date]:
    """The brief's flight; without dates, the DEFAULT_FLIGHT_DAYS after the data ends."""
    if start is None or pd.isna(start):
        start = (last_week + dt.timedelta(days=7)) if last_week else dt.date.today()
    if end is None or pd.isna(end) or end < start:
        end = start + dt.timedelta(days=DEFAULT_FLIGHT_DAYS - 1)
    return start, end


def inventory(weekly: pd.DataFrame, booked: pd.DataFrame, shows: list[str],
              start: dt.date, end: dt.date, weeks: int) -> pd.DataFrame:
    """Per show: forecast_impressions, booked_impressions, unsold_impressions, inventory,
    inventory_basis over [start, end].

    `weekly`: show_id, week_start_date, is_complete, ad_slots. `booked`: show_id,
    booked_impressions, start_date, end_date (one row per line item)."""
    days = (end - start).days + 1
    rows = []
    for show in shows:
        w = weekly[weekly["show_id"] == show].sort_values("week_start_date")
        full = w[w["is_complete"].fillna(False).astype(bool)]
        recent = (full if len(full) else w).tail(weeks)
        per_day = float(recent["ad_slots"].fillna(0).mean()) / 7 if len(recent) else 0.0
        forecast = per_day * days
        sold = _booked(booked[booked["show_id"] == show], start, end)
        unsold = max(0.0, forecast - sold)
        rows.append({
            "show_id": show, "forecast_impressions": forecast, "booked_impressions": sold,
            "unsold_impressions": unsold,
            "inventory": unsold / forecast if forecast > 0 else 0.0,
            "inventory_basis": (f"mean ad slots of the last {len(recent)} week(s) x {days} "
                                "days, less booked" if forecast > 0 else
                                "no ad slots counted: nothing to sell")})
    return pd.DataFrame(rows)


def _booked(items: pd.DataFrame, start: dt.date, end: dt.date) -> float:
    """Booked impressions falling in [start, end], each spread evenly over its flight."""
    total = 0.0
    for li in items.itertuples():
        if pd.isna(li.booked_impressions) or pd.isna(li.start_date) or pd.isna(li.end_date):
            continue
        span = (li.end_date - li.start_date).days + 1
        overlap = (min(end, li.end_date) - max(start, li.start_date)).days + 1
        if span > 0 and overlap > 0:
            total += float(li.booked_impressions) * overlap / span
    return total
