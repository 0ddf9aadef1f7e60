"""Exact additive decomposition of a change in a product of factors: the log-mean Divisia
index, LMDI-I (Ang 2004).

For V = c * x_1 * ... * x_n changing from V0 to V1, factor k's effect is

    E_k = L(V1, V0) * ln(x_1k / x_0k),   L(a, b) = (a - b) / (ln a - ln b),  L(a, a) = a,

and sum_k E_k = L(V1, V0) * ln(V1 / V0) = V1 - V0 exactly, with no residual.

Zeros (a factor zero, or undefined because its denominator is zero, in either period):
the logarithms do not exist. Replacing the zero by d and letting d -> 0 (Ang & Liu 2007),
the whole change goes to the factor that is zero: L(V1, d) * ln(x_1k / d) -> V1 while
every other effect -> 0. When several are, the first in the chain's order takes it (in
downloads -> slots per download -> fill rate -> CPM a later factor is undefined because
an earlier one is zero: the earlier one is the cause). Both periods zero: no change, all
effects 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def log_mean(a: float, b: float) -> float:
    if a == b:
        return a
    return (a - b) / (math.log(a) - math.log(b))


def _usable(x: float | None) -> bool:
    return x is not None and not math.isnan(x) and x > 0


def lmdi(before: Sequence[float | None], after: Sequence[float | None], v0: float,
         v1: float) -> list[float]:
    """Each factor's effect on V1 - V0 (V = c * product of the factors); the effects add
    up to v1 - v0."""
    effects = [0.0] * len(before)
    if v0 == v1 == 0:
        return effects
    broken = [k for k in range(len(before))
              if not (_usable(before[k]) and _usable(after[k]))]
    if broken or v0 <= 0 or v1 <= 0:
        effects[broken[0] if broken else 0] = v1 - v0
        return effects
    weight = log_mean(v1, v0)
    effects = [weight * math.log(float(a) / float(b)) for a, b in zip(after, before,
                                                                     strict=True)]
    # the logs are exact up to rounding: the last ulp goes to the largest effect, so the
    # effects add up to the change to the cent and beyond
    biggest = max(range(len(effects)), key=lambda k: abs(effects[k]))
    effects[biggest] += (v1 - v0) - sum(effects)
    return effects
