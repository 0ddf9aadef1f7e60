"""Propensity-score matching for opt-in features: a logistic propensity score,
nearest-neighbour matching on its logit with replacement inside a caliper, the average
effect on the treated (ATT) with the Abadie-Imbens (2006) standard error, and a balance
table of standardised mean differences before and after matching.

The Abadie-Imbens variance is used because the bootstrap is not valid for nearest-neighbour
matching (Abadie and Imbens 2008). It treats the propensity score as known; for the ATT,
estimating it can make the true variance larger or smaller (Abadie and Imbens 2016).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from analyses.causal.estimate import LEVEL, Estimate, critical_value, from_coefficient, skipped


@dataclass(frozen=True)
class Design:
    """Which columns of a one-row-per-unit frame are the unit, the outcome, the 0/1
    treatment and the observables the choice to opt in may depend on."""
    unit: str
    outcome: str
    treat: str
    covariates: tuple[str, ...]


@dataclass(frozen=True)
class Matching:
    neighbours: int = 4  # M: controls per treated unit (Abadie et al. 2004 suggest 4)
    caliper_sd: float = 0.2  # in SDs of the logit score (Austin 2011)
    min_treated: int = 20
    min_controls: int = 20
    ridge_c: float = 1e4  # inverse L2 penalty on standardised covariates: ~unpenalised,
    # yet finite when the groups separate
    bias_adjust: bool = True  # Abadie-Imbens (2011) regression adjustment of each match


def propensity_logit(x: pd.DataFrame, treat: np.ndarray, ridge_c: float) -> np.ndarray:
    """The logit of each unit's estimated probability of treatment."""
    z = StandardScaler().fit_transform(x.to_numpy(dtype=float))
    model = LogisticRegression(C=ridge_c, max_iter=5000).fit(z, treat)
    return model.decision_function(z)


def match(score: np.ndarray, treat: np.ndarray, m: int,
          caliper: float) -> list[np.ndarray]:
    """For each treated unit (in order), the indices of its up-to-m nearest controls on
    `score` within `caliper` (empty if none); ties broken by position, so deterministic."""
    controls = np.flatnonzero(~treat)
    out = []
    for i in np.flatnonzero(treat):
        d = np.abs(score[controls] - score[i])
        near = np.argsort(d, kind="stable")[:m]
        out.append(controls[near[d[near] <= caliper]])
    return out


def att(frame: pd.DataFrame, d: Design, cfg: Matching = Matching(), alpha: float = 0.05,
        scale: str = LEVEL) -> Estimate:
    """The ATT of `d.treat` on `d.outcome` by matching on the propensity score. With
    `scale='relative'` the outcome should be a log and the estimate is exp(att) - 1."""
    data = frame.dropna(subset=[d.outcome, d.treat, *d.covariates]).sort_values(d.unit)
    treat = data[d.treat].astype(bool).to_numpy()
    n1, n0 = int(treat.sum()), int((~treat).sum())
    if n1 < cfg.min_treated or n0 < cfg.min_controls:
        return skipped(f"too few units: {n1} treated, {n0} untreated (need "
                       f"{cfg.min_treated} and {cfg.min_controls}); matching would have no "
                       "power", n1 + n0, n1 + n0)
    x = data[list(d.covariates)].astype(float)
    score = propensity_logit(x, treat, cfg.ridge_c)
    caliper = cfg.caliper_sd * float(np.std(score))
    matches = match(score, treat, cfg.neighbours, caliper)
    kept = np.array([len(j) > 0 for j in matches])
    if kept.sum() < 2:
        return skipped(f"only {int(kept.sum())} treated units matched within the caliper",
                       n1 + n0, n1 + n0)
    y = data[d.outcome].astype(float).to_numpy()
    y_adj = _bias_adjusted(y, x.to_numpy(), matches) if cfg.bias_adjust else y
    tau, se, weights = _abadie_imbens(y, treat, score, matches, kept, y_adj)
    diagnostics = {
        "treated": n1, "untreated": n0, "treated_matched": int(kept.sum()),
        "treated_unmatched": int((~kept).sum()), "neighbours": cfg.neighbours,
        "bias_adjusted": cfg.bias_adjust,
        "caliper_logit": caliper, "controls_used": int((weights > 0).sum()),
        "balance": balance(x, treat, kept, weights),
    }
    return from_coefficient(tau, se, critical_value(alpha, None), scale, n1 + n0,
                            n1 + n0, diagnostics)


