"""The feature questions the platform asks, answered per tenant from the marts, as rows of
analyses.causal_estimates:

- comments (a staggered rollout) -> follows, unfollows (retention) and downloads (a
  placebo: comments should not change listening): PPML two-way fixed effects by show and
  day, clustered by show, with an event study's pre-trend test in the diagnostics;
- creator analytics (an opt-in) -> follows (growth): propensity-score matching of shows
  that opted in before the window on audience, cadence and category.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analyses.causal import did, psm
from analyses.causal.estimate import RELATIVE, Estimate
from analyses.tables import TENANT_ID, AnalysisTable, Column

COMMENTS, CREATOR_ANALYTICS = "comments", "creator_analytics"
# outcome -> what the question calls it
COMMENTS_OUTCOMES = {"follows": "follows", "unfollows": "retention (unfollows)",
                     "downloads": "downloads (placebo)"}
TWFE_METHOD = "difference-in-differences: PPML two-way FE (show, day), clustered by show"
PSM_METHOD = "propensity-score matching: nearest neighbour on the logit, caliper, ATT"


@dataclass(frozen=True)
class Settings:
    alpha: float = 0.05
    min_shows: int = 4  # per tenant, for the difference-in-differences
    event_period_days: int = 7  # event-study bins
    event_leads: int = 3
    event_lags: int = 4
    matching: psm.Matching = field(default_factory=psm.Matching)


CAUSAL = AnalysisTable(
    "causal_estimates", "tenant x question x method",
    "Estimated effects of platform features (comments, creator analytics) on follows, "
    "retention and downloads, with standard errors, confidence intervals and diagnostics.",
    {
        "tenant_id": TENANT_ID,
        "question": Column("text", "The question, 'feature -> outcome'."),
        "feature": Column("text", "The feature (dim_feature_rollouts.feature_name)."),
        "outcome": Column("text", "The outcome column of fct_show_engagement_daily."),
        "method": Column("text", "The estimator."),
        "scale": Column("text", "'relative': the estimate is a relative change (exp(b) - 1: "
                                "0.25 = +25%); 'level': in the outcome's units."),
        "estimate": Column("double", "The effect (on the treated); null when skipped."),
        "std_error": Column("double", "Its standard error (delta method on the relative "
                                      "scale)."),
        "ci_low": Column("double", "Lower end of the (1 - alpha) confidence interval."),
        "ci_high": Column("double", "Upper end of the confidence interval."),
        "n_units": Column("int", "Shows used."),
        "n_obs": Column("int", "Observations used (show-days, or shows for matching)."),
        "diagnostics": Column("text", "JSON: model details, event-study leads and lags with "
                                      "the joint pre-trend test's p-value, balance table "
                                      "(standardised mean differences before and after "
                                      "matching), matched counts."),
        "status": Column("text", "'ok', or 'skipped' when the data cannot answer."),
        "reason": Column("text", "Why skipped (too few shows, no treated show, ...)."),
    })


def comments_rows(daily: pd.DataFrame, rollouts: pd.DataFrame,
                  cfg: Settings = Settings()) -> list[dict[str, Any]]:
    """Per tenant and outcome: the TWFE estimate of comments' effect, with its event study.
    `daily` is fct_show_engagement_daily, `rollouts` dim_feature_rollouts."""
    panel = with_treatment(daily, rollouts, COMMENTS)
    rows = []
    for tenant, frame in panel.groupby("tenant_id", sort=True):
        for outcome, label in COMMENTS_OUTCOMES.items():
            p = did.Panel("show_id", "day", outcome, "treated")
            est = did.twfe(frame, p, alpha=cfg.alpha, min_units=cfg.min_shows)
            if est.status == "ok":
                est.diagnostics["event_study"] = did.event_study(
                    frame, p, cfg.event_period_days, cfg.event_leads, cfg.event_lags,
                    min_units=cfg.min_shows)
            rows.append(_row(tenant, COMMENTS, outcome, label, TWFE_METHOD, RELATIVE, est))
    return rows


def creator_analytics_rows(daily: pd.DataFrame, rollouts: pd.DataFrame, shows: pd.DataFrame,
                           episodes: pd.DataFrame, cfg: Settings = Settings()
                           ) -> list[dict[str, Any]]:
    """Per tenant: the ATT of having opted in to creator analytics before the window on
    the show's daily follow rate (log, so exp(att) - 1 is relative), by matching shows on
    log daily listeners, episodes per week and category. `shows` is dim_shows (show_id,
    categories), `episodes` dim_episodes (show_id, published_date)."""
    units = show_units(daily, rollouts, shows, episodes)
    covariates = tuple(c for c in units.columns if c.startswith(("cov_", "category_")))
    design = psm.Design("show_id", "log_follows_per_day", "treated", covariates)
    rows = []
    for tenant, frame in units.groupby("tenant_id", sort=True):
        est = psm.att(frame, design, cfg.matching, cfg.alpha, RELATIVE)
        rows.append(_row(tenant, CREATOR_ANALYTICS, "follows", "growth (follows)",
                         PSM_METHOD, RELATIVE, est))
    return rows


def show_units(daily: pd.DataFrame, rollouts: pd.DataFrame, shows: pd.DataFrame,
               episodes: pd.DataFrame) -> pd.DataFrame:
    """One row per show: opted in to creator analytics on or before the first day (1/0;
    shows opting in later are left out), log daily follows on days without comments (so
    the comments rollout does not leak in; +0.5 so a show without follows stays), and the
    covariates: log daily listeners, episodes published per week, category dummies."""
    d = with_treatment(daily, rollouts, COMMENTS)
    first = d["activity_date"].min()
    ca = rollouts[rollouts["feature_name"] == CREATOR_ANALYTICS]
    enabled = pd.to_datetime(ca.set_index("show_id")["enabled_date"])
    off = d[d["treated"] == 0]
    agg = off.groupby(["tenant_id", "show_id"]).agg(
        follows=("follows", "sum"), days=("day", "size"))
    everyday = d.groupby(["tenant_id", "show_id"]).agg(
        listeners=("listeners", "mean"), all_days=("day", "size"))
    units = everyday.join(agg, how="left").reset_index()
    units["log_follows_per_day"] = np.log((units["follows"] + 0.5) / units["days"])
    units["cov_log_listeners"] = np.log(units["listeners"] + 0.5)
    published = pd.to_datetime(episodes["published_date"])
    in_window = episodes[(published >= first) & (published <= d["activity_date"].max())]
    per_show = in_window.groupby("show_id").size()
    units["cov_episodes_per_week"] = (per_show.reindex(units["show_id"]).fillna(0).to_numpy()
                                      * 7 / units["all_days"].to_numpy())
    meta = shows.set_index("show_id")
    category = meta["categories"].reindex(units["show_id"]).fillna("").astype(str)
    # the first (main) category
    dummies = pd.get_dummies(category.str.split("|").str[0].str.strip().to_numpy(),
                             prefix="category", dtype=float)
    units = pd.concat([units, dummies.set_axis(units.index)], axis=1)
    opted = enabled.reindex(units["show_id"]).to_numpy()
    later = pd.notna(opted) & (opted > pd.Timestamp(first))
    units["treated"] = pd.notna(opted).astype(int)
    return units[~later & units["days"].gt(0)].reset_index(drop=True)


def with_treatment(daily: pd.DataFrame, rollouts: pd.DataFrame,
                    feature: str) -> pd.DataFrame:
    """`daily` with a day index from the span's first day and `treated` (1 from the show's
    enabled_date of `feature` on)."""
    d = daily.copy()
    d["activity_date"] = pd.to_datetime(d["activity_date"])
    d["day"] = (d["activity_date"] - d["activity_date"].min()).dt.days
    on = rollouts[rollouts["feature_name"] == feature].set_index("show_id")["enabled_date"]
    enabled = pd.to_datetime(d["show_id"].map(on))
    d["treated"] = (d["activity_date"] >= enabled).astype(int)  # NaT compares False
    for c in ("follows", "unfollows", "downloads", "listeners"):
        d[c] = pd.to_numeric(d[c]).astype(float)
    return d.sort_values(["tenant_id", "show_id", "day"]).reset_index(drop=True)


def _row(tenant: str, feature: str, outcome: str, label: str, method: str, scale: str,
         est: Estimate) -> dict[str, Any]:
    return {"tenant_id": tenant, "question": f"{feature} -> {label}", "feature": feature,
            "outcome": outcome, "method": method, "scale": scale,
            "estimate": est.estimate, "std_error": est.std_error, "ci_low": est.ci_low,
            "ci_high": est.ci_high, "n_units": est.n_units, "n_obs": est.n_obs,
            "diagnostics": est.diagnostics_json(), "status": est.status,
            "reason": est.reason}
