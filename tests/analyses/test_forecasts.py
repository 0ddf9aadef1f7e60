"""Forecasts on hand-built worlds: a known release curve is recovered exactly, intervals
widen with fewer days seen, an episode's later days never reach its forecast, and every
figure of the inventory forecast is worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analyses.forecasts import curves, inventory
from analyses.forecasts.episodes import (
    EPISODE_FORECASTS,
    ForecastSettings,
    forecast_episodes,
    level_prior,
    predictive,
)

START = pd.Timestamp("2026-03-02")  # a Monday
DAYS = 70
PROFILE = 0.2 * np.exp(-np.arange(curves.HORIZON) / 2.5) + 0.002
WEEKDAY = np.array([1.05, 1.08, 1.06, 1.04, 0.98, 0.80, 0.79])
WEEKDAY = WEEKDAY / WEEKDAY.mean()


def world(levels: dict[str, float], cadence: int = 3, first: int = -20,
          sample: np.random.Generator | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Episodes of each show every `cadence` days from day `first` (before the data: a
    back catalogue), and their daily downloads on days 0..DAYS-1: exactly level x
    profile x weekday, or a Poisson draw of it given `sample`."""
    episodes, daily = [], []
    for show, level in levels.items():
        for n, day in enumerate(range(first, DAYS, cadence)):
            episode = f"{show}-e{n:03d}"
            published = START + pd.Timedelta(days=day)
            episodes.append({"tenant_id": "acme", "show_id": show, "episode_id": episode,
                             "published_date": published})
            for age in range(curves.HORIZON):
                date = published + pd.Timedelta(days=age)
                if START <= date < START + pd.Timedelta(days=DAYS):
                    mean = level * PROFILE[age] * WEEKDAY[date.weekday()]
                    daily.append({"episode_id": episode, "download_date": date,
                                  "downloads": sample.poisson(mean) if sample else mean})
    return pd.DataFrame(episodes), pd.DataFrame(daily)


def run(episodes: pd.DataFrame, daily: pd.DataFrame, **settings) -> pd.DataFrame:
    return forecast_episodes(episodes, daily, START, START + pd.Timedelta(days=DAYS - 1),
                             ForecastSettings(**settings))


def test_a_known_curve_is_recovered_exactly():
    episodes, daily = world({"big": 1000.0, "small": 40.0})
    cells = curves.curve_cells(episodes, daily, START, START + pd.Timedelta(days=DAYS - 1))
    fit = curves.fit_curves(cells, len(episodes))
    np.testing.assert_allclose(fit.profile / fit.profile[0], PROFILE / PROFILE[0], rtol=1e-6)
    np.testing.assert_allclose(fit.weekday, WEEKDAY, rtol=1e-6)
    assert fit.dispersion == 1.0  # exact counts: no excess variance

    out = run(episodes, daily)
    ok = out[(out["status"] == "ok") & out["actual_30d"].notna()]
    assert len(ok) > 30
    # every episode of a show has the show's level: the prior and the own days agree
    np.testing.assert_allclose(ok["forecast_30d"], ok["actual_30d"], rtol=1e-5)
    assert list(out.columns) == list(EPISODE_FORECASTS.columns)


def test_intervals_widen_with_fewer_days_seen():
    episodes, daily = world({"show": 300.0}, sample=np.random.default_rng(7))
    out = run(episodes, daily)
    ok = out[out["status"] == "ok"]
    width = ((ok["upper"] - ok["lower"]) / ok["forecast_30d"]).groupby(
        ok["days_observed"]).median()
    assert width[1] > width[3] > width[7] > 0
    assert (ok["lower"] <= ok["forecast_30d"]).all() and (ok["forecast_30d"] <= ok["upper"]).all()


