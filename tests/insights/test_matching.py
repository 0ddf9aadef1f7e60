"""Sponsor-show matching against the generator's truth: the shows it made on-topic for a
brief (ground_truth/sponsor_show_relevance.csv) rank above the off-topic ones, the
brand-safety exclusions are exactly the ones the brief implies, and transcripts reached
the text the matching reads. NDCG is reported for the score and for each part alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import ndcg_score

pytestmark = [pytest.mark.slow]

K = 3
PARTS = ("score", "content_fit", "audience_fit", "past_performance", "inventory")


@pytest.fixture(scope="module")
def judged(insights_world) -> pd.DataFrame:
    """Every match row with the truth's relevance and exclusions beside it."""
    matches = insights_world.read("select * from analyses.sponsor_show_matches")
    truth = pd.read_csv(insights_world.truth / "sponsor_show_relevance.csv",
                        keep_default_na=False)
    return matches.merge(truth, on=["brief_id", "show_id"], how="outer",
                         suffixes=("", "_truth"), indicator=True)


def _ndcg(rows: pd.DataFrame, part: str) -> float:
    """Mean NDCG@K over briefs, of the shows the brief does not exclude, ranked by `part`
    (an unknown part counts as the neutral 0.5, as in the score)."""
    values = []
    for _, g in rows[~rows["is_excluded"].astype(bool)].groupby("brief_id"):
        if g["relevance"].max() == 0 or len(g) < 2:
            continue  # nothing on-topic left to find
        scores = g[part].astype(float).fillna(0.5).to_numpy()
        values.append(ndcg_score([g["relevance"].to_numpy()], [scores], k=K))
    return float(np.mean(values))


def _contributions(rows: pd.DataFrame) -> pd.DataFrame:
    kept = rows[~rows["is_excluded"].astype(bool)]
    weights = {"content_fit": "content_weight", "audience_fit": "audience_weight",
               "past_performance": "past_performance_weight", "inventory": "inventory_weight"}
    parts = {part: kept[w] * kept[part].astype(float).fillna(0.5) for part, w in weights.items()}
    return pd.DataFrame(parts).groupby(kept["relevance"]).mean()


def test_every_brief_matches_its_own_tenants_shows_exactly(judged):
    assert (judged["_merge"] == "both").all()  # no show missing, none of another tenant
    assert (judged["tenant_id"] == judged["tenant_id_truth"]).all()


def test_exclusions_are_the_briefs_rules_with_their_reasons(judged):
    assert judged["is_excluded"].astype(bool).tolist() == \
        judged["is_excluded_truth"].astype(bool).tolist()
    got = judged["exclusion_reason"].fillna("")
    assert got.tolist() == judged["exclusion_reasons"].tolist()
    assert judged.loc[judged["is_excluded"].astype(bool), "rank"].isna().all()


def test_on_topic_shows_rank_above_off_topic_ones(judged):
    kept = judged[~judged["is_excluded"].astype(bool)]
    for brief, g in kept.groupby("brief_id"):
        on, off = g[g["relevance"] == 2]["rank"], g[g["relevance"] == 0]["rank"]
        if len(on) and len(off):
            assert on.max() < off.min(), brief
        partly = g[g["relevance"] == 1]["rank"]
        if len(partly) and len(off):
            assert partly.max() < off.min(), brief


def test_ndcg_of_the_score_and_each_part(judged):
    ndcg = {part: round(_ndcg(judged, part), 3) for part in PARTS}
    print(f"\nsponsor-show matching, mean NDCG@{K} over briefs: {ndcg}")
    print("mean contribution to the score (weight x part, unknown = 0.5), by relevance:\n"
          + _contributions(judged).round(3).to_string())
    assert ndcg["score"] >= 0.9
    assert ndcg["content_fit"] >= 0.9  # the topic is in the text, not in the audience


def test_transcripts_reach_the_mart(insights_world):
    got = insights_world.read(
        "select count(*) as n, min(transcript_chars) as shortest "
        "from marts.dim_episode_transcripts")
    files = sum(1 for _ in (insights_world.path / "landing" / "feeds" / "transcripts")
                .rglob("*.vtt"))
    assert int(got["n"][0]) == files > 0 and int(got["shortest"][0]) > 50


def test_without_content_the_ranking_would_fail(judged):
    """The check above can fail: the market parts alone don't find the on-topic shows."""
    rows = judged.assign(no_content=judged["score"] - judged["content_weight"]
                         * judged["content_fit"])
    assert _ndcg(rows, "no_content") < 0.9
