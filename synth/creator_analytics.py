"""Creator analytics: an opt-in feature with a known true effect on growth.

Shows opt in before the world starts, more often the larger their audience, the more often
they publish and in analytically minded categories (a logistic in those observables), so a
naive treated-vs-untreated comparison is confounded. Opted-in shows gain
CREATOR_ANALYTICS_EFFECT_ON_FOLLOWS (multiplicative) on their daily follow rate for the
whole world; the effect is constant in time, so it does not disturb the comments rollout's
difference-in-differences (a show fixed effect absorbs it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.catalog import Catalog
from synth.rng import stream

FEATURE = "creator_analytics"
CREATOR_ANALYTICS_EFFECT_ON_FOLLOWS = 0.30
ANALYTICAL_CATEGORIES = ("Business", "Technology", "Education", "Science")
# logit P(opt in) = INTERCEPT + per log audience + frequent publisher + analytical category
INTERCEPT, PER_LOG_AUDIENCE, FREQUENT, ANALYTICAL = -0.6, 0.9, 0.8, 0.6


def opt_in_probability(shows: pd.DataFrame) -> np.ndarray:
    """Each show's true propensity to opt in, from its observables."""
    logit = (INTERCEPT + PER_LOG_AUDIENCE * np.log(shows["audience"].to_numpy())
             + FREQUENT * (shows["cadence_days"].to_numpy() <= 3)
             + ANALYTICAL * shows["category"].isin(ANALYTICAL_CATEGORIES).to_numpy())
    return 1.0 / (1.0 + np.exp(-logit))


def rollouts(seed: int, cat: Catalog) -> pd.DataFrame:
    """The shows that opted in, each enabled 2-120 days before the world starts."""
    rng = stream(seed, FEATURE)
    shows = cat.shows.reset_index(drop=True)
    p = opt_in_probability(shows)
    took = rng.random(len(shows)) < p
    lead_days = rng.integers(2, 121, len(shows))
    pick = shows.index[took]
    return pd.DataFrame({"tenant_id": shows.loc[pick, "tenant_id"].to_numpy(),
                         "show_idx": pick, "show_id": shows.loc[pick, "show_id"].to_numpy(),
                         "feature": FEATURE,
                         "enabled_ts": cat.t0 - lead_days[took].astype(np.int64) * 86400})


def follow_multiplier(n_shows: int, ro: pd.DataFrame) -> np.ndarray:
    """Per show: the factor on its follow rate (1 + effect if opted in, else 1)."""
    out = np.ones(n_shows)
    out[ro["show_idx"].to_numpy()] = 1.0 + CREATOR_ANALYTICS_EFFECT_ON_FOLLOWS
    return out
