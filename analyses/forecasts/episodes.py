"""An episode's 30-day downloads forecast from its first days, back-tested by rolling origin.

For an episode seen for `k` days (its release day and the k-1 after), the forecast day is
`cut` = release + k - 1 and only counts up to `cut` are used: the release curve
(curves.fit_curves) is fitted on every episode-day up to `cut`, the episode's level is
its gamma posterior (prior: the median and spread of the show's earlier episodes'
levels; likelihood: its own k days, quasi-Poisson), and the 30-day total is the observed days
plus the negative-binomial predictive of the days still to come, whose variance includes
how far episodes' later days were seen to stray from their first week
(curves.late_variance). Every episode gets its forecast as it would have been made on
its own `cut` day: the back-test and the live forecast are one computation, and an
episode's later days never reach its forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
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
                              "'back catalogue', 'no release date', 'no counted downloads', "
                              "'too little data', 'curve not identified')."),
     "reason": Column("text", "The status in words, with the numbers behind it.")})


@dataclass(frozen=True)
class ForecastSettings:
    origins: tuple[int, ...] = (1, 3, 7)  # days observed at the forecast
    interval_level: float = 0.8  # nominal coverage of [lower, upper]
    min_data_days: int = 14  # days of counts up to the cut before the curve is trusted
    min_cells_per_age: int = 3  # episode-days needed at every age 0..29
    min_history: int = 2  # the show's earlier episodes needed for a prior
    relative_sd_floor: float = 0.10  # least between-episode spread of a show's levels


def level_prior(levels: np.ndarray, exposure: np.ndarray, dispersion: float,
           floor: float) -> tuple[float, float]:
    """Gamma(shape, rate) for the level of a show's next episode: the median of its
    earlier levels, and a variance of their spread between episodes (MAD-based, so one
    spiked or viral episode moves neither; their sampling variance, dispersion x level /
    exposure, taken out; at least `floor` x the level) plus the uncertainty of the
    centre."""
    centre = float(np.median(levels))
    if centre <= 0:
        return 0.5, 0.0  # earlier episodes without a download: no scale to borrow
    spread = (1.4826 * float(np.median(np.abs(levels - centre)))) ** 2
    sampling = dispersion * centre / exposure
    between = max(spread - float(np.mean(sampling)), (floor * centre) ** 2)
    variance = between + float(np.mean(between + sampling)) / len(levels)
    return centre ** 2 / variance, centre / variance


def predictive(observed: ArrayLike, exposure: ArrayLike, remaining: tuple[ArrayLike, ArrayLike],
               dispersion: float, prior: tuple[ArrayLike, ArrayLike],
               level: float, late_var: float = 0.0,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, lower and upper of the 30-day total (element-wise): `observed` plus the days
    still to come, R | level ~ quasi-Poisson(level x remaining share), the level's gamma
    posterior (prior x the observed days, in units of `dispersion`) and the remaining
    share's (mean, variance) and `late_var` (the relative variance of an episode's later
    days about its curve beyond counting noise, CurveFit.late_var) mixed in; R's
    quantiles from the negative binomial of R's mean and variance."""
    observed = np.asarray(observed, float)
    share, share_var = (np.asarray(v, float) for v in remaining)
    shape = np.asarray(prior[0], float) + observed / dispersion
    rate = np.maximum(np.asarray(prior[1], float) + np.asarray(exposure, float) / dispersion,
                      1e-12)
    lam, lam_var = shape / rate, shape / rate ** 2
    mean = lam * share
    variance = (dispersion * mean
                + (lam ** 2 + lam_var) * (share ** 2 * (1 + late_var) + share_var) - mean ** 2)
    variance = np.maximum(variance, mean * (1 + 1e-9))
    positive = mean > 0
    safe_mean, safe_var = np.where(positive, mean, 1.0), np.where(positive, variance, 2.0)
    tail = (1 - level) / 2
    n, p = safe_mean ** 2 / (safe_var - safe_mean), safe_mean / safe_var
    lo = np.where(positive, stats.nbinom.ppf(tail, n, p), 0.0)
    hi = np.where(positive, stats.nbinom.ppf(1 - tail, n, p), 0.0)
    return observed + mean, observed + lo, observed + hi


