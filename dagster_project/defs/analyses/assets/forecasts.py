"""Forecasts and pricing: an episode's 30-day downloads from its first days, and the ad
inventory left to sell per show x position with a suggested CPM range. Thin assets over
analyses.forecasts; the thresholds are run config with the library's defaults."""

import dagster as dg
import pandas as pd

from analyses.forecasts import episodes as ep
from analyses.forecasts import inventory as inv
from analyses.store import read_frame, replace_frame
from core.relations import ANALYSES_SCHEMA, sql
from core.warehouse import Warehouse
from dagster_project.defs.analyses.assets.wiring import AUTOMATION, analysis_key, dbt_key
from dagster_project.resources import WarehouseResource

_EPISODE = ep.ForecastSettings()
_INVENTORY = inv.InventorySettings()


class EpisodeForecastConfig(dg.Config):
    """Defaults as analyses.forecasts.episodes.ForecastSettings."""
    interval_level: float = _EPISODE.interval_level  # nominal coverage of [lower, upper]
    min_data_days: int = _EPISODE.min_data_days  # days of counts before a curve is trusted
    min_history: int = _EPISODE.min_history  # earlier episodes a show needs for a prior


class InventoryForecastConfig(dg.Config):
    """Defaults as analyses.forecasts.inventory.InventorySettings."""
    horizon_days: int = _INVENTORY.horizon_days  # 13 weeks ahead
    history_weeks: int = _INVENTORY.history_weeks  # complete weeks the rates come from
    trend_weeks: int = _INVENTORY.trend_weeks  # complete weeks the downloads' line fits
    min_weeks: int = _INVENTORY.min_weeks  # fewer complete weeks: no forecast
    prior_line_items: float = _INVENTORY.prior_line_items  # CPM shrinkage weight n/(n+this)


def data_days(wh: Warehouse) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last day the access logs cover; None before any log."""
    days = read_frame(wh, sql(ep.DATA_DAYS))
    if days.empty or days["data_from"].isna().all():
        return None
    return pd.Timestamp(days["data_from"][0]), pd.Timestamp(days["data_until"][0])


@dg.asset(key=analysis_key(ep.EPISODE_FORECASTS.name), group_name=ANALYSES_SCHEMA,
          automation_condition=AUTOMATION, deps=[dbt_key(m) for m in ep.SOURCES])
def episode_download_forecasts(config: EpisodeForecastConfig,
                               warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per episode x days observed (1, 3, 7): the 30-day downloads forecast made on the day
    those days were complete (rolling origin), with an 80% prediction interval, and the
    actual 30-day count once known."""
    settings = ep.ForecastSettings(interval_level=config.interval_level,
                                   min_data_days=config.min_data_days,
                                   min_history=config.min_history)
    with warehouse.connect() as wh:
        span = data_days(wh)
        episodes = read_frame(wh, sql(ep.EPISODES))
        frame = (ep.forecast_episodes(episodes, read_frame(wh, sql(ep.EPISODE_DAYS)),
                                      *span, settings)
                 if span and len(episodes) else pd.DataFrame(
                     columns=list(ep.EPISODE_FORECASTS.columns)))
        written = replace_frame(wh, ep.EPISODE_FORECASTS, frame)
    ok = frame[frame["status"] == ep.OK]
    errors = ok.loc[ok["days_observed"] == 7, "abs_pct_error"].dropna()
    metadata = {"rows": written, "forecasts": len(ok)}
    if len(errors):  # the back-test so far: median APE of the 7-day forecasts
        metadata["mdape_7d"] = round(float(errors.median()), 4)
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(key=analysis_key(inv.INVENTORY_FORECASTS.name), group_name=ANALYSES_SCHEMA,
          automation_condition=AUTOMATION, deps=[dbt_key(m) for m in inv.SOURCES])
def inventory_forecasts(config: InventoryForecastConfig,
                        warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per show x ad position x week of the next 13: deliverable, booked and available
    impressions and a suggested CPM range from delivered line items."""
    settings = inv.InventorySettings(horizon_days=config.horizon_days,
                                     history_weeks=config.history_weeks,
                                     trend_weeks=config.trend_weeks,
                                     min_weeks=config.min_weeks,
                                     prior_line_items=config.prior_line_items)
    with warehouse.connect() as wh:
        span = data_days(wh)
        frames = [read_frame(wh, sql(q)) for q in (inv.SHOWS, inv.SHOW_DAYS, inv.SLOT_DAYS,
                                                   inv.LINE_ITEMS, inv.LINE_ITEM_DELIVERY)]
        frame = (inv.forecast_inventory(*frames, *span, settings) if span
                 else pd.DataFrame(columns=list(inv.INVENTORY_FORECASTS.columns)))
        written = replace_frame(wh, inv.INVENTORY_FORECASTS, frame)
    return dg.MaterializeResult(metadata={"rows": written})


forecast_assets = [episode_download_forecasts, inventory_forecasts]
