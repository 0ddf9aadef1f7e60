"""Forecasts against the generator's own count: an episode's 30-day downloads are the
sum of ground_truth/downloads_daily.csv over its release day and the 29 after (counted
by the generator, independently of the warehouse), and the ads it delivered are
ground_truth/ad_impressions_daily.csv."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analyses.forecasts import inventory as inv
from core.relations import sql

pytestmark = [pytest.mark.slow]

HELD_OUT_FROM = pd.Timestamp("2026-04-13")  # the world's last two ISO weeks


def true_daily(world) -> pd.DataFrame:
    """The generator's downloads per episode x day (the world's window type), with the
    warehouse's episode_id and days since release."""
    window = json.loads((world.path / "world.json").read_text())["counting"][
        "default_window_type"]
    truth = pd.read_csv(world.truth / "downloads_daily.csv")
    truth = truth[truth["window_type"] == window]
    # the warehouse keys an episode by guid, or its enclosure URL when the feed has none
    episodes = world.read("select episode_id, coalesce(guid, enclosure_url) as episode_guid,"
                          " published_date from marts.dim_episodes")
    out = truth.merge(episodes, on="episode_guid")
    out["age"] = (pd.to_datetime(out["download_date"])
                  - pd.to_datetime(out["published_date"])).dt.days
    return out


@pytest.fixture(scope="module")
def forecasts(insights_world) -> pd.DataFrame:
    daily = true_daily(insights_world)
    within = daily[(daily["age"] >= 0) & (daily["age"] < 30)]
    truth_30d = within.groupby("episode_id")["downloads"].sum()
    rows = insights_world.read("select * from analyses.episode_download_forecasts")
    rows["truth_30d"] = rows["episode_id"].map(truth_30d).fillna(0)
    rows["truth_to_date"] = [
        within.loc[(within["episode_id"] == e) & (within["age"] < k), "downloads"].sum()
        for e, k in zip(rows["episode_id"], rows["days_observed"], strict=True)]
    return rows


def backtest(forecasts: pd.DataFrame) -> pd.DataFrame:
    ok = forecasts[(forecasts["status"] == "ok") & forecasts["actual_30d"].notna()].copy()
    ok["ape"] = (ok["forecast_30d"] - ok["truth_30d"]).abs() / ok["truth_30d"]
    ok["covered"] = (ok["truth_30d"] >= ok["lower"]) & (ok["truth_30d"] <= ok["upper"])
    return ok


def test_actuals_and_days_seen_are_the_generators_counts(forecasts):
    known = forecasts[forecasts["actual_30d"].notna()]
    assert len(known) > 100
    assert (known["actual_30d"] == known["truth_30d"]).all()
    ok = forecasts[forecasts["status"] == "ok"]
    # what a forecast saw is the generator's count of exactly its first days
    assert (ok["observed_to_date"] == ok["truth_to_date"]).all()
    assert (pd.to_datetime(ok["forecast_date"]) - pd.to_datetime(ok["published_date"])
            == pd.to_timedelta(ok["days_observed"] - 1, unit="D")).all()


def test_day_30_mdape_is_under_15_percent(forecasts):
    ok = backtest(forecasts)
    mdape = ok.groupby("days_observed")["ape"].median()
    print("MdAPE by days observed:", mdape.round(3).to_dict(),
          "n:", ok.groupby("days_observed").size().to_dict())
    assert set(mdape.index) == {1, 3, 7}
    assert mdape[7] < 0.15
    assert mdape[3] < 0.15 and mdape[1] < 0.15
    assert mdape[7] < mdape[1]  # more days seen, a better forecast


def test_80_percent_intervals_cover_near_nominal(forecasts):
    ok = backtest(forecasts)
    coverage = ok.groupby("days_observed")["covered"].mean()
    print("coverage by days observed:", coverage.round(3).to_dict(),
          "pooled:", round(ok["covered"].mean(), 3))
    assert (ok["interval_level"] == 0.8).all()
    assert 0.70 <= ok["covered"].mean() <= 0.90
    assert (coverage >= 0.65).all()


def test_rows_without_a_forecast_say_why(forecasts):
    missing = forecasts[forecasts["status"] != "ok"]
    assert {"back catalogue", "too young", "no counted downloads"} <= set(missing["status"])
    assert missing["forecast_30d"].isna().all()
    assert missing["reason"].str.len().gt(0).all()


def test_inventory_for_held_out_weeks_matches_delivered_ads(insights_world):
    """Forecast from the weeks before HELD_OUT_FROM; the generator's delivered ads of the
    two held-out weeks per show x position within 20% (median) and 15% in total."""
    frames = {name: insights_world.read(sql(query)) for name, query in (
        ("shows", inv.SHOWS), ("show_days", inv.SHOW_DAYS), ("slots", inv.SLOT_DAYS),
        ("items", inv.LINE_ITEMS), ("delivery", inv.LINE_ITEM_DELIVERY))}
    until = HELD_OUT_FROM - pd.Timedelta(days=1)

    def before(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        return frame[pd.to_datetime(frame[column]) <= until]

    data_from = pd.to_datetime(frames["show_days"]["download_date"]).min()
    out = inv.forecast_inventory(frames["shows"], before(frames["show_days"], "download_date"),
                                 before(frames["slots"], "download_date"), frames["items"],
                                 before(frames["delivery"], "delivery_date"), data_from, until)
    held = out[(out["status"] == "ok")
               & (pd.to_datetime(out["week_start_date"]) < HELD_OUT_FROM + pd.Timedelta(days=14))]
    truth = pd.read_csv(insights_world.truth / "ad_impressions_daily.csv").merge(
        frames["items"][["line_item_id", "show_id", "ad_position"]], on="line_item_id")
    day = pd.to_datetime(truth["impression_date"])
    truth = truth[(day >= HELD_OUT_FROM) & (day < HELD_OUT_FROM + pd.Timedelta(days=14))]
    actual = truth.groupby(["show_id", "ad_position"])["delivered"].sum()
    cells = held.groupby(["show_id", "ad_position"])["expected_delivered"].sum().to_frame()
    cells = cells.join(actual).fillna({"delivered": 0})
    cells = cells[cells["delivered"] > 0]
    ape = (cells["expected_delivered"] - cells["delivered"]).abs() / cells["delivered"]
    total = cells["expected_delivered"].sum() / cells["delivered"].sum()
    print(f"inventory held-out: {len(cells)} show x positions, median APE {ape.median():.3f},"
          f" forecast / actual {total:.3f}")
    assert len(cells) >= 15
    assert ape.median() < 0.20
    assert abs(total - 1) < 0.15


def test_inventory_table_is_consistent(insights_world):
    out = insights_world.read("select * from analyses.inventory_forecasts")
    shows = insights_world.read("select show_id from marts.dim_shows")
    assert set(out["show_id"]) == set(shows["show_id"])
    assert out.groupby(["show_id", "ad_position"]).size().isin([13, 14]).all()
    assert out.groupby("show_id")["forecast_days"].sum().eq(3 * 91).all()
    ok = out[out["status"] == "ok"]
    assert len(ok) > 0
    assert (ok["available_impressions"] <= ok["deliverable_impressions"] + 1e-9).all()
    assert (ok["available_lower"] <= ok["available_upper"] + 1e-9).all()
    assert ((ok["cpm_low"] <= ok["cpm_mid"]) & (ok["cpm_mid"] <= ok["cpm_high"])).all()
    assert out.loc[out["status"] != "ok", "reason"].str.len().gt(0).all()
