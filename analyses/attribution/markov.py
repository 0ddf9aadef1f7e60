"""First-order Markov-chain attribution, computed exactly from the absorbing chain.

States: `start`, one per channel, and two absorbing ones, `conversion` and `null`. Every
journey (converting or not) contributes its transitions: start -> first touch, each touch
-> the next, last touch -> conversion (converted) or null (not). P(conversion) is the
chain's probability of absorption in `conversion` from `start`, solved as a linear system
(no simulation). Removing a channel sends every transition into it to `null`; its removal
effect is 1 - P(conversion without it) / P(conversion). A channel's attributed conversions
are total conversions x its removal effect / the sum of all removal effects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"


@dataclass(frozen=True)
class MarkovAttribution:
    conversion_probability: float
    removal_effect: dict[str, float]
    attributed_conversions: dict[str, float]


def transitions_of_journeys(journeys: Iterable[tuple[Sequence[str], bool]]) -> pd.DataFrame:
    """Transition counts (from_state, to_state, transitions) of journeys given as (channels in
    time order, converted). For small inputs; the warehouse counts them in SQL."""
    counts: dict[tuple[str, str], int] = {}
    for channels, converted in journeys:
        states = [START, *channels, CONVERSION if converted else NULL]
        for a, b in pairwise(states):
            counts[a, b] = counts.get((a, b), 0) + 1
    return pd.DataFrame([(a, b, n) for (a, b), n in counts.items()],
                        columns=["from_state", "to_state", "transitions"])


def _absorption(p: np.ndarray, states: list[str], removed: str | None) -> float:
    """P(absorbed in conversion | start), with `removed` (if any) made to lead to null."""
    transient = [s for s in states if s not in (CONVERSION, NULL)]
    index = {s: i for i, s in enumerate(states)}
    t = [index[s] for s in transient]
    q = p[np.ix_(t, t)].copy()
    r = p[t, index[CONVERSION]].copy()
    if removed is not None:
        k = transient.index(removed)
        q[k, :] = 0.0  # the removed channel absorbs: whatever reaches it is lost
        r[k] = 0.0
    x = np.linalg.solve(np.eye(len(t)) - q, r)
    return float(x[transient.index(START)])


def markov_attribution(transitions: pd.DataFrame, conversions: float | None = None
                       ) -> MarkovAttribution:
    """Removal effects from transition counts; `conversions` defaults to the journeys that
    reached conversion."""
    states_seen = set(transitions["from_state"]) | set(transitions["to_state"])
    channels = sorted(states_seen - {START, CONVERSION, NULL})
    states = [START, *channels, CONVERSION, NULL]
    index = {s: i for i, s in enumerate(states)}
    counts = np.zeros((len(states), len(states)))
    for a, b, n in transitions[["from_state", "to_state", "transitions"]].itertuples(index=False):
        counts[index[a], index[b]] += n
    for absorbing in (CONVERSION, NULL):
        counts[index[absorbing], index[absorbing]] = 1.0
    totals = counts.sum(axis=1, keepdims=True)
    p = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    base = _absorption(p, states, None)
    if conversions is None:
        conversions = float(transitions.loc[transitions["to_state"] == CONVERSION,
                                            "transitions"].sum())
    effects = {c: (1.0 - _absorption(p, states, c) / base) if base > 0 else 0.0
               for c in channels}
    total_effect = sum(effects.values())
    attributed = {c: conversions * e / total_effect if total_effect > 0 else 0.0
                  for c, e in effects.items()}
    return MarkovAttribution(base, effects, attributed)
