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
SPLIT_AGE = 7  # late_var: an episode's days from this age on against the days before
MIN_SPLIT_DOWNLOADS = 20.0  # first-week downloads an episode needs to count in late_var


@dataclass(frozen=True)
class Cells:
    """Episode-days 0..HORIZON-1 inside the data, as arrays: the episode (its position in
    the episodes frame), its age, the day (days since the data's first) and downloads (a
    day without a row counts 0)."""
    episode: np.ndarray
    age: np.ndarray
    day: np.ndarray
    downloads: np.ndarray
    first_weekday: int  # Monday 0: the weekday of day 0

    def until(self, last_day: int) -> Cells:
        keep = self.day <= last_day
        return Cells(self.episode[keep], self.age[keep], self.day[keep],
                     self.downloads[keep], self.first_weekday)

    @property
    def weekday(self) -> np.ndarray:
        return (self.first_weekday + self.day) % 7


def curve_cells(episodes: pd.DataFrame, daily: pd.DataFrame, data_from: pd.Timestamp,
                data_until: pd.Timestamp) -> Cells:
    """The cells of `episodes` (published_date, episode_id; rows in order) over the days
    [data_from, data_until], counts from `daily` (episode_id, download_date, downloads)."""
    released = ((pd.to_datetime(episodes["published_date"]).dt.normalize() - data_from)
                .dt.days.to_numpy())
    n_days = (data_until - data_from).days + 1
    episode = np.repeat(np.arange(len(episodes)), HORIZON)
    age = np.tile(np.arange(HORIZON), len(episodes))
    day = released[episode] + age
    inside = (day >= 0) & (day < n_days)
    episode, age, day = episode[inside], age[inside], day[inside]
    position = pd.Series(np.arange(len(episodes)), index=episodes["episode_id"].to_numpy())
    counted = daily[daily["episode_id"].isin(position.index)]
    count_day = (pd.to_datetime(counted["download_date"]).dt.normalize() - data_from).dt.days
    grid = np.zeros((len(episodes), n_days))
    ok = ((count_day >= 0) & (count_day < n_days)).to_numpy()
    np.add.at(grid, (position[counted["episode_id"]].to_numpy()[ok],
                     count_day.to_numpy()[ok]), counted["downloads"].to_numpy(float)[ok])
    return Cells(episode, age, day, grid[episode, day], data_from.day_of_week)


