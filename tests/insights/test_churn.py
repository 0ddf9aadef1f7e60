"""Listener churn on the insights world, against the generator's truth
(ground_truth/listener_churn.csv: when each key's subscription to a show ends, including
after the world's last day). The scores at the end of the data predict no download in the
next 14 days; a subscription that ends in them (or has ended) makes that certain, so true
churners must rank high and be predicted at least as often as they happen. The truth also
lists the invalid-traffic actors' keys (synth/fraud.py: appended households that are no
subscribers, `invalid_traffic` = their kind): they have no subscription to lose, so they are
left out of the comparison."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from analyses.churn import LISTENER_CHURN

pytestmark = [pytest.mark.slow]


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def scored(insights_world) -> pd.DataFrame:
    """Each scored key x show with its true label: its last subscription to the show ends
    before the cut-off + horizon."""
    salt = insights_world.settings.ip_salt
    truth = pd.read_csv(insights_world.truth / "listener_churn.csv", keep_default_na=False)
    # the warehouse's key: md5(md5(salt|IP or /64) | User-Agent), see dbt/macros/ips
    truth["listener_key"] = [_md5(f"{_md5(f'{salt}|{ip}')}|{ua}") for ip, ua in
                             zip(truth["listener_ip_prefix"], truth["user_agent"], strict=True)]
    scores = insights_world.read(
        "select show_id, listener_key, churn_probability, cutoff_date, horizon_days "
        "from analyses.listener_churn where row_type = 'listener'")
    out = scores.merge(truth[["show_id", "listener_key", "churned_at", "invalid_traffic"]],
                       how="left", on=["show_id", "listener_key"], indicator=True)
    # a key that downloaded a show it never subscribed to (the generator's forced full
    # downloads of whole-file episodes): no truth, a handful
    assert (out["_merge"] == "left_only").mean() < 0.01
    out = out[(out["_merge"] == "both") & (out["invalid_traffic"] == "")].copy()
    horizon_end = (pd.to_datetime(out["cutoff_date"])
                   + pd.to_timedelta(out["horizon_days"].astype(int), unit="D"))
    ended = pd.to_datetime(out["churned_at"].replace("", None))
    out["truly_churned"] = (ended < horizon_end).astype(int)
    return out


# How far one held-out cut-off's churn level may move from what the earlier cut-offs
# taught, beyond sampling noise: the share of keys that download nothing in the next two
# weeks moves with the shows' release calendars, shared by all of a show's keys, so it is
# over-dispersed. Measured (merged worlds, seeds 5 and 6; model trained on cut-offs 3-4,
# tested on 6): mean prediction minus observed share -0.037 (northwind, seed 5), -0.031
# (acme, seed 6); consecutive cut-offs' shares move by up to 0.034 (METHODOLOGY.md).
DRIFT = 0.05


def test_every_tenant_has_a_model_with_its_test_quality(insights_world):
    models = insights_world.read("select * from analyses.listener_churn "
                                 "where row_type = 'model' order by tenant_id")
    assert list(models["status"]) == ["ok", "ok"]
    assert (models["auc"] > 0.7).all(), models["auc"].tolist()
    assert (models["brier_score"] < 0.2).all(), models["brier_score"].tolist()
    # on the held-out cut-off, each quantile bin's observed churn share matches its mean
    # prediction within DRIFT + 3 binomial standard errors of the bin (n_test / bins rows)
    for _, m in models.iterrows():
        pairs = [b.split("->") for b in m["calibration"].split("; ")]
        predicted, observed = (np.array([float(b[i]) for b in pairs]) for i in (0, 1))
        se = np.sqrt(predicted * (1 - predicted) / (m["n_test"] / len(pairs)))
        assert (np.abs(observed - predicted) <= DRIFT + 3 * se + 0.005).all(), m["calibration"]
    assert (models["n_test"] >= 500).all()


def test_true_churners_rank_high(scored: pd.DataFrame) -> None:
    assert len(scored) >= 2000 and scored["truly_churned"].sum() >= 200
    auc = roc_auc_score(scored["truly_churned"], scored["churn_probability"])
    assert auc >= 0.72, auc


def test_probabilities_track_true_churn(scored: pd.DataFrame) -> None:
    """Calibration against the truth: the label (no download) includes true churn, so in
    every fifth of the predictions the true churn share is at most the mean prediction
    (plus noise), and it rises from the lowest fifth to the highest."""
    bins = pd.qcut(scored["churn_probability"], 5, labels=False)
    by_bin = scored.groupby(bins).agg(predicted=("churn_probability", "mean"),
                                      churned=("truly_churned", "mean"))
    assert (by_bin["churned"] <= by_bin["predicted"] + 0.05).all(), by_bin
    assert by_bin["churned"].iat[-1] >= 4 * max(by_bin["churned"].iat[0], 0.01), by_bin
    assert np.all(np.diff(by_bin["churned"].to_numpy()) > -0.03), by_bin


def test_no_raw_ip_in_the_table(insights_world):
    text_columns = [c for c, col in LISTENER_CHURN.columns.items() if col.kind == "text"]
    text = insights_world.read("select * from analyses.listener_churn")[text_columns].astype(str)
    ip_like = text.apply(lambda col: col.str.contains(r"\d+\.\d+\.\d+\.\d+|[0-9a-f]+:[0-9a-f]+:")
                         ).to_numpy().any()
    assert not ip_like
