"""Two detectors over one series: a robust rolling z-score and STL residuals.

A series is observed values y_t with a baseline x_t (the volume the metric is expected to
follow: the release-driven downloads of a show, a campaign's shows' downloads; 1 when the
metric stands alone). Both detectors model the ratio r_t = y_t / x_t, so a release day
(x jumps) is expected and only a departure of y from x is scored:

- rolling: expected_t = x_t * median(r over the trailing `window` points, t excluded),
  spread = 1.4826 * MAD of the same points (a standard deviation under normality);
- stl: statsmodels STL (robust, period 7) of r; expected_t = x_t * (trend + seasonal),
  kept within the range of the observed ratios (the fit must not extrapolate a level the
  series never had), spread = 1.4826 * MAD of all residuals.

Counts (downloads, impressions, conversions) are scored as Pearson residuals,
(y_t - expected_t) / sqrt(expected_t), divided by the series' dispersion when it is over
1 (1.4826 * MAD of the same residuals over the trailing window, or over the whole series
for STL): Poisson noise at least, more when the series is noisier, and a day with a small
baseline is not judged by the spread of days with a large one. Other metrics (rates,
money): (y_t - expected_t) / max(x_t * spread, REL_FLOOR * max(|expected_t|, |y_t|)).
A point is flagged `medium` from |score| >= medium, `high` from high; counts also need
|y - expected| >= min_count_change, and a count of zero where zero_expected or more were
expected (an outage: P(0 | 10) = 5e-5 under Poisson, 4 sd, and lost data is a high
concern whatever the z) is high.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import STL

MAD_TO_SD = 1.4826
REL_FLOOR = 0.01  # a perfectly flat ratio still allows 1% of wobble
STL_PERIOD = 7


@dataclass(frozen=True)
class Thresholds:
    window: int = 28  # trailing points of the rolling median / MAD
    min_points: int = 14  # the rolling z needs this many trailing points to judge one
    stl_min_periods: int = 3  # STL needs this many whole weeks of daily points
    medium: float = 4.0
    high: float = 6.0
    min_count_change: float = 5.0  # a count closer than this to expected is never flagged
    # a count of zero where this many were expected is high whatever its score: under
    # Poisson P(0 | 10) = 5e-5, and a series dropping to nothing is the mark of lost data
    zero_expected: float = 10.0


@dataclass(frozen=True)
class Scored:
    """Per point of one series: expected value and score (NaN where not judged)."""
    expected: np.ndarray
    score: np.ndarray


def _mad_sd(values: np.ndarray) -> float:
    return MAD_TO_SD * float(np.median(np.abs(values - np.median(values))))


def _pearson(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return (observed - expected) / np.sqrt(np.maximum(expected, 1.0))


def _score(observed: np.ndarray, expected: np.ndarray, baseline: np.ndarray,
           spread: float, dispersion: float, counts: bool) -> np.ndarray:
    """Counts: the Pearson residual over max(1, dispersion) (Poisson noise, or more when
    the series' own residuals say so). Other metrics: residual over baseline x spread,
    at least REL_FLOOR of the larger of expected and observed (revenue from nothing scores
    100, not a billion)."""
    if counts:
        return _pearson(observed, expected) / max(1.0, dispersion)
    level = np.maximum(np.abs(expected), np.abs(observed))
    scale = np.maximum(np.maximum(baseline * spread, REL_FLOOR * level), 1e-9)
    return (observed - expected) / scale


def ratios(observed: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """y / x where the baseline is positive, else NaN (nothing to compare with)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(baseline > 0, observed / baseline, np.nan)


def rolling(observed: np.ndarray, baseline: np.ndarray, counts: bool,
            th: Thresholds) -> Scored:
    r = ratios(observed, baseline)
    expected = np.full(len(r), np.nan)
    score = np.full(len(r), np.nan)
    for t in range(len(r)):
        lo = max(0, t - th.window)
        ok = ~np.isnan(r[lo:t])
        if ok.sum() < th.min_points or np.isnan(r[t]):
            continue
        past = r[lo:t][ok]
        med = float(np.median(past))
        expected[t] = baseline[t] * med
        past_expected = baseline[lo:t][ok] * med
        dispersion = _mad_sd(_pearson(observed[lo:t][ok], past_expected))
        score[t] = _score(observed[t:t + 1], expected[t:t + 1], baseline[t:t + 1],
                          _mad_sd(past), dispersion, counts)[0]
    return Scored(expected, score)


def stl(observed: np.ndarray, baseline: np.ndarray, counts: bool) -> Scored:
    """STL residuals of the ratio; points without a baseline are interpolated for the fit
    and not judged."""
    r = ratios(observed, baseline)
    ok = ~np.isnan(r)
    filled = pd.Series(r).interpolate(limit_direction="both").to_numpy()
    fit = STL(filled, period=STL_PERIOD, robust=True).fit()
    fitted = np.asarray(fit.trend) + np.asarray(fit.seasonal)
    # never expect a ratio the series never had: the local-linear loess of a weekday's
    # subseries, next to points the robust fit weighted to zero, can run away (a Thursday
    # expected at 0.12 x baseline when no day of eight weeks was under 0.38)
    fitted = np.clip(fitted, np.min(r[ok]), np.max(r[ok]))
    if counts:  # a count is never expected below zero
        fitted = np.maximum(fitted, 0.0)
    expected = np.where(ok, baseline * fitted, np.nan)
    spread = _mad_sd((filled - fitted)[ok])
    dispersion = _mad_sd(_pearson(observed[ok], expected[ok]))
    score = np.full(len(r), np.nan)
    score[ok] = _score(observed[ok], expected[ok], baseline[ok], spread, dispersion, counts)
    return Scored(expected, score)


def severity(observed: np.ndarray, scored: Scored, counts: bool,
             th: Thresholds) -> np.ndarray:
    """'high', 'medium' or '' per point."""
    z = np.abs(np.nan_to_num(scored.score))
    expected = np.nan_to_num(scored.expected)
    big_enough = (np.abs(observed - expected) >= th.min_count_change
                  if counts else np.ones(len(z), dtype=bool))
    gone = counts & (observed == 0) & (expected >= th.zero_expected)
    return np.where(gone | (big_enough & (z >= th.high)), "high",
                    np.where(big_enough & (z >= th.medium), "medium", ""))