def test_an_episodes_future_never_reaches_its_forecast():
    episodes, daily = world({"a": 200.0, "b": 90.0}, sample=np.random.default_rng(3))
    before = run(episodes, daily)
    target = "a-e015"
    row = before[(before["episode_id"] == target) & (before["days_observed"] == 3)].iloc[0]
    assert row["status"] == "ok"
    cut = pd.Timestamp(row["forecast_date"])
    # its own days after the cut, and every other episode's too, multiplied by 5
    later = daily["download_date"] > cut
    changed = daily.assign(downloads=np.where(later, daily["downloads"] * 5,
                                              daily["downloads"]))
    after = run(episodes, changed)
    same = after[(after["episode_id"] == target) & (after["days_observed"] == 3)].iloc[0]
    for column in ("observed_to_date", "forecast_30d", "lower", "upper"):
        assert same[column] == row[column], column
    assert same["actual_30d"] > row["actual_30d"]  # the actual did change


def test_rows_say_why_there_is_no_forecast():
    episodes, daily = world({"show": 300.0}, sample=np.random.default_rng(1))
    hosted = pd.DataFrame([{"tenant_id": "acme", "show_id": "hosted", "episode_id": "h-e1",
                            "published_date": START + pd.Timedelta(days=30)},
                           {"tenant_id": "acme", "show_id": "show", "episode_id": "undated",
                            "published_date": pd.NaT}])
    out = run(pd.concat([episodes, hosted]), daily)
    status = out.set_index(["episode_id", "days_observed"])["status"]
    assert status[("undated", 3)] == "no release date"
    assert status[("show-e000", 1)] == "back catalogue"
    assert status[("h-e1", 7)] == "no counted downloads"
    last = episodes["episode_id"].iloc[-1]  # released on day 67 of 70
    assert status[(last, 1)] == "ok" and status[(last, 7)] == "too young"
    early = episodes.loc[episodes["published_date"] == START + pd.Timedelta(days=1),
                         "episode_id"].iloc[0]
    assert status[(early, 1)] == "too little data"
    assert out.loc[out["status"] != "ok", "forecast_30d"].isna().all()
    assert (out.loc[out["status"] != "ok", "reason"] != "").all()


def test_a_new_show_forecasts_from_its_own_days():
    episodes, daily = world({"old": 300.0}, sample=np.random.default_rng(2))
    new = pd.DataFrame([{"tenant_id": "acme", "show_id": "new", "episode_id": "n-e1",
                         "published_date": START + pd.Timedelta(days=30)}])
    first_days = pd.DataFrame([{"episode_id": "n-e1",
                                "download_date": START + pd.Timedelta(days=30 + a),
                                "downloads": 100.0 * PROFILE[a] / PROFILE[0]}
                               for a in range(3)])
    out = run(pd.concat([episodes, new]), pd.concat([daily, first_days]))
    row = out[(out["episode_id"] == "n-e1") & (out["days_observed"] == 3)].iloc[0]
    assert row["status"] == "ok" and row["history_episodes"] == 0
    assert "own days only" in row["method"] and row["reason"].startswith("new show")


def test_predictive_is_the_negative_binomial_by_hand():
    # flat prior: level ~ Gamma(100, 1); the rest ~ NB(100, 1 / (1 + 0.5)), mean 50, var 75
    mean, lo, hi = predictive(100.0, 1.0, (0.5, 0.0), 1.0, (0.0, 0.0), 0.8)
    assert mean == pytest.approx(150.0)
    assert lo == 100 + stats.nbinom.ppf(0.1, 100, 2 / 3)
    assert hi == 100 + stats.nbinom.ppf(0.9, 100, 2 / 3)
    # an uncertain remaining share widens the interval
    _, lo2, hi2 = predictive(100.0, 1.0, (0.5, 0.01), 1.0, (0.0, 0.0), 0.8)
    assert hi2 - lo2 > hi - lo


def test_late_variance_measures_how_later_days_stray_from_the_first_week():
    n, ages = 40, np.arange(curves.HORIZON)
    ep, age = np.repeat(np.arange(n), curves.HORIZON), np.tile(ages, n)
    shape = np.tile(PROFILE, n)
    level = np.full(n * curves.HORIZON, 1e6)  # big counts: sampling noise ~ 0
    # every episode on the curve: nothing to add
    assert curves.late_variance(ep, age, level * shape, shape, n, 1.0) == pytest.approx(
        0.0, abs=1e-6)
    # half the episodes' later days 20% up, half 20% down: v = 0.2^2
    late = np.where(age >= curves.SPLIT_AGE, np.where(ep % 2 == 0, 1.2, 0.8), 1.0)
    assert curves.late_variance(ep, age, level * shape * late, shape, n, 1.0) == (
        pytest.approx(0.04, rel=1e-3))
    # and it widens the interval of the days to come
    _, lo, hi = predictive(100.0, 1.0, (0.5, 0.0), 1.0, (0.0, 0.0), 0.8)
    _, lo2, hi2 = predictive(100.0, 1.0, (0.5, 0.0), 1.0, (0.0, 0.0), 0.8, late_var=0.04)
    assert hi2 - lo2 > hi - lo


