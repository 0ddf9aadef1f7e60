"""Listener churn: which listener keys (a household's app) are likely to stop listening to a
show, from their weekly listening (`fct_listener_show_weekly`).

Weeks are the trailing run of complete ISO weeks. A cut-off is the start of a week c: its
examples are the key x show pairs with a download in the `lookback` weeks before it, their
features come from those weeks only, and their label is 1 when the key downloads nothing
of the show in the `horizon` weeks from c on (churned), 0 otherwise. Time-based split: the
test cut-off is the latest whose label weeks are all loaded (K - horizon); training uses the
cut-offs from `lookback` to test - horizon, so no training label looks past the test
cut-off. The model (logistic regression on standardised features, or gradient boosting
with isotonic calibration) is scored on the test cut-off (AUC, Brier score, a calibration
curve), refitted on every labelled cut-off, and applied at the latest cut-off (the end of
the data): a churn probability per key x show for the next `horizon` weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from analyses.tables import TENANT_ID, AnalysisTable, Column

NUMERIC = ("log_downloads_last_week", "log_downloads_earlier_weeks", "downloads_trend",
           "log_episodes_downloaded", "days_active", "weeks_active", "completion_rate",
           "days_since_last_download", "weeks_since_first_download", "relative_downloads")
MODELS = ("logistic", "boosting")


@dataclass(frozen=True)
class ChurnConfig:
    lookback_weeks: int = 3
    horizon_weeks: int = 2
    model: str = "logistic"
    min_examples: int = 100  # per training or test set
    min_app_examples: int = 30  # an app gets its own indicator from this many rows on
    high_risk: float = 0.5
    medium_risk: float = 0.25
    calibration_bins: int = 5


@dataclass(frozen=True)
class Plan:
    train: list[int]  # cut-offs (indices into weeks: the week the prediction starts)
    test: int
    score: int


def complete_weeks(weekly: pd.DataFrame) -> list[pd.Timestamp]:
    """The trailing run of consecutive complete weeks seen in the mart."""
    weeks = sorted(pd.to_datetime(weekly.loc[weekly["is_complete"].astype(bool),
                                             "week_start_date"]).unique())
    run: list[pd.Timestamp] = []
    for week in weeks:
        run = [*run, week] if run and (week - run[-1]).days == 7 else [week]
    return [pd.Timestamp(w) for w in run]


def with_week(weekly: pd.DataFrame) -> pd.DataFrame:
    """The rows with `week` (week_start_date as a timestamp), parsed once for all
    cut-offs, and numbers as numbers (a column the warehouse returned all null is not)."""
    numbers = {c: pd.to_numeric(weekly[c], errors="coerce").astype(float)
               for c in ("downloads", "episodes_downloaded", "days_active", "completion_rate")
               if c in weekly}
    return weekly.assign(week=pd.to_datetime(weekly["week_start_date"]), **numbers)


def plan_cutoffs(n_weeks: int, cfg: ChurnConfig) -> Plan | str:
    """The split, or why there is none."""
    need = cfg.lookback_weeks + 2 * cfg.horizon_weeks
    if n_weeks < need:
        return (f"too little history: {n_weeks} complete weeks < {need} "
                f"({cfg.lookback_weeks} of features, {cfg.horizon_weeks} of labels for "
                f"training and again for the test)")
    test = n_weeks - cfg.horizon_weeks
    return Plan(list(range(cfg.lookback_weeks, test - cfg.horizon_weeks + 1)), test, n_weeks)


def examples(weekly: pd.DataFrame, weeks: list[pd.Timestamp], cutoff: int,
             cfg: ChurnConfig) -> pd.DataFrame:
    """Features of every key x show with a download in the lookback weeks before
    weeks[cutoff] (or the end of `weeks`), and its label (NaN when the horizon is not all
    loaded). Reads no row at or after the cut-off except for the label."""
    start = weeks[cutoff - cfg.lookback_weeks]
    cut = weeks[cutoff] if cutoff < len(weeks) else weeks[-1] + pd.Timedelta(days=7)
    w = weekly if "week" in weekly else with_week(weekly)
    past = w[(w["week"] >= start) & (w["week"] < cut)]
    keys = ["tenant_id", "show_id", "listener_key"]
    last_week = past["week"] == cut - pd.Timedelta(days=7)
    g = past.assign(last=past["downloads"].where(last_week, 0),
                    earlier=past["downloads"].where(~last_week, 0),
                    listened=past["completion_rate"] * past["downloads"],
                    sized=past["downloads"].where(past["completion_rate"].notna(), 0),
                    last_day=pd.to_datetime(past["last_download_date"]),
                    first_day=pd.to_datetime(past["first_download_date"])).groupby(
        keys, sort=True)
    out = g.agg(app_name=("app_name", "max"), downloads=("downloads", "sum"),
                last=("last", "sum"), earlier=("earlier", "sum"),
                episodes=("episodes_downloaded", "sum"), days_active=("days_active", "sum"),
                weeks_active=("week", "nunique"), listened=("listened", "sum"),
                sized=("sized", "sum"), last_day=("last_day", "max"),
                first_day=("first_day", "min")).reset_index()
    earlier_weeks = max(cfg.lookback_weeks - 1, 1)
    show_mean = out.groupby("show_id")["downloads"].transform("mean")
    out = out.assign(
        cutoff_date=cut,
        log_downloads_last_week=np.log1p(out["last"]),
        log_downloads_earlier_weeks=np.log1p(out["earlier"] / earlier_weeks),
        downloads_trend=out["last"] - out["earlier"] / earlier_weeks,
        log_episodes_downloaded=np.log1p(out["episodes"]),
        completion_rate=(out["listened"] / out["sized"].where(out["sized"] > 0)).fillna(0.0),
        days_since_last_download=(cut - pd.Timedelta(days=1) - out["last_day"]).dt.days,
        weeks_since_first_download=(cut - out["first_day"]).dt.days / 7,
        relative_downloads=out["downloads"] / show_mean,
        churned=_labels(w, out[keys], cutoff, weeks, cfg))
    return out.drop(columns=["last", "earlier", "episodes", "listened", "sized", "last_day",
                             "first_day"])


def _labels(w: pd.DataFrame, pairs: pd.DataFrame, cutoff: int, weeks: list[pd.Timestamp],
            cfg: ChurnConfig) -> np.ndarray:
    """1.0: no download of the show in the horizon weeks from the cut-off; NaN: not all of
    those weeks are loaded."""
    if cutoff + cfg.horizon_weeks > len(weeks):
        return np.full(len(pairs), np.nan)
    ahead = w[(w["week"] >= weeks[cutoff])
              & (w["week"] <= weeks[cutoff + cfg.horizon_weeks - 1])]
    seen = pairs.merge(ahead[["tenant_id", "show_id", "listener_key"]].drop_duplicates(),
                       how="left", indicator=True)["_merge"]
    return (seen == "left_only").to_numpy(dtype=float)


def design(frame: pd.DataFrame, apps: list[str]) -> pd.DataFrame:
    """The model's inputs: the numeric features and an indicator per known app."""
    x = frame[list(NUMERIC)].astype(float).copy()
    for app in apps:
        x[f"app={app}"] = (frame["app_name"] == app).astype(float)
    return x


