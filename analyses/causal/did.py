"""Difference-in-differences for staggered rollouts: two-way fixed effects (unit and time)
with standard errors clustered by unit, and an event study (leads and lags of the
enablement) with a joint pre-trend test.

Counts (follows, downloads) are modelled by Poisson pseudo-maximum likelihood (PPML): the
coefficient on the treatment dummy is a log ratio, so exp(b) - 1 is the relative change,
comparable with a multiplicative true effect, and days with zero counts need no log(0)
fix-up. An OLS variant serves outcomes already on the scale wanted (levels or logs).

Known limit: with staggered adoption and effects that vary by cohort or over time, TWFE
weights some comparisons negatively (Goodman-Bacon 2021; de Chaisemartin and
D'Haultfoeuille 2020); the event study's lags show whether the effect is stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from threadpoolctl import threadpool_limits

from analyses.causal.estimate import (
    LEVEL,
    RELATIVE,
    Estimate,
    critical_value,
    from_coefficient,
    skipped,
)

POISSON, OLS = "poisson", "ols"


@dataclass(frozen=True)
class Panel:
    """Which columns of a long frame are the unit, the time, the outcome and the 0/1
    treatment (1 from the unit's enablement on)."""
    unit: str
    time: str
    outcome: str
    treat: str


def twfe(frame: pd.DataFrame, p: Panel, model: str = POISSON, cluster: bool = True,
         alpha: float = 0.05, min_units: int = 4) -> Estimate:
    """The TWFE difference-in-differences estimate of the treatment's effect: relative
    (exp(b) - 1) for Poisson, in outcome units for OLS.

    With `cluster`, the interval is the wider of the unit-clustered one (Student-t
    critical values on G - 1 degrees of freedom) and the model-based one (quasi-Poisson,
    Pearson-scaled, normal; conventional OLS, t): clustered errors are biased down with
    few clusters, and taking the larger is Angrist and Pischke's (2009, sec. 8.2) guard.
    Without, the model-based one alone (for textbook comparisons)."""
    data, why = _usable(frame, p, model, min_units)
    if why:
        return skipped(why, data[p.unit].nunique(), len(data))
    x = _fixed_effects(data, p).assign(**{p.treat: data[p.treat].astype(float).to_numpy()})
    fit = _fit(data[p.outcome].astype(float), x, data[p.unit], model)
    b = float(fit.model.params[p.treat])
    se_model = float(np.sqrt(fit.model_cov.loc[p.treat, p.treat]))
    se_cluster = float(np.sqrt(fit.cluster_cov.loc[p.treat, p.treat]))
    crit_model = critical_value(alpha, fit.model.df_resid if model == OLS else None)
    crit_cluster = critical_value(alpha, fit.clusters - 1)
    use_cluster = cluster and se_cluster * crit_cluster > se_model * crit_model
    se, crit = (se_cluster, crit_cluster) if use_cluster else (se_model, crit_model)
    diagnostics = {"model": model, "clusters": fit.clusters,
                   "se_clustered": se_cluster, "se_model_based": se_model,
                   "se_used": "clustered" if use_cluster else "model-based",
                   "treated_share_of_obs": float(data[p.treat].mean()),
                   "treated_units": int(data.groupby(p.unit)[p.treat].max().sum())}
    return from_coefficient(b, se, crit, RELATIVE if model == POISSON else LEVEL,
                            data[p.unit].nunique(), len(data), diagnostics)


def event_study(frame: pd.DataFrame, p: Panel, period: int = 7, leads: int = 3,
                lags: int = 4, model: str = POISSON, min_units: int = 4) -> dict:
    """Leads and lags of the enablement in bins of `period` time steps (the first lead and
    last lag bins take everything beyond), the bin before enablement the reference; the
    joint test that all leads are 0: the larger p-value of a Wald F test on the clustered
    covariance (G - 1 denominator degrees of freedom) and a Wald chi-square test on the
    model-based one (as twfe takes the wider interval). Standard errors per bin: the larger
    of the two. `time` must be an integer step (e.g. a day index)."""
    data, why = _usable(frame, p, model, min_units)
    if why:
        return {"status": "skipped", "reason": why}
    bins = _relative_bins(data, p, period, leads, lags)
    x = _fixed_effects(data, p)
    names = []
    for b in sorted(bins.dropna().unique()):
        if b == -1:
            continue
        name = f"rel_{int(b):+d}"
        x[name] = (bins == b).astype(float).to_numpy()
        names.append(name)
    fit = _fit(data[p.outcome].astype(float), x, data[p.unit], model)
    coef = {n: float(fit.model.params[n]) for n in names}
    se = {n: float(np.sqrt(max(fit.model_cov.loc[n, n], fit.cluster_cov.loc[n, n])))
          for n in names}
    leads_ = [n for n in names if int(n[4:]) < -1]
    out = {"period": period, "coefficients": coef, "std_errors": se,
           "leads_tested": len(leads_)}
    if not leads_:
        return {**out, "pre_trend_p": None, "reason": "no pre-period bins to test"}
    b = np.array([coef[n] for n in leads_])
    q = len(leads_)

    def wald_f(cov: pd.DataFrame) -> float:
        return float(b @ np.linalg.pinv(cov.loc[leads_, leads_].to_numpy()) @ b) / q

    # the larger p-value of the two covariances, as twfe takes the wider interval
    p_cluster = float(stats.f.sf(wald_f(fit.cluster_cov), q, fit.clusters - 1))
    p_model = float(stats.chi2.sf(wald_f(fit.model_cov) * q, q))
    return {**out, "pre_trend_p_clustered": p_cluster, "pre_trend_p_model_based": p_model,
            "pre_trend_p": max(p_cluster, p_model)}


def _usable(frame: pd.DataFrame, p: Panel, model: str,
            min_units: int) -> tuple[pd.DataFrame, str]:
    """The rows the model can use and, if it cannot run, why. Under Poisson a unit (or
    time) whose outcome is always 0 has an infinite fixed effect and says nothing: drop
    it."""
    data = frame.dropna(subset=[p.outcome, p.treat]).sort_values([p.unit, p.time])
    if model == POISSON:
        data = data[data.groupby(p.unit)[p.outcome].transform("sum") > 0]
        data = data[data.groupby(p.time)[p.outcome].transform("sum") > 0]
    ever = data.groupby(p.unit)[p.treat].max()
    if data[p.unit].nunique() < min_units:
        return data, f"too few units: {data[p.unit].nunique()} < {min_units}"
    if ever.sum() == 0:
        return data, "no treated units"
    if data[p.treat].astype(bool).all():
        return data, "no untreated observations"
    if data[p.time].nunique() < 2:
        return data, "fewer than 2 periods"
    return data.reset_index(drop=True), ""


def _fixed_effects(data: pd.DataFrame, p: Panel) -> pd.DataFrame:
    """A constant plus unit and time dummies (first level of each dropped)."""
    dummies = [pd.get_dummies(data[c].astype(str), prefix=c, drop_first=True, dtype=float)
               for c in (p.unit, p.time)]
    return pd.concat([pd.Series(1.0, index=data.index, name="const"), *dummies], axis=1)


@dataclass(frozen=True)
class _Fit:
    model: Any  # the fitted statsmodels results (model-based covariance)
    model_cov: pd.DataFrame
    cluster_cov: pd.DataFrame  # clustered by unit
    clusters: int


def _fit(y: pd.Series, x: pd.DataFrame, units: pd.Series, model: str) -> _Fit:
    """The model fitted once with its model-based covariance (Pearson-scaled for Poisson)
    and once clustered by unit."""
    groups = pd.factorize(units)[0]
    cluster = {"cov_type": "cluster", "cov_kwds": {"groups": groups}}
    # one BLAS thread: these matrices are small, and threads fighting over a busy
    # machine's cores made a 0.1 s fit take seconds
    with threadpool_limits(1):
        if model == POISSON:
            glm = sm.GLM(y, x, family=sm.families.Poisson())
            plain = glm.fit(maxiter=200, scale="X2")
            clustered = glm.fit(maxiter=200, start_params=plain.params, **cluster)
        else:
            plain = sm.OLS(y, x).fit()
            clustered = sm.OLS(y, x).fit(**cluster)
    return _Fit(plain, plain.cov_params(), clustered.cov_params(), int(groups.max()) + 1)


def _relative_bins(data: pd.DataFrame, p: Panel, period: int, leads: int,
                   lags: int) -> pd.Series:
    """Each row's time since its unit's first treated step, in bins of `period`, clipped to
    [-leads, lags]; NaN for never-treated units (they only anchor the time effects)."""
    t = data[p.time].astype(int)
    first = t.where(data[p.treat].astype(bool)).groupby(data[p.unit]).transform("min")
    rel = np.floor((t - first) / period)
    return rel.clip(lower=-leads, upper=lags)
