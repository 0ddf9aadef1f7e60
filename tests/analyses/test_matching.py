"""Sponsor-show matching on hand-worked examples: TF-IDF cosine, audience TVD, exclusion
rules, the shrunk past performance, the inventory arithmetic and the ranking."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from analyses.matching import MATCHES, Inputs, Weights, match
from analyses.matching.fit import (
    OTHER,
    audience_fit,
    content_cosine,
    exclusion_reasons,
    parse_mix,
    total_variation,
)
from analyses.matching.market import inventory, past_performance
from analyses.matching.rank import COLUMNS


def test_tfidf_cosine_matches_a_hand_calculation():
    docs = ["coffee beans", "coffee tea", "football"]
    # smoothed idf = ln((1 + n) / (1 + df)) + 1, n = 3; each term once: tf = 1
    idf_coffee, idf_rare = math.log(4 / 3) + 1, math.log(4 / 2) + 1
    # the query equals doc 1; doc 2 shares only "coffee" (vectors L2-normalised)
    expected_2 = idf_coffee**2 / (idf_coffee**2 + idf_rare**2)
    got = content_cosine("Coffee beans!", docs)
    assert got == pytest.approx([1.0, expected_2, 0.0])
    assert expected_2 == pytest.approx(0.36645, abs=1e-5)


def test_cosine_without_a_shared_word_or_any_word_is_zero():
    assert list(content_cosine("gardening", ["coffee", "tea"])) == [0.0, 0.0]
    assert list(content_cosine("coffee", ["the and", ""])) == [0.0, 0.0]  # stop words only
    assert len(content_cosine("coffee", [])) == 0


def test_mix_parsing_pools_the_rest_and_scales_over_one():
    assert parse_mix("Apple Podcasts:0.5|Spotify:0.3") == pytest.approx(
        {"Apple Podcasts": 0.5, "Spotify": 0.3, OTHER: 0.2})
    assert parse_mix("US:3|GB:1") == {"US": 0.75, "GB": 0.25}
    assert parse_mix("US:1") == {"US": 1.0}
    assert parse_mix("garbage|US:x|:0.4|") == {}
    assert parse_mix(None) == {}


def test_audience_fit_is_one_minus_the_mean_tvd_by_hand():
    targets = {"app": parse_mix("Apple Podcasts:0.5|Spotify:0.3"),
               "device": parse_mix("mobile:0.9"), "country": {}}
    observed = {"app": {"Apple Podcasts": 60, "Spotify": 20, "Overcast": 20},
                "device": {"mobile": 80, "computer": 20},
                "country": {"US": 100}}
    # app: shares .6 .2 and other .2 vs .5 .3 .2 -> 0.5 x (.1 + .1 + 0) = 0.1
    assert total_variation(targets["app"], observed["app"]) == pytest.approx(0.1)
    # device: .8 / .2 vs .9 / .1 -> 0.1; country has no target and is left out
    assert audience_fit(targets, observed) == pytest.approx(0.9)
    assert audience_fit({"app": {}}, observed) is None  # no target
    assert audience_fit(targets, {"app": {"Spotify": 1}}) is None  # no device downloads


def test_exclusions_name_every_reason_and_match_whole_words_only():
    rules = {"explicit_excluded": True, "excluded_categories": ["true crime"],
             "excluded_keywords": ["murder", "casino"]}
    assert exclusion_reasons(is_explicit=True, show_categories=["True Crime"],
                             text="<p>A <b>Murder</b>, solved.</p>", **rules) == [
        "explicit", "category: true crime", "keyword: murder"]
    assert exclusion_reasons(is_explicit=False, show_categories=["Comedy"],
                             text="murderers and casinos", **rules) == []
    assert exclusion_reasons(is_explicit=True, show_categories=[], text="", **{
        **rules, "explicit_excluded": False}) == []


def test_past_performance_shrinks_to_the_tenant_rate_by_hand():
    history = pd.DataFrame({
        "show_id": ["a", "b", "x"], "sponsor_category": ["Food", "food", "software"],
        "campaign_id": ["c1", "c2", "c3"], "household_reach": [100, 300, 1000],
        "visitors": [10, 15, 900]})
    got = past_performance(history, "food", ["a", "b", "c"], prior_households=100)
    # prior = 25 / 400; a: (10 + 6.25) / 200, b: (15 + 6.25) / 400, c: the prior itself
    shrunk = [16.25 / 200, 21.25 / 400, 25 / 400]
    assert got["past_performance"].tolist() == pytest.approx([s / shrunk[0] for s in shrunk])
    assert got["conversion_rate"].tolist()[:2] == pytest.approx([0.1, 0.05])
    assert math.isnan(got["conversion_rate"].iat[2]) and got["campaigns"].tolist() == [1, 1, 0]
    none = past_performance(history, "pets", ["a"], prior_households=100)
    assert none["past_performance"].isna().all() and "no campaigns" in none["basis"].iat[0]


def test_inventory_is_the_unsold_share_of_the_forecast_by_hand():
    weeks = pd.date_range("2026-03-02", periods=5, freq="7D").date
    weekly = pd.DataFrame({"show_id": "a", "week_start_date": weeks,
                           "is_complete": [True] * 4 + [False],
                           "ad_slots": [9999, 700, 700, 700, 5]})
    booked = pd.DataFrame({"show_id": ["a", "b"], "booked_impressions": [600, 10],
                           "start_date": [dt.date(2026, 4, 1)] * 2,
                           "end_date": [dt.date(2026, 4, 20)] * 2})
    got = inventory(weekly, booked, ["a", "b"], dt.date(2026, 4, 16), dt.date(2026, 4, 25),
                    weeks=3).set_index("show_id")
    # 700 slots a week = 100 a day x 10 days; 600 booked over 20 days, 5 of them in flight
    assert got.at["a", "forecast_impressions"] == pytest.approx(1000)
    assert got.at["a", "booked_impressions"] == pytest.approx(150)
    assert got.at["a", "inventory"] == pytest.approx(0.85)
    assert got.at["b", "inventory"] == 0 and "nothing to sell" in got.at["b", "inventory_basis"]


def _inputs() -> Inputs:
    briefs = pd.DataFrame([{
        "brief_id": "br1", "tenant_id": "t1", "sponsor_id": "sp1", "sponsor_category": "food",
        "topic_text": "coffee espresso roasting", "target_app_mix": "Spotify:1",
        "target_device_mix": None, "target_country_mix": None,
        "is_explicit_excluded": True, "excluded_categories": None,
        "excluded_keywords": "casino", "start_date": dt.date(2026, 4, 1),
        "end_date": dt.date(2026, 4, 28)}])
    shows = pd.DataFrame({
        "tenant_id": ["t1", "t1", "t1", "t1", "t2"], "show_id": ["s1", "s2", "s3", "s4", "o1"],
        "title": ["Bean Talk", "Ball Game", "Roast House", "Night Owls", "Coffee Elsewhere"],
        "description": ["coffee and espresso", "football", "coffee roasting", "casino nights",
                        "coffee espresso roasting"],
        "categories": ["Food", "Sports", "Food", "Comedy", "Food"],
        "is_explicit": [False, False, True, False, False]})
    texts = pd.DataFrame({"show_id": ["s1", "s2"], "text": ["espresso roasting", None]})
    audience = pd.DataFrame({"show_id": ["s1", "s2"], "dimension": ["app", "app"],
                             "value": ["Spotify", "Overcast"], "downloads": [10, 10]})
    empty = pd.DataFrame(columns=["tenant_id", "show_id", "sponsor_category", "campaign_id",
                                  "household_reach", "visitors"])
    weekly = pd.DataFrame(columns=["show_id", "week_start_date", "is_complete", "ad_slots"])
    booked = pd.DataFrame(columns=["show_id", "booked_impressions", "start_date", "end_date"])
    return Inputs(briefs, shows, texts, audience, empty, weekly, booked)


def test_a_brief_ranks_its_own_tenants_shows_and_lists_exclusions_last():
    out = match(_inputs(), Weights(), prior_households=200, weeks=4)
    assert list(out.columns) == list(COLUMNS) == list(MATCHES.columns)
    assert set(out["show_id"]) == {"s1", "s2", "s3", "s4"}  # never another tenant's show
    assert out["show_id"].tolist() == ["s1", "s2", "s3", "s4"]
    assert out["rank"].tolist()[:2] == [1, 2] and out["rank"].isna().tolist()[2:] == [True] * 2
    reasons = dict(zip(out["show_id"], out["exclusion_reason"], strict=True))
    assert reasons["s3"] == "explicit" and reasons["s4"] == "keyword: casino"
    s1 = out.iloc[0]
    # s1: best content (fit 1), all its downloads on Spotify (fit 1), no history (0.5),
    # no slots (inventory 0): 0.5 + 0.2 + 0.15 x 0.5 + 0
    assert s1["content_fit"] == 1 and s1["audience_fit"] == 1
    assert s1["score"] == pytest.approx(0.5 + 0.2 + 0.075)
    assert out.iloc[1]["audience_fit"] == 0 and out.iloc[1]["content_fit"] == 0
    assert "neutral 0.5" in s1["notes"]


def test_weights_are_scaled_to_one_and_must_be_usable():
    assert Weights(2, 1, 1, 0).normalised() == Weights(0.5, 0.25, 0.25, 0.0)
    with pytest.raises(ValueError):
        Weights(0, 0, 0, 0).normalised()


def test_no_briefs_give_no_rows():
    inputs = _inputs()
    empty = Inputs(inputs.briefs.iloc[0:0], *list(inputs.__dict__.values())[1:])
    assert match(empty, Weights(), 200, 4).empty
