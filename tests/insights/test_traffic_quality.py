"""Traffic quality on the insights world against the fraud the generator injected
(ground_truth/traffic_quality.csv): which show x days are flagged, and how much of their
downloads the analysis calls suspicious. The fraud passes the IAB filters, so it must also
be counted exactly like the generator's reference counting."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow]

KEY = ["show_id", "date"]


@pytest.fixture(scope="module")
def scored(insights_world) -> pd.DataFrame:
    out = insights_world.read(
        "select show_id, cast(activity_date as varchar) as date, downloads, "
        "suspicious_downloads, suspicious_share, score, is_flagged, signals, status "
        "from analyses.traffic_quality")
    truth = pd.read_csv(insights_world.truth / "traffic_quality.csv")
    both = out.merge(truth[[*KEY, "kinds", "fraud_downloads", "fraud_share"]], on=KEY,
                     how="left")
    assert len(truth) and truth[KEY].merge(out[KEY]).shape[0] == len(truth)
    return both.assign(fraud=both["fraud_downloads"].fillna(0) > 0,
                       fraud_share=both["fraud_share"].fillna(0.0))


def test_flagged_show_days_are_the_fraud_ones(scored: pd.DataFrame) -> None:
    flagged, fraud = scored["is_flagged"].astype(bool), scored["fraud"]
    tp = int((flagged & fraud).sum())
    precision, recall = tp / max(int(flagged.sum()), 1), tp / max(int(fraud.sum()), 1)
    print(f"traffic quality: precision {precision:.3f} recall {recall:.3f} "
          f"({tp} of {int(fraud.sum())} fraud show x days, {int(flagged.sum())} flagged)")
    assert precision >= 0.9 and recall >= 0.9
    # every kind is found somewhere
    for kind in ("binge", "scripted", "redownload", "regular", "ip_burst"):
        hit = scored[scored["kinds"].fillna("").str.contains(kind)]
        assert len(hit) and hit["is_flagged"].astype(bool).mean() >= 0.8, kind


def test_suspicious_share_estimates_the_fraud_share(scored: pd.DataFrame) -> None:
    fraud = scored[scored["fraud"]]
    error = (fraud["suspicious_share"].astype(float) - fraud["fraud_share"]).abs()
    clean = scored[~scored["fraud"]]["suspicious_share"].astype(float)
    print(f"traffic quality: share MAE {error.mean():.4f} (max {error.max():.3f}); clean "
          f"show x days' mean share {clean.mean():.4f}")
    assert error.mean() <= 0.05
    assert clean.mean() <= 0.01


def test_fraud_is_counted_like_the_reference(insights_world) -> None:
    counted = insights_world.read(
        "select show_id, cast(download_date as varchar) as download_date, "
        "sum(downloads) as downloads from marts.fct_episode_daily group by 1, 2")
    truth = pd.read_csv(insights_world.truth / "downloads_daily.csv")
    window = insights_world.read(
        "select distinct window_type from marts.fct_downloads")["window_type"].iloc[0]
    truth = (truth[truth["window_type"] == window]
             .groupby(["show_id", "download_date"], as_index=False)["downloads"].sum())
    both = truth.merge(counted, on=["show_id", "download_date"], how="outer",
                       suffixes=("_truth", "_counted")).fillna(0)
    assert (both["downloads_truth"] == both["downloads_counted"].astype(int)).all()
