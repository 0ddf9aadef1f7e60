"""LMDI-I by hand, its zero convention, the exact additivity of the six effects, and the
sentence an account manager reads."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analyses.anomalies import drivers
from analyses.anomalies.lmdi import lmdi, log_mean

EFFECTS = list(drivers.EFFECTS.values())


def test_lmdi_by_hand():
    # ad revenue = downloads x slots x fill x CPM / 1000:
    # before 1000 x 2 x 0.5 x 20 / 1000 = 20, after 800 x 2 x 0.6 x 25 / 1000 = 24
    # L(24, 20) = 4 / ln 1.2 = 21.939260; effects: L ln 0.8, L ln 1, L ln 1.2, L ln 1.25
    # with ln 1.25 = -ln 0.8 = 0.2231436: 21.939260 x 0.2231436 = 4.895604
    effects = lmdi([1000, 2, 0.5, 20], [800, 2, 0.6, 25], 20.0, 24.0)
    assert effects == pytest.approx([-4.895604, 0.0, 4.0, 4.895604], abs=1e-6)
    assert sum(effects) == pytest.approx(4.0, abs=1e-12)
    assert log_mean(24, 20) == pytest.approx(21.939260, abs=1e-6)
    assert log_mean(5, 5) == 5


def test_lmdi_gives_the_whole_change_to_a_factor_that_becomes_zero():
    # no downloads last week: slots, fill and CPM are undefined; downloads take it all
    assert lmdi([0, None, None, None], [500, 3, 0.4, 18], 0.0, 10.8) == [10.8, 0, 0, 0]
    # nothing delivered this week: fill rate is zero, CPM undefined; fill takes it all
    assert lmdi([500, 3, 0.4, 18], [450, 3, 0.0, None], 10.8, 0.0) == [0, 0, -10.8, 0]
    assert lmdi([0, None, None, None], [0, None, None, None], 0.0, 0.0) == [0, 0, 0, 0]


def _week(downloads: float, slots: float, fill: float, cpm: float, subs: float,
          partner: float, date: str = "2026-03-09", complete: bool = True) -> pd.Series:
    ad = downloads * slots * fill * cpm / 1000
    return pd.Series({
        "tenant_id": "t", "show_id": "s1", "period_date": pd.Timestamp(date),
        "is_complete": complete, "downloads": downloads,
        "ad_slots_per_download": slots if downloads else None,
        "fill_rate": fill if downloads * slots else None,
        "effective_cpm": cpm if downloads * slots * fill else None, "ad_revenue": ad,
        "subscription_revenue": subs, "partner_payouts": partner,
        "revenue": ad + subs + partner,
        "rpm": 1000 * (ad + subs + partner) / downloads if downloads else None})


def test_the_six_effects_add_up_to_the_revenue_change_exactly():
    rng = np.random.default_rng(0)
    for _ in range(500):
        a = [float(rng.choice([0, rng.uniform(1, 5e4)])), rng.uniform(0, 3),
             rng.uniform(0, 1), rng.uniform(5, 40)]
        b = [float(rng.choice([0, rng.uniform(1, 5e4)])), rng.uniform(0, 3),
             rng.uniform(0, 1), rng.uniform(5, 40)]
        before = _week(*a, rng.uniform(0, 50), rng.uniform(0, 50))
        after = _week(*b, rng.uniform(0, 50), rng.uniform(0, 50))
        effects = drivers.decompose(before, after)
        change = after["revenue"] - before["revenue"]
        assert math.isclose(sum(effects.values()), change, rel_tol=1e-12, abs_tol=1e-9)


def test_a_week_row_says_why_in_one_sentence():
    before = _week(10_000, 2, 0.5, 20, 100, 0, "2026-03-02")
    after = _week(10_000, 2, 0.35, 20, 100, 0, "2026-03-09")  # fill 0.5 -> 0.35: -$60
    segments = pd.DataFrame({"dimension": ["app_name", "app_name", "country_code"],
                             "segment": ["Overcast", "Spotify", "DE"],
                             "change": [-1204.0, 300.0, -800.0]})
    episodes = pd.DataFrame({"dimension": "episode_id", "segment": ["e1", "e2"],
                             "change": [-2000.0, 2000.0]})
    row = drivers.week_row(after, before, after, segments, episodes)
    assert row["revenue_change"] == pytest.approx(-60.0)
    assert row["fill_rate_effect"] == pytest.approx(-60.0)
    assert row["downloads_effect"] == 0 and row["cpm_effect"] == 0
    assert row["main_driver"] == "fill rate"
    # downloads did not move: the segment that moved most either way
    assert row["segment"] == "Overcast"
    assert row["why"] == ("Revenue fell $60.00 (-20%) week over week, mostly from fill rate "
                          "(-$60.00); downloads on Overcast fell most (-1,204).")
    assert row["status"] == "ok"


def test_the_segment_that_moved_most_follows_the_direction_of_the_change():
    changes = pd.DataFrame({"dimension": ["app_name", "app_name", "country_code"],
                            "segment": ["Overcast", "Spotify", "US"],
                            "change": [-900.0, 1000.0, 400.0]})
    assert drivers.top_move(changes, -500)["segment"] == "Overcast"
    assert drivers.top_move(changes, 500)["segment"] == "Spotify"
    assert drivers.top_move(changes.iloc[0:0], 5) is None


def test_week_over_week_skips_a_shows_first_week_and_compares_with_nothing_after_a_gap():
    weeks = pd.DataFrame([_week(100, 2, 0.5, 20, 1, 0, "2026-03-02"),
                          _week(120, 2, 0.5, 20, 1, 0, "2026-03-09"),
                          _week(130, 2, 0.5, 20, 1, 0, "2026-03-23", complete=False)])
    empty = pd.DataFrame(columns=["show_id", "period_date", "app_name", "device_category",
                                  "country_code", "episode_id", "downloads"])
    rows = drivers.week_over_week(weeks, empty, empty)
    assert [r["week_start_date"] for r in rows] == [pd.Timestamp("2026-03-09"),
                                                   pd.Timestamp("2026-03-23")]
    gap = rows[1]
    assert gap["revenue_before"] == 0 and gap["downloads_effect"] == pytest.approx(
        gap["revenue_change"] - gap["subscription_effect"])
    assert gap["status"].startswith("partial week")
    for r in rows:
        assert sum(r[e] for e in EFFECTS) == pytest.approx(r["revenue_change"], abs=1e-12)
