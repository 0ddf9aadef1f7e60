"""One causal estimate with its uncertainty, diagnostics and a row-level status, and how a
coefficient on the log scale becomes a relative change."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

OK, SKIPPED = "ok", "skipped"
LEVEL, RELATIVE = "level", "relative"  # the estimate's scale: outcome units or exp(b) - 1


@dataclass(frozen=True)
class Estimate:
    estimate: float | None
    std_error: float | None
    ci_low: float | None
    ci_high: float | None
    n_units: int
    n_obs: int
    diagnostics: dict[str, Any] = field(default_factory=dict)
    status: str = OK
    reason: str = ""

    def diagnostics_json(self) -> str:
        return json.dumps(_plain(self.diagnostics), sort_keys=True, allow_nan=False)


def skipped(reason: str, n_units: int = 0, n_obs: int = 0,
            **diagnostics: Any) -> Estimate:
    """No estimate, and why (too few units, no variation, ...)."""
    return Estimate(None, None, None, None, n_units, n_obs, diagnostics, SKIPPED, reason)


def from_coefficient(b: float, se: float, crit: float, scale: str, n_units: int, n_obs: int,
                     diagnostics: dict[str, Any]) -> Estimate:
    """An Estimate from a coefficient and its standard error: on the `relative` scale the
    coefficient is a log ratio, reported as exp(b) - 1 with the CI's ends transformed (the
    CI stays exact) and the delta-method standard error exp(b) * se."""
    lo, hi = b - crit * se, b + crit * se
    diagnostics = {"coefficient": b, "coefficient_se": se, "critical_value": crit,
                   "scale": scale, **diagnostics}
    if scale == RELATIVE:
        return Estimate(math.expm1(b), math.exp(b) * se, math.expm1(lo), math.expm1(hi),
                        n_units, n_obs, diagnostics)
    return Estimate(b, se, lo, hi, n_units, n_obs, diagnostics)


def critical_value(alpha: float, df: float | None) -> float:
    """Two-sided critical value: Student t with `df` degrees of freedom, normal if None."""
    if df is None:
        return float(stats.norm.ppf(1 - alpha / 2))
    return float(stats.t.ppf(1 - alpha / 2, df))


def _plain(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN/inf to None, rounded to 6 significant
    digits so the stored text is stable across platforms."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer | int):
        return int(value)
    if isinstance(value, np.floating | float):
        x = float(value)
        return None if not math.isfinite(x) else float(f"{x:.6g}")
    return value