@dataclass(frozen=True)
class CurveFit:
    profile: np.ndarray  # expected downloads at age 0..HORIZON-1 for level 1, weekday 1
    weekday: np.ndarray  # Mon..Sun multipliers, mean 1 over the weekdays seen
    levels: np.ndarray  # per episode: its fitted level (0: no download; NaN: no cell)
    exposure: np.ndarray  # per episode: sum of profile x weekday over its cells
    observed: np.ndarray  # per episode: downloads over its cells
    dispersion: float  # Pearson chi-square / residual df, at least 1 (quasi-Poisson)
    cells_per_age: np.ndarray  # observed episode-days at each age
    downloads_per_age: np.ndarray  # observed downloads at each age
    # relative variance of an episode's downloads from age SPLIT_AGE on about what its
    # first days and the curve say, beyond counting noise (late_variance)
    late_var: float = 0.0

    def expected(self, release_weekday: np.ndarray, ages: np.ndarray) -> np.ndarray:
        """profile x weekday, episodes x `ages`, for episodes released on those weekdays."""
        days = (np.asarray(release_weekday)[:, None] + ages[None, :]) % 7
        return self.profile[ages][None, :] * self.weekday[days]

    def remaining(self, release_weekday: np.ndarray,
                  from_age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per episode: the expected share of its level still to come from `from_age` to
        day HORIZON-1, and that share's variance (profile(a) is a ratio of Poisson
        margins, relative variance ~ dispersion / downloads seen at age a)."""
        ages = np.arange(HORIZON)
        expected = self.expected(release_weekday, ages)
        expected = np.where(ages[None, :] >= np.asarray(from_age)[:, None], expected, 0.0)
        seen = np.maximum(self.downloads_per_age, 1.0)
        return expected.sum(axis=1), (expected ** 2 * self.dispersion / seen).sum(axis=1)


def fit_curves(cells: Cells, n_episodes: int, max_iter: int = 500,
               tol: float = 1e-9) -> CurveFit:
    """The Poisson MLE of level x profile x weekday over `cells`, by iterative
    proportional fitting: each factor in turn set so the fitted margins equal the
    observed ones."""
    ep, age, dow, y = cells.episode, cells.age, cells.weekday, cells.downloads

    def margin(codes: np.ndarray, size: int, weights: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=weights, minlength=size)

    y_ep, y_age, y_dow = margin(ep, n_episodes, y), margin(age, HORIZON, y), margin(dow, 7, y)
    seen = margin(dow, 7, np.ones_like(y)) > 0
    level, profile, weekday = np.maximum(y_ep, 1e-9), np.ones(HORIZON), np.ones(7)
    for _ in range(max_iter):
        previous = profile
        level = y_ep / np.maximum(margin(ep, n_episodes, profile[age] * weekday[dow]), 1e-300)
        profile = y_age / np.maximum(margin(age, HORIZON, level[ep] * weekday[dow]), 1e-300)
        weekday = y_dow / np.maximum(margin(dow, 7, level[ep] * profile[age]), 1e-300)
        scale = weekday[seen].mean() if seen.any() else 1.0
        weekday = np.where(seen, weekday / scale, 1.0)
        profile = profile * scale
        if np.max(np.abs(profile - previous) / np.maximum(previous, 1e-12)) < tol:
            break
    shape = profile[age] * weekday[dow]
    exposure = margin(ep, n_episodes, shape)
    mu = level[ep] * shape
    fitted = mu > 0
    resid_df = len(y) - int((exposure > 0).sum()) - HORIZON - 6
    pearson = float(np.sum((y[fitted] - mu[fitted]) ** 2 / mu[fitted]))
    has_cells = margin(ep, n_episodes, np.ones_like(y)) > 0
    dispersion = max(1.0, pearson / resid_df) if resid_df > 0 else 1.0
    return CurveFit(profile=profile, weekday=weekday,
                    levels=np.where(has_cells, level, np.nan), exposure=exposure,
                    observed=y_ep, dispersion=dispersion,
                    cells_per_age=np.bincount(age, minlength=HORIZON),
                    downloads_per_age=y_age,
                    late_var=late_variance(ep, age, y, shape, n_episodes, dispersion))


def late_variance(ep: np.ndarray, age: np.ndarray, y: np.ndarray, shape: np.ndarray,
                  n_episodes: int, dispersion: float) -> float:
    """Moment estimate of v in Var(late rate / early rate) = sampling + v, over the
    episodes seen on all of ages 0..SPLIT_AGE-1 and on some later age, with at least
    MIN_SPLIT_DOWNLOADS early downloads: an episode's level from its first SPLIT_AGE
    days against its level from the days after (downloads per unit of profile x
    weekday), the quasi-Poisson sampling variance of the ratio taken out. Split-sample,
    out of sample within each episode: how far episodes' later days stray from their
    first week and the network's curve (a run of invalid traffic, a spike or drop day,
    an audience that drifts), measured rather than assumed."""
    early = age < SPLIT_AGE

    def per_episode(keep: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
        return np.bincount(ep[keep], weights=None if weights is None else weights[keep],
                           minlength=n_episodes)

    y_e, e_e, n_e = per_episode(early, y), per_episode(early, shape), per_episode(early, None)
    y_l, e_l = per_episode(~early, y), per_episode(~early, shape)
    use = (n_e == SPLIT_AGE) & (e_l > 0) & (y_e >= MIN_SPLIT_DOWNLOADS)
    if use.sum() < 5:
        return 0.0
    ratio = (y_l[use] / e_l[use]) / (y_e[use] / e_e[use])
    level = (y_e[use] + y_l[use]) / (e_e[use] + e_l[use])
    sampling = dispersion * (1 / (level * e_e[use]) + 1 / np.maximum(level * e_l[use], 1e-9))
    return max(0.0, float(np.mean((ratio - 1) ** 2 - sampling)))