def _reason_before_fit(row: dict, data_from: pd.Timestamp, data_until: pd.Timestamp,
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


@dataclass(frozen=True)
class _Episodes:
    """The episodes as arrays, in the order of the cells' episode positions."""
    show: np.ndarray  # show code
    released: np.ndarray  # release day, days since the data's first
    weekday: np.ndarray  # the release day's weekday, Monday 0


def _history_prior(e: int, fit: CurveFit, eps: _Episodes,
                   cfg: ForecastSettings) -> tuple[float, float, int]:
    """Gamma prior of episode `e`'s level from its show's earlier episodes seen up to
    the cut, and how many there were (0: a flat prior, the episode's own days only)."""
    earlier = ((eps.show == eps.show[e]) & (eps.released < eps.released[e])
               & (fit.exposure > 0))
    if earlier.sum() < cfg.min_history:
        return 0.5, 0.0, 0  # Jeffreys-like
    shape, rate = level_prior(fit.levels[earlier], fit.exposure[earlier], fit.dispersion,
                              cfg.relative_sd_floor)
    return shape, rate, int(earlier.sum())


def _forecast_at_cut(rows: pd.DataFrame, fit: CurveFit, eps: _Episodes,
                     cfg: ForecastSettings) -> pd.DataFrame:
    """The forecasts of `rows` (episodes x origin whose forecast day is the fit's cut;
    `position`: the episode's position), indexed like `rows`."""
    thin = np.flatnonzero(fit.cells_per_age < cfg.min_cells_per_age)
    if len(thin):
        age = int(thin[0])
        reason = (f"age {age} seen on {fit.cells_per_age[age]} episode-days < "
                  f"{cfg.min_cells_per_age} up to the forecast day")
        return pd.DataFrame({"status": "curve not identified", "reason": reason},
                            index=rows.index)
    e = rows["position"].to_numpy()
    priors = np.array([_history_prior(i, fit, eps, cfg) for i in e]).reshape(-1, 3)
    remaining = fit.remaining(eps.weekday[e], rows["days_observed"].to_numpy())
    mean, lo, hi = predictive(fit.observed[e], fit.exposure[e], remaining, fit.dispersion,
                              (priors[:, 0], priors[:, 1]), cfg.interval_level,
                              fit.late_var)
    history = priors[:, 2].astype(int)
    return pd.DataFrame({
        "observed_to_date": np.round(fit.observed[e]).astype(int), "forecast_30d": mean,
        "lower": lo, "upper": hi, "history_episodes": history,
        "method": np.where(history > 0, CURVE + " + gamma prior from the show's earlier "
                           "episodes", CURVE + ", the episode's own days only"),
        "status": OK,
        "reason": np.where(history > 0, "",
                           "new show: no earlier episodes to learn its level from")},
        index=rows.index)


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
        published_date=pd.to_datetime(episodes["published_date"]).dt.normalize())
    undated = _undated(episodes[episodes["published_date"].isna()], cfg)
    episodes = episodes[episodes["published_date"].notna()].sort_values(
        ["tenant_id", "show_id", "published_date", "episode_id"], ignore_index=True)
    cells = curve_cells(episodes, daily, data_from, data_until)
    released = (episodes["published_date"] - data_from).dt.days.to_numpy()
    eps = _Episodes(pd.factorize(episodes["show_id"])[0], released,
                    episodes["published_date"].dt.day_of_week.to_numpy())
    rows = episodes.reset_index(names="position").merge(
        pd.DataFrame({"days_observed": list(cfg.origins)}), how="cross")
    rows["forecast_date"] = rows["published_date"] + pd.to_timedelta(
        rows["days_observed"] - 1, unit="D")
    counted = set(episodes["show_id"].to_numpy()[
        np.bincount(cells.episode, cells.downloads, len(episodes)) > 0])
    checks = [_reason_before_fit(r, data_from, data_until, counted, cfg)
              for r in rows[["published_date", "show_id", "forecast_date",
                             "days_observed"]].to_dict("records")]
    rows["status"] = [s for s, _ in checks]
    rows["reason"] = [r for _, r in checks]
    pending = rows[rows["status"] == OK]
    cut_day = released[pending["position"]] + pending["days_observed"].to_numpy() - 1
    found = [_forecast_at_cut(at_cut, fit_curves(cells.until(int(day)), len(episodes)),
                              eps, cfg)
             for day, at_cut in pending.groupby(cut_day, sort=True)]
    if found:
        results = pd.concat(found)
        for column in results.columns:
            rows.loc[results.index, column] = results[column]
    complete = (released >= 0) & (released + HORIZON - 1 <= (data_until - data_from).days)
    actual = np.bincount(cells.episode, cells.downloads, len(episodes))
    rows["actual_30d"] = np.where(complete[rows["position"]], actual[rows["position"]],
                                  np.nan)
    return _finish(pd.concat([rows, undated], ignore_index=True), cfg)


def _undated(episodes: pd.DataFrame, cfg: ForecastSettings) -> pd.DataFrame:
    """The rows of episodes without a release date: no day 0, no curve."""
    rows = episodes.merge(pd.DataFrame({"days_observed": list(cfg.origins)}), how="cross")
    return rows.assign(forecast_date=pd.NaT, actual_30d=np.nan, status="no release date",
                       reason="the feed gives the episode no usable publication date")


def _finish(rows: pd.DataFrame, cfg: ForecastSettings) -> pd.DataFrame:
    for column in ("observed_to_date", "forecast_30d", "lower", "upper", "method",
                   "history_episodes"):
        if column not in rows:
            rows[column] = None
    rows["interval_level"] = cfg.interval_level
    forecast = pd.to_numeric(rows["forecast_30d"], errors="coerce")
    actual = pd.to_numeric(rows["actual_30d"], errors="coerce")
    rows["abs_pct_error"] = ((forecast - actual).abs() / actual).where(actual > 0)
    for column in ("published_date", "forecast_date"):
        dates = pd.to_datetime(rows[column])
        rows[column] = dates.dt.date.where(dates.notna(), None)
    return rows[list(EPISODE_FORECASTS.columns)].sort_values(
        ["tenant_id", "show_id", "published_date", "episode_id", "days_observed"],
        ignore_index=True, na_position="last")