def test_one_spiked_episode_does_not_move_the_shows_prior():
    levels = np.array([100.0] * 9 + [400.0])  # a one-day spike inflated the last one
    shape, rate = level_prior(levels, np.full(10, 50.0), 1.0, 0.1)
    assert shape / rate == pytest.approx(100.0)
    # spread: the floor (10%), sampling variance and the centre's uncertainty
    assert shape / rate ** 2 == pytest.approx(100.0 + (100.0 + 2.0) / 10)


# --- inventory ---------------------------------------------------------------------------

def test_robust_days_drop_a_ring_but_keep_release_days():
    weekday = np.tile(np.arange(7), 6)
    downloads = np.where(weekday == 0, 300.0, 60.0) + np.tile([0, 2, -1, 3, -2, 1, 0], 6)
    ring = downloads.copy()
    ring[28:38] += 80  # ten days of a redownload ring
    clean = inventory.robust_days(ring, weekday, 3.5)
    np.testing.assert_allclose(clean[:28], downloads[:28])  # release days and the rest
    assert (clean[28:38] < ring[28:38]).all()
    assert np.abs(clean[28:38] - downloads[28:38]).max() <= 3


def test_trend_forecast_by_hand():
    # on a line: the line, no spread
    mean, lo, hi = inventory.trend_forecast(np.array([100.0, 110.0, 120.0]),
                                            np.array([1, 2]), 0.8)
    np.testing.assert_allclose(mean, [130.0, 140.0])
    np.testing.assert_allclose(lo, mean)
    np.testing.assert_allclose(hi, mean)
    # the textbook interval: yhat +- t(n-2) s sqrt(1 + 1/n + (x0 - xbar)^2 / Sxx)
    y = np.array([90.0, 120.0, 100.0, 130.0])
    mean, lo, hi = inventory.trend_forecast(y, np.array([1, 5]), 0.8)
    x = np.arange(4.0)
    slope, icept = np.polyfit(x, y, 1)
    s = np.sqrt(np.sum((y - (icept + slope * x)) ** 2) / 2)
    x0 = np.array([4.0, 8.0])
    half = stats.t.ppf(0.9, 2) * s * np.sqrt(1 + 1 / 4 + (x0 - 1.5) ** 2 / 5.0)
    np.testing.assert_allclose(mean, icept + slope * x0)
    np.testing.assert_allclose(hi - mean, half)
    assert hi[1] - lo[1] > hi[0] - lo[0]  # wider further out


def test_weeks_and_booking_by_hand():
    until = pd.Timestamp("2026-03-25")  # a Wednesday: the first week has 4 forecast days
    weeks = inventory.forecast_weeks(until, 11)
    assert weeks["forecast_days"].tolist() == [4, 7]
    assert weeks["week_start_date"].tolist() == [pd.Timestamp("2026-03-23"),
                                                 pd.Timestamp("2026-03-30")]
    items = pd.DataFrame([{"show_id": "s", "ad_position": "pre", "booked_impressions": 700.0,
                           "start_date": pd.Timestamp("2026-03-20"),
                           "end_date": pd.Timestamp("2026-03-26")}])
    booked = inventory.booked_by_week(items, weeks, until)
    # 100 a day; in flight on the 26th only of the forecast days
    assert booked["booked_impressions"].tolist() == [pytest.approx(100.0)]
    assert booked["live_share"].tolist() == [pytest.approx(1 / 4)]
    assert inventory.complete_weeks(pd.Timestamp("2026-03-04"), until) == [
        pd.Timestamp("2026-03-09"), pd.Timestamp("2026-03-16")]


