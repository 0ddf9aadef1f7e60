"""Listener churn (analyses.churn): labels and features worked by hand, the time-based
split without leakage, and a model that finds churn where it depends on behaviour and
nothing where it does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyses import churn
from analyses.catalog import TABLES

MONDAY = pd.Timestamp("2026-03-02")
CFG = churn.ChurnConfig(min_examples=50)


def _row(key: str, week: int, downloads: int, last_day: int = 2, first_week: int = 0,
         app: str = "Spotify", completion: float = 0.5) -> dict:
    start = MONDAY + pd.Timedelta(weeks=week)
    return {"tenant_id": "t", "show_id": "s1", "listener_key": key, "week_start_date": start,
            "is_complete": True, "app_name": app, "downloads": downloads,
            "episodes_downloaded": downloads, "days_active": min(downloads, 7),
            "completion_rate": completion, "last_download_date": start + pd.Timedelta(
                days=last_day),
            "first_download_date": MONDAY + pd.Timedelta(weeks=first_week)}


def _by_hand() -> pd.DataFrame:
    rows = [_row("k1", w, 2, last_day=6) for w in range(5)]  # listens every week
    rows += [_row("k2", w, 1, last_day=0) for w in range(3)]  # stops after week 2
    rows += [_row("k3", 2, 3, first_week=2, completion=1.0),  # back in week 4
             _row("k3", 4, 1, first_week=2)]
    rows += [_row("k4", 0, 1)]  # silent in the lookback before week 3... seen in week 0
    return pd.DataFrame(rows)


def test_labels_and_features_by_hand() -> None:
    weekly = _by_hand()
    weeks = churn.complete_weeks(weekly)
    assert len(weeks) == 5
    ex = churn.examples(weekly, weeks, 3, churn.ChurnConfig(lookback_weeks=2)).set_index(
        "listener_key")
    # lookback weeks 1-2: k4 (week 0 only) is no example
    assert sorted(ex.index) == ["k1", "k2", "k3"]
    # label: nothing in weeks 3-4
    assert ex["churned"].to_dict() == {"k1": 0.0, "k2": 1.0, "k3": 0.0}
    assert ex.loc["k1", "downloads"] == 4
    assert ex.loc["k1", "log_downloads_last_week"] == pytest.approx(np.log1p(2))
    assert ex.loc["k3", "downloads_trend"] == pytest.approx(3 - 0)
    assert ex.loc["k2", "downloads_trend"] == pytest.approx(1 - 1)
    # cut-off Monday of week 3 = 2026-03-23: the day before is Sunday 2026-03-22
    assert ex.loc["k1", "days_since_last_download"] == 0  # Sunday of week 2
    assert ex.loc["k2", "days_since_last_download"] == 6  # Monday of week 2
    assert ex.loc["k3", "weeks_since_first_download"] == pytest.approx(1.0)
    assert ex.loc["k3", "completion_rate"] == pytest.approx(1.0)
    # mean downloads per example: (4 + 2 + 3) / 3 = 3
    assert ex.loc["k1", "relative_downloads"] == pytest.approx(4 / 3)


def test_label_unknown_past_the_data() -> None:
    weekly = _by_hand()
    weeks = churn.complete_weeks(weekly)
    assert churn.examples(weekly, weeks, 4, CFG)["churned"].isna().all()  # week 5 unloaded
    assert churn.examples(weekly, weeks, 5, CFG)["churned"].isna().all()  # the end


def test_unknown_completion_counts_as_none() -> None:
    weekly = _by_hand().astype({"completion_rate": object})
    weekly["completion_rate"] = None  # as the warehouse returns an all-null column
    ex = churn.examples(weekly, churn.complete_weeks(weekly), 3, CFG)
    assert (ex["completion_rate"] == 0.0).all()


def test_complete_weeks_are_the_trailing_run() -> None:
    weekly = _by_hand()
    weekly.loc[weekly["week_start_date"] == MONDAY + pd.Timedelta(weeks=1), "is_complete"] = False
    assert churn.complete_weeks(weekly) == [MONDAY + pd.Timedelta(weeks=w) for w in (2, 3, 4)]


def test_split_leaves_the_test_horizon_alone() -> None:
    plan = churn.plan_cutoffs(8, churn.ChurnConfig(lookback_weeks=3, horizon_weeks=2))
    assert plan == churn.Plan(train=[3, 4], test=6, score=8)
    for n in range(7, 20):
        p = churn.plan_cutoffs(n, CFG)
        assert isinstance(p, churn.Plan)
        # every training label ends before the test cut-off; features look back only
        assert max(p.train) + CFG.horizon_weeks <= p.test
        assert min(p.train) >= CFG.lookback_weeks and p.test + CFG.horizon_weeks == n
    assert "too little history: 6 complete weeks < 7" in churn.plan_cutoffs(6, CFG)


def test_features_read_nothing_from_the_cutoff_on() -> None:
    weekly = _frame(np.random.default_rng(3), 300, dependent=True)
    weeks = churn.complete_weeks(weekly)
    before = churn.examples(weekly, weeks, 4, CFG).drop(columns="churned")
    # change everything at and after the cut-off: features stay the same
    later = pd.to_datetime(weekly["week_start_date"]) >= weeks[4]
    changed = weekly.assign(downloads=weekly["downloads"].where(~later, 99),
                            completion_rate=weekly["completion_rate"].where(~later, 0.0))
    pd.testing.assert_frame_equal(before,
                                  churn.examples(changed, weeks, 4, CFG).drop(columns="churned"))


def _frame(rng: np.random.Generator, n: int, dependent: bool, weeks: int = 8) -> pd.DataFrame:
    """n keys with 1 + Poisson(rate) downloads in each week they listen. Dependent: they
    listen every week until they churn, at a weekly hazard falling with the rate. Not: each
    week, whatever the rate or the past, a key listens with probability 0.7."""
    rate = rng.lognormal(0.0, 0.8, n)
    hazard = np.clip(0.25 / rate, 0.01, 0.9)
    churn_week = rng.geometric(hazard)  # first silent week (1 = from week 1 on)
    present = (np.arange(weeks)[None, :] < churn_week[:, None] if dependent
               else rng.random((n, weeks)) < 0.7)
    apps = rng.choice(["Spotify", "Apple Podcasts", "Overcast"], n)
    key, week = np.nonzero(present)
    downloads = 1 + rng.poisson(rate[key])
    return pd.DataFrame([
        _row(f"k{k:05d}", int(w), int(d), last_day=int(day), app=str(apps[k]),
             completion=float(c))
        for k, w, d, day, c in zip(key, week, downloads, rng.integers(0, 7, len(key)),
                                   rng.uniform(0.2, 1.0, len(key)), strict=True)])


def _model_row(out: pd.DataFrame) -> pd.Series:
    model = out[out["row_type"] == "model"]
    assert len(model) == 1
    return model.iloc[0]


@pytest.mark.parametrize("model", churn.MODELS)
def test_learns_churn_that_depends_on_listening(model: str) -> None:
    weekly = _frame(np.random.default_rng(7), 3000, dependent=True)
    cfg = churn.ChurnConfig(model=model, min_examples=50)
    out = churn.listener_churn(weekly, ["t"], cfg)
    row = _model_row(out)
    assert row["status"] == "ok"
    assert row["auc"] > 0.75, row["auc"]
    assert row["calibration_error"] < 0.08, row["calibration"]
    scores = out[out["row_type"] == "listener"]
    assert scores["churn_probability"].between(0, 1).all()
    assert (scores["cutoff_date"] == pd.Timestamp("2026-04-27").date()).all()
    assert str(row["test_cutoff_date"]) == "2026-04-13"  # week 6 of 0-7
    assert str(row["trained_through"]) == "2026-04-26"  # refitted on every label
    # light listeners: higher risk
    light = scores["downloads"] <= scores["downloads"].median()
    assert (scores.loc[light, "churn_probability"].mean()
            > 1.5 * scores.loc[~light, "churn_probability"].mean())


def test_finds_nothing_where_churn_is_random() -> None:
    weekly = _frame(np.random.default_rng(11), 4000, dependent=False)
    row = _model_row(churn.listener_churn(weekly, ["t"], CFG))
    assert row["status"] == "ok"
    assert abs(row["auc"] - 0.5) < 0.06, row["auc"]
    # silent two weeks running: 0.3^2 = 0.09
    assert row["base_rate"] == pytest.approx(0.09, abs=0.03)
    assert row["calibration_error"] < 0.05, row["calibration"]


def test_short_history_and_empty_tenants_give_reasons() -> None:
    weekly = _frame(np.random.default_rng(1), 200, dependent=True, weeks=4)
    out = churn.listener_churn(weekly, ["t", "u"], CFG)
    assert list(out["row_type"]) == ["model", "model"]
    assert out["status"].tolist() == [
        "too little history: 4 complete weeks < 7 (3 of features, 2 of labels for training "
        "and again for the test)", "no counted downloads"]
    assert list(out.columns) == list(churn.LISTENER_CHURN.columns)
    empty = pd.DataFrame(columns=["tenant_id", "week_start_date", "is_complete"])
    assert churn.listener_churn(empty, ["t"], CFG)["status"].tolist() == ["no counted downloads"]
    few = churn.listener_churn(_frame(np.random.default_rng(2), 20, dependent=True), ["t"], CFG)
    assert few["status"].iloc[0].startswith("too few training examples")


def test_table_is_catalogued_with_tenant_and_no_ip() -> None:
    assert churn.LISTENER_CHURN in TABLES
    assert "tenant_id" in churn.LISTENER_CHURN.columns
    assert not [c for c in churn.LISTENER_CHURN.columns if "ip" in c.split("_")]
