"""Anomalies against the generator's injected ones (ground_truth/anomalies.csv), on the
insights world: precision and recall of high-severity flags as dbt/METHODOLOGY.md
(Anomalies) defines them, abusive-IP bursts left out, and the why of each one. The
invalid traffic the fraud generator injects (ground_truth/traffic_quality.csv) is counted
downloads too: a flag on it is true, though it is not in the recall."""

from __future__ import annotations

import pandas as pd
import pytest

from analyses.anomalies import evaluate

pytestmark = [pytest.mark.slow]

OWNERS = """
    select 'show' as entity_type, show_id as entity_id, tenant_id from marts.dim_shows
    union all
    select 'campaign', campaign_id, tenant_id from marts.dim_campaigns
    union all
    select 'sponsor', sponsor_id, tenant_id from marts.dim_sponsors
"""
EFFECTS = ["downloads_effect", "ad_slots_effect", "fill_rate_effect", "cpm_effect",
           "subscription_effect", "partner_effect"]


@pytest.fixture(scope="module")
def found(insights_world) -> pd.DataFrame:
    return insights_world.read("select * from analyses.anomalies")


@pytest.fixture(scope="module")
def truth(insights_world) -> pd.DataFrame:
    return pd.read_csv(insights_world.truth / "anomalies.csv")


@pytest.fixture(scope="module")
def injected(insights_world, truth) -> pd.DataFrame:
    return evaluate.injected(truth, insights_world.read(OWNERS))


@pytest.fixture(scope="module")
def invalid(insights_world) -> pd.DataFrame:
    return evaluate.invalid_traffic(
        pd.read_csv(insights_world.truth / "traffic_quality.csv"))


def test_the_world_injects_enough_anomalies_to_measure(injected):
    assert len(injected) >= 12
    assert set(injected["metric"]) == {"downloads", "impressions", "conversions"}


@pytest.fixture(scope="module")
def campaign_shows(insights_world) -> set[tuple[str, str]]:
    rows = insights_world.read("select campaign_id, show_id from marts.dim_line_items")
    return set(zip(rows["campaign_id"], rows["show_id"], strict=True))


def test_precision_and_recall_are_at_least_0_9(found, injected, invalid, campaign_shows):
    got = evaluate.score(evaluate.evaluated_flags(found), injected, campaign_shows, invalid)
    strict = evaluate.score(evaluate.evaluated_flags(found), injected, invalid=invalid)
    print(f"\nanomalies: precision {got.precision:.3f} ({got.true_flags}/{got.flags} "
          f"flags; {strict.precision:.3f} without knock-on flags), recall "
          f"{got.recall:.3f} ({got.recalled}/{got.injected} injected)")
    for method in ("rolling_z", "stl"):
        one = evaluate.score(evaluate.evaluated_flags(found[found["method"] == method]),
                             injected, campaign_shows, invalid)
        print(f"  {method}: precision {one.precision:.3f}, recall {one.recall:.3f}")
    assert got.precision >= 0.9
    assert strict.precision >= 0.9
    assert got.recall >= 0.9


def test_abusive_ip_bursts_are_not_download_anomalies(found, truth, injected):
    """The IAB filter removes them: no download flag on their day that no injected
    anomaly explains (the larger burst shares its day with the download spike)."""
    flags = evaluate.evaluated_flags(found)
    flags = flags[flags["metric"] == "downloads"]
    bursts = truth[truth["metric"] == "abusive_ip_requests"]
    assert len(bursts) >= 2
    for date in pd.to_datetime(bursts["date"]).dt.date:
        on_day = flags[flags["period_date"] == date]
        unexplained = [f for _, f in on_day.iterrows()
                       if not any(evaluate._matches(f, i) for _, i in injected.iterrows())]
        assert not unexplained, (date, unexplained)


def test_series_too_short_say_why_and_flags_have_numbers(found):
    judged = found[found["status"] == "anomaly"]
    assert judged[["observed", "expected", "score", "period_date"]].notna().all().all()
    assert set(judged["severity"]) <= {"medium", "high"}
    skipped = found[found["status"] == "not_judged"]
    assert skipped["reason"].str.startswith("series too short").all()


def test_every_high_anomaly_and_show_week_has_its_why(insights_world, found):
    drivers = insights_world.read("select * from analyses.revenue_change_drivers")
    weeks = drivers[drivers["trigger"] == "week_over_week"]
    assert len(weeks) > 0
    total = weeks[EFFECTS].astype(float).sum(axis=1)
    assert (total - weeks["revenue_change"].astype(float)).abs().max() < 1e-6
    high = found[(found["status"] == "anomaly") & (found["severity"] == "high")]
    rows = drivers[drivers["trigger"] == "anomaly"]
    keys = set(zip(rows["entity_id"], rows["metric"], rows["period_date"], strict=True))
    assert set(zip(high["entity_id"], high["metric"], high["period_date"], strict=True)) == keys
    assert drivers["why"].str.len().gt(20).all()
    spikes = rows[(rows["entity_type"] == "show") & (rows["metric"] == "downloads")]
    assert spikes["revenue_change"].notna().all()
    assert spikes["segment"].notna().all()