def frequent_apps(frame: pd.DataFrame, cfg: ChurnConfig) -> list[str]:
    counts = frame["app_name"].fillna("unknown").value_counts()
    return sorted(counts[counts >= cfg.min_app_examples].index)


def fit(train: pd.DataFrame, apps: list[str], cfg: ChurnConfig) -> Pipeline:
    x, y = design(train, apps), train["churned"].astype(int)
    if cfg.model == "boosting":
        boost = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05,
                                               max_leaf_nodes=15, random_state=0)
        return make_pipeline(CalibratedClassifierCV(boost, method="isotonic", cv=3)).fit(x, y)
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x, y)


def explainer(train: pd.DataFrame, apps: list[str]) -> Pipeline:
    """A logistic model on the same inputs, whose per-row terms coef x standardised value
    name each row's top features (for gradient boosting too: a readable surrogate)."""
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(
        design(train, apps), train["churned"].astype(int))


def top_features(model: Pipeline, x: pd.DataFrame, k: int = 3) -> list[str]:
    """Per row, the k inputs pushing its churn odds up the most, e.g.
    'days_since_last_download↑, log_downloads_last_week↓'."""
    scaler, logit = model.named_steps["standardscaler"], model.named_steps["logisticregression"]
    z = scaler.transform(x)
    terms = z * logit.coef_[0]
    names = np.array(x.columns)
    out = []
    for row_terms, row_z in zip(terms, z, strict=True):
        order = [j for j in np.argsort(-row_terms, kind="stable")[:k] if row_terms[j] > 0]
        out.append(", ".join(f"{names[j]}{'↑' if row_z[j] > 0 else '↓'}" for j in order))
    return out