def _bias_adjusted(y: np.ndarray, x: np.ndarray,
                   matches: list[np.ndarray]) -> np.ndarray:
    """Abadie and Imbens (2011): Y - beta'X, beta from a linear regression of the outcome
    on the covariates among the matched controls, so a treated-minus-control difference of
    these, (Y_i - Y_j) - beta'(X_i - X_j), moves the control to its partner's covariates
    and gaps the caliper left do not bias the ATT."""
    used = np.unique(np.concatenate([j for j in matches if len(j)] or [np.array([], int)]))
    if len(used) < 2:
        return y
    z = np.column_stack([np.ones(len(used)), x[used]])
    beta = np.linalg.lstsq(z, y[used], rcond=None)[0][1:]
    return y - x @ beta


def _abadie_imbens(y: np.ndarray, treat: np.ndarray, score: np.ndarray,
                   matches: list[np.ndarray], kept: np.ndarray,
                   y_adj: np.ndarray | None = None) -> tuple[float, float, np.ndarray]:
    """ATT, its Abadie-Imbens (2006, population ATT) standard error, and each unit's
    weight as a control (sum over the treated it matched of 1/M_i). With `y_adj`
    (Y - beta'X) the treated-control differences are bias-adjusted (the variance formula
    is unchanged, Abadie and Imbens 2011).

    V = 1/N1^2 [ sum_treated (Y_i - Y_i(0)hat - att)^2
                 + sum_controls (w_j^2 - v_j) sigma_j^2 ],  v_j = sum_i 1/M_i^2:
    the first term already holds each control's variance v_j times; the second adds the
    rest of its w_j^2 from reuse. sigma_j^2 is from matching control j to its nearest
    other control: (Y_j - Y_nn)^2 / 2 (of the adjusted outcomes when bias-adjusting, so
    outcome differences the covariates explain do not pass for noise)."""
    ya = y if y_adj is None else y_adj
    treated = np.flatnonzero(treat)[kept]
    used = [j for j, k in zip(matches, kept, strict=True) if k]
    effects = ya[treated] - np.array([ya[j].mean() for j in used])
    tau = float(effects.mean())
    w, v = np.zeros(len(y)), np.zeros(len(y))
    for j in used:
        w[j] += 1.0 / len(j)
        v[j] += 1.0 / len(j) ** 2
    sigma2 = _within_group_variance(ya, score, ~treat)
    n1 = len(treated)
    var = (np.sum((effects - tau) ** 2) + np.sum((w ** 2 - v) * sigma2)) / n1 ** 2
    return tau, float(np.sqrt(var)), w


def _within_group_variance(y: np.ndarray, score: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Each group member's conditional variance from its nearest other member on the
    score (0 outside the group or if alone)."""
    out = np.zeros(len(y))
    idx = np.flatnonzero(group)
    if len(idx) < 2:
        return out
    for i in idx:
        others = idx[idx != i]
        nn = others[np.argmin(np.abs(score[others] - score[i]))]
        out[i] = (y[i] - y[nn]) ** 2 / 2
    return out


def balance(x: pd.DataFrame, treat: np.ndarray, kept: np.ndarray,
            weights: np.ndarray) -> dict[str, dict[str, float]]:
    """Per covariate: the standardised mean difference (treated minus untreated, over the
    pooled SD of the unmatched groups, sqrt((s1^2 + s0^2) / 2), the same denominator before
    and after, so the two are comparable) before matching and after it (the matched
    treated against their controls weighted by reuse). |SMD| < 0.1 is the usual bar."""
    treated_kept = np.flatnonzero(treat)[kept]
    out = {}
    for name in x.columns:
        v = x[name].to_numpy(dtype=float)
        sd = np.sqrt((v[treat].var(ddof=1) + v[~treat].var(ddof=1)) / 2)
        if not sd > 0:
            out[name] = {"smd_before": 0.0, "smd_after": 0.0}
            continue
        after = v[treated_kept].mean() - np.average(v, weights=weights)
        out[name] = {"smd_before": (v[treat].mean() - v[~treat].mean()) / sd,
                     "smd_after": after / sd}
    return out
