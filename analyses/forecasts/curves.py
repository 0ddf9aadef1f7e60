"""Release curves: an episode's expected downloads on day `a` after release as

    E[y(e, a)] = level(e) x profile(a) x weekday(date(e, a)),

a multiplicative Poisson model fitted by maximum likelihood with iterative proportional
fitting (the chain-ladder estimator of insurance loss triangles). Each episode contributes
only the ages the data covers, so a curve cut short on either side (the back catalogue
released before the data starts, an episode still in its first days) still informs the
profile at the ages it was seen. statsmodels' GLM would fit the same model with one dummy
per episode; IPF needs no design matrix, which keeps a fit per forecast day cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

HORIZON = 30  # days 0..29 after release: the 30-day total


@dataclass(frozen=True)
class CurveFit:
    profile: np.ndarray  # expected downloads at age 0..HORIZON-1 for level 1, weekday 1
    weekday: np.ndarray  # Mon..Sun multipliers, mean 1
    levels: pd.Series  # episode_id -> fitted level (0 when it had no download)
    exposure: pd.Series  # episode_id -> sum of profile x weekday over its observed cells
    dispersion: float  # Pearson chi-square / residual df, at least 1 (quasi-Poisson)
    cells_per_age: np.ndarray  # observed episode-days at each age
    downloads_per_age: np.ndarray  # observed downloads at each age

    def remaining(self, published: pd.Timestamp, ages: np.ndarray) -> tuple[float, float]:
        """Expected share of a level still to come at `ages` of an episode released on
        `published`, and its variance: profile(a) is a ratio of Poisson margins, relative
        variance ~ dispersion / downloads seen at age a (levels taken as known)."""
        expected = self.expected(published, ages)
        seen = np.maximum(self.downloads_per_age[ages], 1.0)
        return float(expected.sum()), float(np.sum(expected ** 2 * self.dispersion / seen))

    def expected(self, published: pd.Timestamp, ages: np.ndarray) -> np.ndarray:
        """profile x weekday at `ages` of an episode released on day `published`."""
        dates = published + pd.to_timedelta(ages, unit="D")
        return self.profile[ages] * self.weekday[dates.day_of_week]


def curve_cells(episodes: pd.DataFrame, daily: pd.DataFrame, data_from: pd.Timestamp,
                cut: pd.Timestamp) -> pd.DataFrame:
    """One row per episode x age 0..HORIZON-1 whose day lies in [data_from, cut]
    (`episodes`: episode_id, published_date; `daily`: episode_id, download_date,
    downloads), a day without a row counting 0 downloads."""
    ages = np.arange(HORIZON)
    published = episodes["published_date"].to_numpy("datetime64[D]")
    grid = pd.DataFrame({
        "episode_id": np.repeat(episodes["episode_id"].to_numpy(), HORIZON),
        "age": np.tile(ages, len(episodes)),
        "date": (np.repeat(published, HORIZON) + np.tile(ages, len(episodes))),
    })
    grid = grid[(grid["date"] >= data_from.to_datetime64())
                & (grid["date"] <= cut.to_datetime64())]
    counts = daily.assign(date=daily["download_date"].to_numpy("datetime64[D]"))
    cells = grid.merge(counts[["episode_id", "date", "downloads"]],
                       on=["episode_id", "date"], how="left")
    return cells.assign(downloads=cells["downloads"].fillna(0).astype(float))


def fit_curves(cells: pd.DataFrame, max_iter: int = 500, tol: float = 1e-9) -> CurveFit:
    """The Poisson MLE of level x profile x weekday over `cells` (episode_id, age, date,
    downloads), by iterative proportional fitting: each factor in turn set so the fitted
    margins equal the observed ones."""
    ep_codes, ep_ids = pd.factorize(cells["episode_id"], sort=True)
    age = cells["age"].to_numpy(int)
    dow = pd.DatetimeIndex(cells["date"]).day_of_week.to_numpy()
    y = cells["downloads"].to_numpy(float)
    n_ep = len(ep_ids)

    def margin(codes: np.ndarray, size: int, weights: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=weights, minlength=size)

    y_ep, y_age, y_dow = margin(ep_codes, n_ep, y), margin(age, HORIZON, y), margin(dow, 7, y)
    level, profile, weekday = np.maximum(y_ep, 1e-9), np.ones(HORIZON), np.ones(7)
    for _ in range(max_iter):
        previous = profile.copy()
        level = y_ep / np.maximum(margin(ep_codes, n_ep, profile[age] * weekday[dow]), 1e-300)
        profile = y_age / np.maximum(margin(age, HORIZON, level[ep_codes] * weekday[dow]),
                                     1e-300)
        weekday = y_dow / np.maximum(margin(dow, 7, level[ep_codes] * profile[age]), 1e-300)
        seen = margin(dow, 7, np.ones_like(y)) > 0
        scale = weekday[seen].mean() if seen.any() else 1.0
        weekday = np.where(seen, weekday / scale, 1.0)
        profile = profile * scale
        if np.max(np.abs(profile - previous) / np.maximum(previous, 1e-12)) < tol:
            break
    shape = profile[age] * weekday[dow]
    mu = level[ep_codes] * shape
    resid_df = len(y) - n_ep - HORIZON - 6
    fitted = mu > 0
    pearson = float(np.sum((y[fitted] - mu[fitted]) ** 2 / mu[fitted]))
    dispersion = max(1.0, pearson / resid_df) if resid_df > 0 else 1.0
    return CurveFit(profile=profile, weekday=weekday,
                    levels=pd.Series(level, index=ep_ids),
                    exposure=pd.Series(margin(ep_codes, n_ep, shape), index=ep_ids),
                    dispersion=dispersion,
                    cells_per_age=np.bincount(age, minlength=HORIZON),
                    downloads_per_age=y_age)
