"""The demo world's money makes sense: bookings sized to the audience, flat fees and CPA
rates at market prices, returns spread as campaigns' are, converters reached by several
campaigns of their sponsor. Figures from the landing files and the ground truth (pandas),
independently of the warehouse; spend follows the booking terms of dbt/METHODOLOGY.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synth import sizing, traffic


def _bookings(world: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    bk = world / "landing" / "bookings"
    camps = pd.read_csv(bk / "campaigns.csv", parse_dates=["start_date", "end_date"])
    return camps.set_index("campaign_id"), pd.read_csv(bk / "line_items.csv")


def _delivered(world: Path) -> pd.DataFrame:
    """Per line item: IAB-delivered impressions by the end of its flight, and in all."""
    camps, li = _bookings(world)
    imp = pd.read_csv(world / "ground_truth" / "ad_impressions_daily.csv",
                      parse_dates=["impression_date"])
    imp = imp.merge(li[["line_item_id", "campaign_id"]], on="line_item_id")
    in_time = imp["impression_date"] <= camps["end_date"].reindex(imp["campaign_id"]).to_numpy()
    out = li.set_index("line_item_id")[["campaign_id", "rate", "booked_impressions"]].copy()
    out["by_end"] = imp[in_time].groupby("line_item_id")["delivered"].sum()
    out["all"] = imp.groupby("line_item_id")["delivered"].sum()
    return out.fillna({"by_end": 0, "all": 0})


def _touches(world: Path) -> pd.DataFrame:
    t = pd.read_csv(world / "ground_truth" / "conversion_touches.csv",
                    parse_dates=["touched_at"])
    orders = pd.read_csv(world / "landing" / "conversions" / "orders.csv")
    t = t.merge(orders[["order_id", "revenue"]], on="order_id")
    return t.sort_values(["order_id", "touched_at", "touch_type", "campaign_id"],
                         kind="stable").reset_index(drop=True)


def _credits(t: pd.DataFrame, model: str) -> pd.Series:
    """Heuristic credit of each touch (first, last touch or linear)."""
    n = t.groupby("order_id")["order_id"].transform("size")
    i = t.groupby("order_id").cumcount()
    return {"first_touch": (i == 0).astype(float), "last_touch": (i == n - 1).astype(float),
            "linear": 1.0 / n}[model]


def _roas(world: Path, model: str) -> pd.DataFrame:
    """Spend, attributed conversions and revenue, ROAS per campaign under `model`.
    cpm: delivered x rate / 1000, billed up to the booked impressions; flat: the fees;
    cpa: the rate per attributed conversion."""
    camps, _ = _bookings(world)
    d = _delivered(world)
    billed = np.minimum(d["all"], d["booked_impressions"]) * d["rate"] / 1000
    t = _touches(world)
    credit = _credits(t, model)
    out = pd.DataFrame({
        "pricing_model": camps["pricing_model"],
        "conversions": credit.groupby(t["campaign_id"]).sum(),
        "revenue": (credit * t["revenue"]).groupby(t["campaign_id"]).sum(),
        "cpm": billed.groupby(d["campaign_id"]).sum(),
        "fees": d["rate"].groupby(d["campaign_id"]).sum(),
    }).fillna(0.0)
    out["spend"] = np.select(
        [out["pricing_model"] == "cpm", out["pricing_model"] == "flat"],
        [out["cpm"], out["fees"]], camps["cpa_rate"] * out["conversions"])
    out["roas"] = out["revenue"] / out["spend"]
    return out


def test_cpm_campaigns_deliver_what_they_booked(demo_world: Path) -> None:
    camps, _ = _bookings(demo_world)
    d = _delivered(demo_world)
    per = d.groupby("campaign_id")[["by_end", "booked_impressions"]].sum()
    cpm = per[camps["pricing_model"].reindex(per.index) == "cpm"]
    assert len(cpm) >= 5
    ratio = cpm["by_end"] / cpm["booked_impressions"]
    assert ratio.between(0.8, 1.2).all(), ratio.round(3).to_dict()
    # booked as sales would: two significant figures
    booked = d["booked_impressions"]
    assert (booked % 10 ** np.maximum(np.floor(np.log10(booked)) - 1, 0) == 0).all()


def test_flat_fees_at_an_effective_cpm_of_15_to_40(demo_world: Path) -> None:
    camps, _ = _bookings(demo_world)
    d = _delivered(demo_world)
    per = d.groupby("campaign_id").agg(fee=("rate", "sum"), by_end=("by_end", "sum"))
    flat = per[camps["pricing_model"].reindex(per.index) == "flat"]
    assert len(flat) >= 2
    ecpm = flat["fee"] / flat["by_end"] * 1000
    assert ecpm.between(15, 40).all(), ecpm.round(2).to_dict()
    assert (camps.loc[flat.index, "budget"] == flat["fee"]).all()


def test_cpa_rates_are_a_share_of_the_orders(demo_world: Path) -> None:
    camps, _ = _bookings(demo_world)
    orders = pd.read_csv(demo_world / "landing" / "conversions" / "orders.csv")
    median = orders.groupby("sponsor_id")["revenue"].median()
    cpa = camps[camps["pricing_model"] == "cpa"]
    assert len(cpa)
    share = cpa["cpa_rate"] / median.reindex(cpa["sponsor_id"]).to_numpy()
    assert share.between(0.15, 0.7).all(), share.round(2).to_dict()


def test_a_fifth_of_converters_heard_several_campaigns(demo_world: Path) -> None:
    t = _touches(demo_world)
    per_order = t.groupby("order_id").agg(campaigns=("campaign_id", "nunique"),
                                          types=("touch_type", "nunique"))
    assert len(per_order) >= 100
    assert 0.15 <= (per_order["campaigns"] > 1).mean() <= 0.30
    assert (per_order["types"] > 1).mean() >= 0.3
    # sponsors run several campaigns: overlapping or successive flights, other shows
    camps, li = _bookings(demo_world)
    assert (camps.groupby("sponsor_id").size() > 1).mean() >= 0.5
    shows = li.groupby("campaign_id")["show_id"].agg(frozenset)
    assert shows.groupby(camps["sponsor_id"].reindex(shows.index).to_numpy()).nunique().max() > 1


def test_returns_spread_and_models_disagree(demo_world: Path) -> None:
    linear = _roas(demo_world, "linear")
    measured = linear[linear["conversions"] >= 3]  # a return needs a few orders
    assert len(measured) >= 0.7 * len(linear)
    assert measured["roas"].between(0.15, 8).all(), measured["roas"].round(2).to_dict()
    assert measured["roas"].min() <= 0.5 and measured["roas"].max() >= 4
    first, last = (_roas(demo_world, m)["revenue"] for m in ("first_touch", "last_touch"))
    apart = (first - last).abs() > 0.2 * linear["revenue"]
    assert apart.sum() >= 3


def test_dynamic_ads_only_during_their_flight(demo_world: Path) -> None:
    camps, _ = _bookings(demo_world)
    files = (demo_world / "landing" / "ad_delivery").iterdir()
    dl = pd.concat([pd.read_json(p, lines=True, dtype={"timestamp": str})
                    if p.suffix == ".jsonl" else pd.read_parquet(p) for p in files])
    day = pd.to_datetime(dl["timestamp"], utc=True).dt.tz_localize(None).dt.normalize()
    flight = camps.reindex(dl["campaign_id"])
    assert day.between(flight["start_date"].to_numpy(), flight["end_date"].to_numpy()).all()


@pytest.mark.parametrize("frac", [0.001, 0.02, 0.3, 0.55, 0.9, 0.995, 1.0])
def test_reach_probability_matches_the_listening_model(frac: float) -> None:
    """sizing's closed form against sessions drawn by traffic's own functions."""
    rng = np.random.default_rng(5)
    n, size = 400_000, 50_000_000
    stype = rng.choice(4, n, p=traffic.LISTEN_P)
    listened = traffic.listened_bytes(rng, np.full(n, size), stype)
    extent = np.where(stype == traffic.FULL, size, listened)
    drawn = (extent >= np.ceil(frac * size)).mean()
    assert drawn == pytest.approx(float(sizing.reach_probability(np.array(frac))), abs=0.004)
