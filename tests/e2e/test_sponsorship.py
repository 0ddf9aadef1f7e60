"""Ad delivery and attribution on the synthetic world, both targets: delivered ads equal the
generator's ground truth exactly (IAB v2.3 rules applied to its own byte arrays)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from core.settings import Settings
from tests.conftest import requires_postgres
from tests.e2e.conftest import open_warehouse

pytestmark = [pytest.mark.slow]  # xdist group: see conftest.py

KEY = ["line_item_id", "ad_type", "impression_date"]


def _delivered(settings: Settings) -> pd.DataFrame:
    wh = open_warehouse(settings)
    try:
        rows = wh.fetchall("select line_item_id, ad_type, cast(impression_date as varchar), "
                           "count(*) from marts.fct_ad_impressions group by 1, 2, 3")
    finally:
        wh.close()
    return pd.DataFrame(rows, columns=[*KEY, "delivered"]).astype({"delivered": int})


def _check_delivered(settings: Settings, world: Path) -> None:
    truth = pd.read_csv(world / "ground_truth" / "ad_impressions_daily.csv", dtype=str)
    truth = truth.astype({"delivered": int}).sort_values(KEY).reset_index(drop=True)
    got = _delivered(settings).sort_values(KEY).reset_index(drop=True)
    assert set(truth["ad_type"]) == {"baked", "dynamic"}  # the world exercises both rules
    pd.testing.assert_frame_equal(got, truth)


def test_duckdb_delivered_ads_equal_ground_truth(duckdb_warehouse: Settings, world: Path) -> None:
    _check_delivered(duckdb_warehouse, world)


@requires_postgres
def test_postgres_delivered_ads_equal_ground_truth(postgres_warehouse: Settings,
                                                   world: Path) -> None:
    _check_delivered(postgres_warehouse, world)


def test_delivery_daily_adds_up_to_impressions(duckdb_warehouse: Settings) -> None:
    wh = open_warehouse(duckdb_warehouse)
    try:
        (daily,), (imps,) = wh.fetchall(
            "select sum(delivered_impressions) from marts.fct_campaign_delivery_daily "
            "union all select count(*) from marts.fct_ad_impressions")
        # a cpm line item is billed rate/1000 per delivered ad up to its booked impressions
        over = wh.fetchall(
            "select line_item_id, sum(spend), max(rate), max(line_item_booked) from ("
            "  select d.line_item_id, d.spend, l.rate, "
            "    least(sum(d.delivered_impressions) over (partition by d.line_item_id), "
            "          l.booked_impressions) as line_item_booked "
            "  from marts.fct_campaign_delivery_daily as d "
            "  join marts.dim_line_items as l on d.line_item_id = l.line_item_id "
            "  where d.pricing_model = 'cpm') group by 1")
        outside = wh.fetchall(
            "select pricing_model, sum(delivered_impressions), sum(spend) "
            "from marts.fct_campaign_delivery_daily where not is_in_flight group by 1")
    finally:
        wh.close()
    assert daily == imps > 0
    assert over
    for _, spend, rate, billable in over:
        assert spend == pytest.approx(billable * rate / 1000)
    # billing outside the flight (METHODOLOGY.md, Bookings): a cpm line item bills its ads
    # whatever day they are dated, a flat fee buys the flight's days only
    outside = {model: (int(n), float(spend or 0)) for model, n, spend in outside}
    assert outside["cpm"][0] > 0 and outside["cpm"][1] > 0
    assert outside["flat"][0] > 0 and outside["flat"][1] == 0


TOUCH_KEY = ["order_id", "sponsor_id", "campaign_id", "touch_type", "touched_at"]


def _utc(value: dt.datetime) -> str:
    if value.tzinfo is None:  # stored as UTC without a zone
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def _check_touchpoints(settings: Settings, world: Path) -> None:
    """Every order's touchpoints equal the generator's, which applies the matching rules
    to its own arrays (households, exposures, tagged visits, codes, survey answers)."""
    truth = pd.read_csv(world / "ground_truth" / "conversion_touches.csv", dtype=str)
    wh = open_warehouse(settings)
    try:
        rows = wh.fetchall("select conversion_id, sponsor_id, campaign_id, touch_type, "
                           "touched_at from marts.fct_touchpoints")
    finally:
        wh.close()
    got = pd.DataFrame([(*r[:4], _utc(r[4])) for r in rows], columns=TOUCH_KEY)
    # the world has orders touched by several campaigns of their sponsor, by each touch type
    per_order = truth.groupby("order_id")["campaign_id"].nunique()
    assert (per_order > 1).any()
    assert set(truth["touch_type"]) == {"impression", "utm_visit", "vanity_url", "promo_code",
                                        "survey"}
    pd.testing.assert_frame_equal(got.sort_values(TOUCH_KEY).reset_index(drop=True),
                                  truth.sort_values(TOUCH_KEY).reset_index(drop=True))


def test_duckdb_touchpoints_equal_ground_truth(duckdb_warehouse: Settings, world: Path) -> None:
    _check_touchpoints(duckdb_warehouse, world)


@requires_postgres
def test_postgres_touchpoints_equal_ground_truth(postgres_warehouse: Settings,
                                                 world: Path) -> None:
    _check_touchpoints(postgres_warehouse, world)


def _check_incrementality(settings: Settings, world: Path) -> None:
    truth = pd.read_csv(world / "ground_truth" / "campaign_incrementality.csv")
    wh = open_warehouse(settings)
    try:
        rows = wh.fetchall("select campaign_id, incremental_conversions, "
                           "incremental_conversions_se, incremental_conversions_low, "
                           "incremental_conversions_high, exposed_households "
                           "from marts.fct_campaign_incrementality")
    finally:
        wh.close()
    estimates = {c: [float(v) for v in values] for c, *values in rows}
    assert set(estimates) == set(truth["campaign_id"])
    for row in truth.itertuples():
        _, _, lo, hi, exposed = estimates[row.campaign_id]
        assert exposed == row.exposed_households, row.campaign_id
        assert lo <= row.true_incremental_conversions <= hi, row.campaign_id
    # the estimates say something: over all campaigns (independent estimates) the effect is
    # detected, and its interval holds the true total
    total = sum(e[0] for e in estimates.values())
    se = sum(e[1] ** 2 for e in estimates.values()) ** 0.5
    assert 0 < total - 1.96 * se <= truth["true_incremental_conversions"].sum() <= total + 1.96 * se


def test_duckdb_incrementality_recovers_the_true_effect(duckdb_warehouse: Settings,
                                                       world: Path) -> None:
    _check_incrementality(duckdb_warehouse, world)


@requires_postgres
def test_postgres_incrementality_recovers_the_true_effect(postgres_warehouse: Settings,
                                                         world: Path) -> None:
    _check_incrementality(postgres_warehouse, world)


def _check_data_driven(settings: Settings) -> None:
    """Markov and Shapley credits add up to each tenant's sponsor's conversions with a
    touchpoint."""
    wh = open_warehouse(settings)
    try:
        paths = {(t, s): n for t, s, n in wh.fetchall(
            "select tenant_id, sponsor_id, count(distinct conversion_id) "
            "from marts.fct_touchpoints group by 1, 2")}
        for table in ("attribution_markov", "attribution_shapley"):
            credited = {(t, s): n for t, s, n in wh.fetchall(
                "select tenant_id, sponsor_id, sum(attributed_conversions) "
                f"from analyses.{table} group by 1, 2")}
            assert set(credited) == set(paths), table
            for sponsor, conversions in paths.items():
                assert float(credited[sponsor]) == pytest.approx(conversions), (table, sponsor)
    finally:
        wh.close()


def test_duckdb_data_driven_attribution_adds_up(duckdb_warehouse: Settings) -> None:
    _check_data_driven(duckdb_warehouse)


@requires_postgres
def test_postgres_data_driven_attribution_adds_up(postgres_warehouse: Settings) -> None:
    _check_data_driven(postgres_warehouse)