def test_inventory_by_hand():
    days = pd.date_range(START, periods=28)
    shows = pd.DataFrame({"tenant_id": ["t", "t"], "show_id": ["s", "quiet"]})
    show_days = pd.DataFrame({"tenant_id": "t", "show_id": "s", "download_date": days,
                              "downloads": 100.0})
    # half the downloads carry a pre-roll, filled 60% of the time
    slot_days = pd.DataFrame({"show_id": "s", "ad_position": "pre", "download_date": days,
                              "slot_downloads": 50.0, "delivered": 30.0})
    items = pd.DataFrame([
        {"tenant_id": "t", "show_id": "s", "ad_position": "pre", "line_item_id": f"li{i}",
         "booked_impressions": 1400.0, "pricing_model": "cpm", "start_date": START,
         "end_date": START + pd.Timedelta(days=41)} for i in range(3)])
    cpms = [10.0, 20.0, 30.0]
    delivery = pd.DataFrame([{"line_item_id": f"li{i}", "delivery_date": START,
                              "delivered_impressions": 1000.0, "spend": cpm}
                             for i, cpm in enumerate(cpms)])
    out = inventory.forecast_inventory(shows, show_days, slot_days, items, delivery,
                                       START, days[-1])
    assert list(out.columns) == list(inventory.INVENTORY_FORECASTS.columns)
    assert len(out) == 2 * 3 * 13
    pre = out[(out["show_id"] == "s") & (out["ad_position"] == "pre")].iloc[0]
    assert pre["status"] == "ok" and pre["history_weeks"] == 4
    assert pre["forecast_downloads"] == pytest.approx(700.0)
    assert pre["downloads_lower"] == pytest.approx(700.0)  # a flat line: no spread
    assert pre["downloads_upper"] == pytest.approx(700.0)
    assert pre["deliverable_impressions"] == pytest.approx(700 * 0.5 * 0.6)
    assert pre["booked_impressions"] == pytest.approx(3 * 1400 / 42 * 7)  # 700
    assert pre["available_impressions"] == 0.0  # over-booked: nothing left
    assert pre["expected_delivered"] == pytest.approx(210.0)
    # three line items, shrunk towards the tenant's quartiles, which are the same
    assert (pre["cpm_low"], pre["cpm_mid"], pre["cpm_high"]) == pytest.approx((15, 20, 25))
    assert pre["cpm_line_items"] == 3
    mid = out[(out["show_id"] == "s") & (out["ad_position"] == "mid")].iloc[0]
    assert mid["status"] == "no position history"
    quiet = out[out["show_id"] == "quiet"].iloc[0]
    assert quiet["status"] == "no downloads"


def test_cpm_shrinks_towards_the_tenant():
    cells = pd.DataFrame({"tenant_id": "t", "show_id": ["a", "b"], "ad_position": "mid"})
    items = pd.DataFrame([
        {"tenant_id": "t", "show_id": show, "ad_position": "mid", "line_item_id": li}
        for show, li in [("a", "x1"), ("b", "y1"), ("b", "y2"), ("b", "y3")]])
    delivery = pd.DataFrame({"line_item_id": ["x1", "y1", "y2", "y3"],
                             "delivery_date": START, "delivered_impressions": 1000.0,
                             "spend": [40.0, 20.0, 20.0, 20.0]})
    out = inventory.cpm_ranges(cells, items, delivery, START, 4.0).set_index("show_id")
    tenant_mid = 20.0  # median of 40, 20, 20, 20
    assert out.loc["a", "cpm_mid"] == pytest.approx(0.2 * 40 + 0.8 * tenant_mid)
    assert out.loc["b", "cpm_mid"] == pytest.approx(3 / 7 * 20 + 4 / 7 * tenant_mid)


def test_short_or_empty_inputs_give_reasons_not_crashes():
    empty = pd.DataFrame()
    shows = pd.DataFrame({"tenant_id": ["t"], "show_id": ["s"]})
    out = inventory.forecast_inventory(shows, empty, empty, empty, empty, START,
                                       START + pd.Timedelta(days=13))
    assert set(out["status"]) == {"too short"}
    assert forecast_episodes(empty, empty, START, START).empty
