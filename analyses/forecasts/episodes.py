"""An episode's 30-day downloads forecast from its first days, back-tested by rolling origin.

For an episode seen for `k` days (its release day and the k-1 after), the forecast day is
`cut` = release + k - 1 and only counts up to `cut` are used: the release curve
(curves.fit_curves) is fitted on every episode-day up to `cut`, the episode's level is
its gamma posterior (prior: the levels of the show's earlier episodes, moment-matched;
likelihood: its own k days, quasi-Poisson), and the 30-day total is the observed days
plus the negative-binomial predictive of the days still to come. Every episode gets its
forecast as it would have been made on its own `cut` day: the back-test and the live
forecast are one computation, and an episode's later days never reach its forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analyses.forecasts.curves import HORIZON, CurveFit, curve_cells, fit_curves
from analyses.tables import TENANT_ID, AnalysisTable, Column

OK = "ok"
EPISODES = "select tenant_id, show_id, episode_id, published_date from {dim_episodes}"
EPISODE_DAYS = "select episode_id, download_date, downloads from {fct_episode_daily}"
# the days the access logs cover: a day with requests (as the marts' complete periods)
DATA_DAYS = """
    select min(report_date) as data_from, max(report_date) as data_until
    from {fct_download_reconciliation_daily}
    where requests > 0