def quality(y: np.ndarray, p: np.ndarray, bins: int) -> dict[str, object]:
    """AUC, Brier score, base rate and the calibration curve (mean predicted -> observed
    share, over quantile bins) on a labelled set."""
    observed, predicted = calibration_curve(y, p, n_bins=bins, strategy="quantile")
    return {"auc": float(roc_auc_score(y, p)), "brier_score": float(brier_score_loss(y, p)),
            "base_rate": float(np.mean(y)),
            "calibration": "; ".join(f"{a:.2f}->{b:.2f}"
                                     for a, b in zip(predicted, observed, strict=True)),
            "calibration_error": float(np.max(np.abs(predicted - observed)))}


def risk_band(p: np.ndarray, cfg: ChurnConfig) -> np.ndarray:
    return np.where(p >= cfg.high_risk, "high", np.where(p >= cfg.medium_risk, "medium", "low"))


def _status(tenant: str, reason: str, cfg: ChurnConfig) -> pd.DataFrame:
    return pd.DataFrame([{"tenant_id": tenant, "row_type": "model", "model": cfg.model,
                          "horizon_days": 7 * cfg.horizon_weeks, "status": reason}])


def _stack(weekly: pd.DataFrame, weeks: list[pd.Timestamp], cutoffs: list[int],
           cfg: ChurnConfig) -> pd.DataFrame:
    return pd.concat([examples(weekly, weeks, c, cfg) for c in cutoffs], ignore_index=True)


def _too_small(frame: pd.DataFrame, what: str, cfg: ChurnConfig) -> str | None:
    if len(frame) < cfg.min_examples:
        return f"too few {what} examples: {len(frame)} < {cfg.min_examples}"
    if frame["churned"].nunique() < 2:
        return f"{what} examples have one label only"
    return None


def tenant_churn(tenant: str, weekly: pd.DataFrame, cfg: ChurnConfig) -> pd.DataFrame:
    """One tenant's scores at its latest cut-off and a model row (test quality), or a model
    row saying why there is no model."""
    weeks = complete_weeks(weekly)
    weekly = with_week(weekly)
    plan = plan_cutoffs(len(weeks), cfg)
    if isinstance(plan, str):
        return _status(tenant, plan, cfg)
    train = _stack(weekly, weeks, plan.train, cfg)
    test = examples(weekly, weeks, plan.test, cfg)
    reason = _too_small(train, "training", cfg) or _too_small(test, "test", cfg)
    if reason:
        return _status(tenant, reason, cfg)
    apps = frequent_apps(train, cfg)
    p_test = fit(train, apps, cfg).predict_proba(design(test, apps))[:, 1]
    q = quality(test["churned"].to_numpy(), p_test, cfg.calibration_bins)
    # refit on every labelled cut-off (the test's too) and score the end of the data
    labelled = _stack(weekly, weeks, [*plan.train, *range(plan.train[-1] + 1, plan.test + 1)],
                      cfg)
    apps = frequent_apps(labelled, cfg)
    model = fit(labelled, apps, cfg)
    now = examples(weekly, weeks, plan.score, cfg)
    x = design(now, apps)
    p = model.predict_proba(x)[:, 1]
    # the refit's last labels reach the end of the last complete week
    trained_through = (weeks[-1] + pd.Timedelta(days=6)).date()
    scores = now[["tenant_id", "show_id", "listener_key", "app_name", "downloads",
                  "days_since_last_download"]].assign(
        row_type="listener", churn_probability=p, risk_band=risk_band(p, cfg),
        downloads=now["downloads"].round().astype("Int64"),
        top_features=top_features(model if cfg.model == "logistic"
                                  else explainer(labelled, apps), x))
    common = {"cutoff_date": weeks[-1].date() + pd.Timedelta(days=7).to_pytimedelta(),
              "horizon_days": 7 * cfg.horizon_weeks, "model": cfg.model,
              "trained_through": trained_through, "status": "ok"}
    model_row = pd.DataFrame([{
        "tenant_id": tenant, "row_type": "model", **q,
        "test_cutoff_date": weeks[plan.test].date(), "n_train": len(train),
        "n_test": len(test), "n_scored": len(now)}])
    return pd.concat([model_row, scores], ignore_index=True).assign(**common)


