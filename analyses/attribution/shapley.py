"""Shapley-value attribution over channels, computed exactly by enumerating coalitions.

Coalition value (Zhao et al. 2018, "Shapley Value Methods for Attribution Modeling in
Online Advertising"): v(S) = the conversions of the journeys whose set of distinct
channels lies inside S, i.e. what the channels of S bring about on their own. A channel's
value is its average marginal contribution over all orders of arrival:
    phi_i = sum over S not holding i of |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S)).
The values sum to all conversions (efficiency). Non-converting journeys add nothing to v.
"""

from __future__ import annotations

from math import factorial

import numpy as np
import pandas as pd

MAX_CHANNELS = 20  # 2^20 coalitions: beyond that, group channels first


def shapley_attribution(journeys: pd.DataFrame) -> dict[str, float]:
    """`journeys`: one row per distinct channel set of converting journeys, columns
    `channels` (a frozenset of channel names) and `conversions`."""
    channels = sorted(set().union(*journeys["channels"])) if len(journeys) else []
    n = len(channels)
    if n > MAX_CHANNELS:
        raise ValueError(f"{n} channels: exact Shapley values take 2^n coalitions; group "
                         f"them into at most {MAX_CHANNELS}")
    bit = {c: 1 << i for i, c in enumerate(channels)}
    masks = np.array([sum(bit[c] for c in chans) for chans in journeys["channels"]],
                     dtype=np.int64)
    # conversions by channel-set bitmask, then v(S) = sum over subsets T of S (zeta transform)
    value = np.zeros(1 << n)
    np.add.at(value, masks, journeys["conversions"].to_numpy(dtype=float))
    for i in range(n):
        halves = value.reshape(-1, 2, 1 << i)
        halves[:, 1, :] += halves[:, 0, :]
    coalitions = np.arange(1 << n)
    size = np.zeros(1 << n, dtype=np.int64)
    for i in range(n):
        size += (coalitions >> i) & 1
    weight = np.array([factorial(k) * factorial(n - k - 1) / factorial(n) for k in range(n)])
    phi = {}
    for i, c in enumerate(channels):
        without = coalitions[((coalitions >> i) & 1) == 0]
        phi[c] = float(np.sum(weight[size[without]] * (value[without | (1 << i)] - value[without])))
    return phi