"""
SOURCES = ("dim_episodes", "fct_episode_daily", "fct_download_reconciliation_daily")
CURVE = "poisson release curve (level x age x weekday)"

EPISODE_FORECASTS = AnalysisTable(
    "episode_download_forecasts", "tenant x episode x days observed",
    "An episode's downloads in its first 30 days (release day + 29), forecast from its "
    "first 1, 3 or 7 days and the show's earlier episodes, as made on the day those days "
    "were complete (rolling origin: the back-test and the live forecast are one).",
    {"tenant_id": TENANT_ID,
     "show_id": Column("text", "The episode's show."),
     "episode_id": Column("text", "The episode."),
     "published_date": Column("date", "The episode's UTC release day (day 0)."),
     "days_observed": Column("int", "The forecast's origin: days 0..days_observed-1 seen."),
     "forecast_date": Column("date", "The last day the forecast uses (release + "
                                     "days_observed - 1); nothing later is read."),
     "observed_to_date": Column("bigint", "Counted downloads on the days observed."),
     "forecast_30d": Column("double", "Expected downloads on days 0..29 (observed + "
                                      "expected rest)."),
     "lower": Column("double", "Lower end of the prediction interval of the 30-day total."),
     "upper": Column("double", "Upper end of the prediction interval of the 30-day total."),
     "interval_level": Column("double", "The interval's nominal coverage (0.8: an 80% "
                                        "interval, 10% either side)."),
     "method": Column("text", "How the forecast was made (with or without the show's "
                              "history as a prior)."),
     "history_episodes": Column("int", "The show's earlier episodes whose levels formed "
                                       "the prior (0: the episode's own days only)."),
     "actual_30d": Column("bigint", "Counted downloads on days 0..29, once day 29 is in "
                                    "the data; null before, or when day 0 predates it."),
     "abs_pct_error": Column("double", "|forecast - actual| / actual, when both exist and "
                                       "actual > 0."),
     "status": Column("text", "'ok', or why there is no forecast ('too young', "
                              "'back catalogue', 'no counted downloads', 'too little data', "
                              "'curve not identified')."),
     "reason": Column("text", "The status in words, with the numbers behind it.")})


@dataclass(frozen=True)
class ForecastSettings:
    origins: tuple[int, ...] = (1, 3, 7)  # days observed at the forecast
    interval_level: float = 0.8  # nominal coverage of [lower, upper]
    min_data_days: int = 14  # days of counts up to the cut before the curve is trusted
    min_cells_per_age: int = 3  # episode-days needed at every age 0..29
    min_history: int = 2  # the show's earlier episodes needed for a prior
    relative_sd_floor: float = 0.10  # least between-episode spread of a show's levels


def _prior(levels: np.ndarray, exposure: np.ndarray, dispersion: float,
           floor: float) -> tuple[float, float]:
    """Gamma(shape, rate) for the level of a show's next episode: the mean of its earlier
    levels, and a variance of their spread between episodes (their sampling variance,
    dispersion x mean / exposure, taken out) plus the uncertainty of that mean."""
    mean = float(np.average(levels, weights=exposure))
    sampling = dispersion * mean / exposure
    between = max(float(np.var(levels, ddof=1)) - float(np.mean(sampling)),
                  (floor * mean) ** 2)
    variance = between + float(np.mean(between + sampling)) / len(levels)
    return mean ** 2 / variance, mean / variance


def predictive(observed: float, exposure: float, remaining: tuple[float, float],
               dispersion: float, prior: tuple[float, float],
               level: float) -> tuple[float, float, float]:
    """Mean, lower and upper of the 30-day total: `observed` plus the days still to come,
    R | level ~ quasi-Poisson(level x remaining share), the level's gamma posterior
    (prior x the observed days, in units of `dispersion`) and the remaining share's own
    (mean, variance) mixed in; R's quantiles from the negative binomial of R's mean and
    variance."""
    share, share_var = remaining
    shape = prior[0] + observed / dispersion
    rate = prior[1] + exposure / dispersion
    lam, lam_var = shape / rate, shape / rate ** 2
    mean = lam * share
    if mean <= 0:
        return observed, observed, observed
    variance = (dispersion * mean + (lam ** 2 + lam_var) * (share ** 2 + share_var)
                - mean ** 2)
    variance = max(variance, mean * (1 + 1e-9))
    tail = (1 - level) / 2
    lo, hi = stats.nbinom.ppf([tail, 1 - tail], mean ** 2 / (variance - mean),
                              mean / variance)
    return observed + mean, observed + lo, observed + hi


def _reason_before_fit(row: pd.Series, data_from: pd.Timestamp, data_until: pd.Timestamp,
                       counted_shows: set[str], cfg: ForecastSettings) -> tuple[str, str]:
    seen_days = (data_until - row["published_date"]).days + 1
    data_days = (row["forecast_date"] - data_from).days + 1
    if row["published_date"] < data_from:
        return ("back catalogue", f"released {row['published_date']:%Y-%m-%d}, before the "
                f"counts start ({data_from:%Y-%m-%d}): its first days are not observed")
    if row["show_id"] not in counted_shows:
        return ("no counted downloads", "the show has no counted downloads (it reports "
                "through a hosting provider's API only)")
    if row["forecast_date"] > data_until:
        return ("too young", f"{max(seen_days, 0)} of {row['days_observed']} days observed")
    if data_days < cfg.min_data_days:
        return ("too little data", f"{data_days} days of counts up to the forecast day "
                f"< {cfg.min_data_days}")
    return OK, ""


def _forecast_at_cut(rows: pd.DataFrame, fit: CurveFit, cells: pd.DataFrame,
                     episodes: pd.DataFrame, cfg: ForecastSettings) -> list[dict]:
    """The forecasts of `rows` (episodes x origin whose forecast day is the fit's cut)."""
    thin = np.flatnonzero(fit.cells_per_age < cfg.min_cells_per_age)
    if len(thin):
        age = int(thin[0])
        reason = (f"age {age} seen on {fit.cells_per_age[age]} episode-days < "
                  f"{cfg.min_cells_per_age} up to the forecast day")
        return [{"index": i, "status": "curve not identified", "reason": reason}
                for i in rows.index]
    observed = cells.groupby("episode_id")["downloads"].sum()
    fitted = episodes[episodes["episode_id"].isin(fit.levels.index)]
    show = fitted["show_id"].to_numpy(object)
    published = fitted["published_date"].to_numpy()
    level = fit.levels.reindex(fitted["episode_id"]).to_numpy()
    exposure_of = fit.exposure.reindex(fitted["episode_id"]).to_numpy()
    out = []
    for i, row in rows.iterrows():
        earlier = ((show == row["show_id"]) & (published < row["published_date"].to_datetime64())
                   & (exposure_of > 0))
        prior = (0.5, 0.0)  # Jeffreys-like: the episode's own days only
        n_hist = int(earlier.sum()) if earlier.sum() >= cfg.min_history else 0
        if n_hist:
            prior = _prior(level[earlier], exposure_of[earlier], fit.dispersion,
                           cfg.relative_sd_floor)
        ages = np.arange(row["days_observed"], HORIZON)
        remaining = fit.remaining(row["published_date"], ages)
        seen = float(observed.get(row["episode_id"], 0.0))
        mean, lo, hi = predictive(seen, float(fit.exposure.get(row["episode_id"], 0.0)),
                                  remaining, fit.dispersion, prior, cfg.interval_level)
        out.append({"index": i, "observed_to_date": round(seen), "forecast_30d": mean,
                    "lower": lo, "upper": hi, "history_episodes": n_hist,
                    "method": CURVE + (" + gamma prior from the show's earlier episodes"
                                       if n_hist else ", the episode's own days only"),
                    "status": OK, "reason": "" if n_hist else
                    "new show: no earlier episodes to learn its level from"})
    return out


def _actuals(episodes: pd.DataFrame, daily: pd.DataFrame, data_from: pd.Timestamp,
             data_until: pd.Timestamp) -> pd.Series:
    """episode_id -> downloads on days 0..29, for episodes whose whole window is in the
    data."""
    complete = episodes[(episodes["published_date"] >= data_from)
                        & (episodes["published_date"] + pd.Timedelta(days=HORIZON - 1)
                           <= data_until)]
    cells = curve_cells(complete, daily, data_from, data_until)
    return cells.groupby("episode_id")["downloads"].sum().reindex(complete["episode_id"],
                                                                  fill_value=0.0)


def forecast_episodes(episodes: pd.DataFrame, daily: pd.DataFrame,
                      data_from: pd.Timestamp, data_until: pd.Timestamp,
                      cfg: ForecastSettings | None = None) -> pd.DataFrame:
    """One row per episode x origin (EPISODE_FORECASTS' columns). `episodes`: tenant_id,
    show_id, episode_id, published_date; `daily`: episode_id, download_date, downloads,
    the counts of the days [data_from, data_until] (a missing row is 0 downloads)."""
    cfg = cfg or ForecastSettings()
    if episodes.empty:
        return pd.DataFrame(columns=list(EPISODE_FORECASTS.columns))
    if daily.empty:
        daily = pd.DataFrame({"episode_id": pd.Series(dtype=object),
                              "download_date": pd.Series(dtype="datetime64[ns]"),
                              "downloads": pd.Series(dtype=float)})
    episodes = episodes.assign(
        published_date=pd.to_datetime(episodes["published_date"]).dt.normalize()
    ).sort_values(["tenant_id", "show_id", "published_date", "episode_id"],
                  ignore_index=True)
    daily = daily.assign(download_date=pd.to_datetime(daily["download_date"]))
    rows = episodes.merge(pd.DataFrame({"days_observed": list(cfg.origins)}), how="cross")
    rows["forecast_date"] = rows["published_date"] + pd.to_timedelta(
        rows["days_observed"] - 1, unit="D")
    shows_of = dict(zip(episodes["episode_id"], episodes["show_id"], strict=True))
    counted = {shows_of[e] for e in daily.loc[daily["downloads"] > 0, "episode_id"]
               if e in shows_of}
    checks = [_reason_before_fit(r, data_from, data_until, counted, cfg)
              for _, r in rows.iterrows()]
    rows["status"] = [s for s, _ in checks]
    rows["reason"] = [r for _, r in checks]
    results = []
    for cut, at_cut in rows[rows["status"] == OK].groupby("forecast_date", sort=True):
        cells = curve_cells(episodes, daily, data_from, cut)
        results += _forecast_at_cut(at_cut, fit_curves(cells), cells, episodes, cfg)
    if results:
        found = pd.DataFrame(results).set_index("index")
        for column in found.columns:
            rows.loc[found.index, column] = found[column]
    return _finish(rows, _actuals(episodes, daily, data_from, data_until), cfg)


def _finish(rows: pd.DataFrame, actuals: pd.Series, cfg: ForecastSettings) -> pd.DataFrame:
    for column in ("observed_to_date", "forecast_30d", "lower", "upper", "method",
                   "history_episodes"):
        if column not in rows:
            rows[column] = None
    rows["interval_level"] = cfg.interval_level
    rows["actual_30d"] = rows["episode_id"].map(actuals)
    forecast = pd.to_numeric(rows["forecast_30d"], errors="coerce")
    actual = pd.to_numeric(rows["actual_30d"], errors="coerce")
    rows["abs_pct_error"] = ((forecast - actual).abs() / actual).where(actual > 0)
    rows["published_date"] = rows["published_date"].dt.date
    rows["forecast_date"] = rows["forecast_date"].dt.date
    return rows[list(EPISODE_FORECASTS.columns)].sort_values(
        ["tenant_id", "show_id", "published_date", "episode_id", "days_observed"],
        ignore_index=True)