def listener_churn(weekly: pd.DataFrame, tenants: list[str], cfg: ChurnConfig) -> pd.DataFrame:
    """Every tenant's rows (`LISTENER_CHURN`), sorted; a model row for a tenant without
    data too."""
    # one thread (BLAS, OpenMP): on a busy machine spinning threads cost far more than
    # they gain on data this size
    with threadpool_limits(limits=1):
        parts = [tenant_churn(t, weekly[weekly["tenant_id"] == t], cfg)
                 if (weekly["tenant_id"] == t).any()
                 else _status(t, "no counted downloads", cfg) for t in sorted(tenants)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    out = out.reindex(columns=list(LISTENER_CHURN.columns))
    return out.sort_values(["tenant_id", "row_type", "show_id", "listener_key"],
                           na_position="first", kind="stable").reset_index(drop=True)


LISTENER_CHURN = AnalysisTable(
    name="listener_churn",
    grain="tenant x listener key x show at the latest cut-off, and a model row per tenant",
    description="Listener keys (a household's app, hashed) likely to stop listening to a "
                "show: the probability of no counted download of the show in the next "
                "horizon_days after the end of the data, from a model trained with a "
                "time-based split on fct_listener_show_weekly; each tenant's model row "
                "holds its test AUC, Brier score and calibration (METHODOLOGY.md, "
                "'Listener churn').",
    columns={
        "tenant_id": TENANT_ID,
        "row_type": Column("text", "'listener': a key x show's score; 'model': the tenant's "
                                   "model and its test quality, or why it has none "
                                   "(status)."),
        "show_id": Column("text", "The show (listener rows)."),
        "listener_key": Column("text", "The listener key as in fct_downloads: md5 of the "
                                       "salted IP hash (IPv4, IPv6 /64) and the User-Agent; "
                                       "never an IP."),
        "app_name": Column("text", "The key's app (OPAWG lists)."),
        "downloads": Column("bigint", "The key's counted downloads of the show in the "
                                      "lookback weeks before the cut-off."),
        "days_since_last_download": Column("int", "Days from the key's last download of "
                                                  "the show to the day before the cut-off."),
        "churn_probability": Column("double", "P(no counted download of the show in the "
                                              "horizon_days from cutoff_date on)."),
        "risk_band": Column("text", "high (probability >= 0.5), medium (>= 0.25) or low; "
                                    "thresholds are the asset's config."),
        "top_features": Column("text", "Up to three inputs raising this row's churn odds "
                                       "most (coefficient x standardised value of a "
                                       "logistic model), with the direction of the value "
                                       "(↑ above, ↓ below the average)."),
        "cutoff_date": Column("date", "The first day predicted: the day after the last "
                                      "complete week used."),
        "horizon_days": Column("int", "Days predicted from cutoff_date (the label: no "
                                      "download in them)."),
        "model": Column("text", "logistic (standardised logistic regression) or boosting "
                                "(gradient boosting, isotonic calibration)."),
        "trained_through": Column("date", "The last day whose downloads fed the refitted "
                                          "model's labels."),
        "test_cutoff_date": Column("date", "Model rows: the held-out cut-off (the latest "
                                           "with all its label weeks loaded)."),
        "auc": Column("double", "Model rows: ROC AUC on the test cut-off."),
        "brier_score": Column("double", "Model rows: mean squared error of the test "
                                        "probabilities."),
        "base_rate": Column("double", "Model rows: share of test examples that churned."),
        "calibration": Column("text", "Model rows: mean predicted -> observed churn share "
                                      "in quantile bins of the test probabilities."),
        "calibration_error": Column("double", "Model rows: the largest gap between "
                                              "predicted and observed over those bins."),
        "n_train": Column("bigint", "Model rows: training examples (key x show x cut-off)."),
        "n_test": Column("bigint", "Model rows: test examples."),
        "n_scored": Column("bigint", "Model rows: key x show pairs scored."),
        "status": Column("text", "'ok', or why the tenant has no model (too little "
                                 "history, too few examples, one label only)."),
    },
)
