"""A/B test readouts: each variant against its experiment's control, with a guard against
peeking.

A unit is a household the test exposed (`marts.fct_experiment_units`); it converts when it
orders from the sponsor within the attribution window after its first exposure. Per
variant: the two rates, their difference with a 95 % Newcomb (hybrid Wilson) interval, the
pooled two-proportion z-test, the power the sample has for the declared minimum detectable
effect (MDE) and the units per arm that effect needs.

The peeking guard is a classic O'Brien-Fleming group-sequential design over the declared
looks, evenly spaced in units: look k of K is reached when both arms hold k/K of the
planned units, and a variant is called only when |z| crosses that look's boundary,
C_B(K, alpha) * sqrt(K / k) (4.56 at the first of five looks, 2.04 at the last, alpha 0.05
two-sided). Before the first look nothing is called; at the last look (or once the test
and every unit's window are over) a variant that did not cross is 'no difference' when the
sample had the planned power for the MDE, else 'inconclusive'. With several variants the
alpha is split among them (Bonferroni). The repeated confidence interval (difference +/-
boundary x standard error) holds at every look with the design's coverage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
)

from analyses.tables import TENANT_ID, AnalysisTable, Column

EXPERIMENTS_MODEL, UNITS_MODEL = "dim_experiments", "fct_experiment_units"
EXPERIMENTS_SQL = """
    select tenant_id, experiment_id, variant_id, campaign_id, test_type, is_control,
        allocation_share, start_date, end_date, minimum_detectable_effect,
        planned_units_per_variant, planned_looks, attribution_window_days
    from {dim_experiments}
    order by experiment_id, variant_id
"""
# per experiment x variant: clean units (one variant served), those that converted, and
# the households served several variants (left out)
COUNTS_SQL = """
    select experiment_id, variant_id,
        sum(case when is_mixed_exposure then 0 else 1 end) as units,
        sum(case when not is_mixed_exposure and orders > 0 then 1 else 0 end) as conversions,
        sum(case when is_mixed_exposure then 1 else 0 end) as mixed_units,
        max(observed_until) as observed_until
    from {fct_experiment_units}
    group by experiment_id, variant_id
    order by experiment_id, variant_id
"""

SQRT_2PI = math.sqrt(2 * math.pi)
WIN, HARM, NONE = "variant wins", "stopped for harm", "no difference"
RUNNING, INCONCLUSIVE = "keep running", "inconclusive"


def _c(kind: str, description: str) -> Column:
    return Column(kind, description)


READOUTS = AnalysisTable(
    "experiment_readouts", "experiment x variant",
    "A/B test readouts: each variant's conversion rate against its experiment's control, "
    "the difference with its 95 % interval and p-value, power for the declared minimum "
    "detectable effect, and an O'Brien-Fleming group-sequential decision over the planned "
    "looks, so that an early readout is not called significant.",
    {"tenant_id": TENANT_ID,
     "experiment_id": _c("text", "The experiment (dim_experiments)."),
     "variant_id": _c("text", "The variant compared with the control."),
     "control_variant_id": _c("text", "The experiment's control arm."),
     "campaign_id": _c("text", "The campaign the test runs on."),
     "test_type": _c("text", "creative or offer."),
     "as_of": _c("timestamp", "The data's horizon: the latest observed moment of any "
                              "unit's window (UTC)."),
     "control_units": _c("bigint", "Control households served only the control."),
     "variant_units": _c("bigint", "Variant households served only the variant."),
     "mixed_units": _c("bigint", "Households of either arm served more than one variant: "
                                 "left out."),
     "control_conversions": _c("bigint", "Control units that ordered in their window."),
     "variant_conversions": _c("bigint", "Variant units that ordered in their window."),
     "control_rate": _c("double", "control_conversions / control_units."),
     "variant_rate": _c("double", "variant_conversions / variant_units."),
     "absolute_difference": _c("double", "variant_rate - control_rate."),
     "relative_difference": _c("double", "absolute_difference / control_rate; null when "
                                         "the control has no conversion."),
     "ci_low": _c("double", "Lower end of the 95 % interval of the difference (Newcomb's "
                            "hybrid Wilson score interval; fixed-sample)."),
     "ci_high": _c("double", "Upper end of that interval."),
     "z_score": _c("double", "Pooled two-proportion z statistic (variant - control)."),
     "p_value": _c("double", "Its two-sided p-value, fixed-sample: not for stopping (see "
                             "decision)."),
     "alpha": _c("double", "The two-sided alpha of this comparison (the configured alpha "
                           "split among the experiment's variants)."),
     "minimum_detectable_effect": _c("double", "The declared relative MDE (0.2: +20 %)."),
     "achieved_power": _c("double", "Power of the units so far to detect the MDE over the "
                                    "control's rate at this alpha."),
     "required_units_per_variant": _c("bigint", "Units per arm the MDE needs at the "
                                                "configured power (control's rate)."),
     "planned_units_per_variant": _c("bigint", "Units per arm the booking planned."),
     "planned_looks": _c("int", "Readouts planned, evenly spaced in units."),
     "look_number": _c("int", "Planned looks reached: every arm of the experiment holds "
                              "look/planned_looks of the planned units (0: before the first "
                              "look)."),
     "information_fraction": _c("double", "The smaller of the two compared arms' units / "
                                          "planned units."),
     "boundary_z": _c("double", "The O'Brien-Fleming |z| boundary at this look; null "
                                "before the first look."),
     "sequential_ci_low": _c("double", "Repeated confidence interval at this look: "
                                       "difference - boundary x standard error."),
     "sequential_ci_high": _c("double", "Difference + boundary x standard error."),
     "is_final": _c("bool", "The last planned look is reached, or the test and every "
                            "unit's window are over."),
     "decision": _c("text", "variant wins, stopped for harm, no difference (final, "
                            "powered), inconclusive (final, underpowered) or keep running."),
     "status": _c("text", "ok, or what kept the readout from testing: too few units, no "
                          "control, no conversions."),
     "reason": _c("text", "The decision in words, e.g. 'look 2 of 5: |z| 2.10 < 3.23'.")})


@dataclass(frozen=True)
class Settings:
    alpha: float = 0.05  # two-sided, split among an experiment's variants
    power: float = 0.8  # for the required units and 'no difference'
    min_units: int = 30  # per arm, below which nothing is tested


# ---------------------------------------------------------------- group-sequential boundary


def _no_crossing(c: float, looks: int, grid: int = 401) -> float:
    """P(|S_k| < c sqrt(K) at every look k) for the random walk S_k of K standard normal
    increments: with equal spacing, O'Brien-Fleming's boundary c sqrt(K/k) on the z scale
    is the constant c sqrt(K) on the score scale. Recursive numerical integration
    (Armitage, McPherson & Rowe 1969) with Simpson weights."""
    b = c * math.sqrt(looks)
    x = np.linspace(-b, b, grid)
    h = x[1] - x[0]
    w = np.ones(grid)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    w *= h / 3
    dens = np.exp(-0.5 * x * x) / SQRT_2PI
    kernel = np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2) / SQRT_2PI * w[None, :]
    for _ in range(looks - 1):
        dens = kernel @ dens
    return float(dens @ w)


@cache
def obf_constant(looks: int, alpha: float) -> float:
    """C_B(K, alpha): the final-look critical value of a two-sided O'Brien-Fleming design
    with K equally spaced looks (1.960, 1.977, 2.004, 2.024, 2.040 for K = 1..5 at 0.05;
    Jennison & Turnbull 2000, table 2.3)."""
    if looks == 1:
        return float(stats.norm.ppf(1 - alpha / 2))
    return float(optimize.brentq(lambda c: _no_crossing(c, looks) - (1 - alpha), 1.0, 8.0,
                                 xtol=1e-5))


def obf_boundaries(looks: int, alpha: float) -> np.ndarray:
    """The |z| boundary at each of K equally spaced looks: C_B sqrt(K / k)."""
    k = np.arange(1, looks + 1)
    return obf_constant(looks, alpha) * np.sqrt(looks / k)


# ---------------------------------------------------------------- one comparison


@dataclass(frozen=True)
class Comparison:
    diff: float
    relative: float | None
    ci_low: float
    ci_high: float
    z: float | None
    p_value: float | None
    se: float  # unpooled, for the repeated interval


def compare(control: tuple[int, int], variant: tuple[int, int],
            alpha: float = 0.05) -> Comparison:
    """(conversions, units) of each arm: difference variant - control, its Newcomb
    interval at 1 - alpha, the pooled z-test."""
    (xc, nc), (xv, nv) = control, variant
    pc, pv = xc / nc, xv / nv
    low, high = confint_proportions_2indep(xv, nv, xc, nc, method="newcomb",
                                           compare="diff", alpha=alpha)
    z = p = None
    if 0 < xc + xv < nc + nv:
        z, p = (float(v) for v in proportions_ztest([xv, xc], [nv, nc]))
    se = math.sqrt(pc * (1 - pc) / nc + pv * (1 - pv) / nv)
    return Comparison(pv - pc, (pv - pc) / pc if pc > 0 else None, float(low), float(high),
                      z, p, se)


def power_for(p_control: float, mde: float, n_control: int, n_variant: int,
              alpha: float) -> float | None:
    """Power of a two-sided pooled test to detect a relative lift `mde` over p_control."""
    target = min(p_control * (1 + mde), 1.0)
    if not 0 < p_control < 1 or target == p_control or n_control < 2 or n_variant < 2:
        return None
    es = abs(float(proportion_effectsize(target, p_control)))
    return float(NormalIndPower().power(es, nobs1=n_control, alpha=alpha,
                                        ratio=n_variant / n_control))


def units_needed(p_control: float, mde: float, alpha: float, power: float) -> int | None:
    """Units per arm (equal arms) to detect a relative lift `mde` over p_control."""
    target = min(p_control * (1 + mde), 1.0)
    if not 0 < p_control < 1 or target == p_control:
        return None
    es = abs(float(proportion_effectsize(target, p_control)))
    return math.ceil(NormalIndPower().solve_power(es, alpha=alpha, power=power, ratio=1.0))


# ---------------------------------------------------------------- readouts


def look_reached(units: int, planned: int | None, looks: int) -> int:
    """Planned looks reached with `units` (the smaller arm) of `planned` per arm."""
    if not planned or planned <= 0:
        return looks  # no plan: every readout is the final one
    return min(looks, math.floor(looks * units / planned + 1e-9))


def decide(z: float | None, look: int, looks: int, boundary: float | None, final: bool,
           powered: bool) -> tuple[str, str]:
    """The decision and its reason at one readout."""
    where = f"look {look} of {looks}"
    if z is not None and boundary is not None and abs(z) >= boundary:
        return (WIN if z > 0 else HARM), f"{where}: |z| {abs(z):.2f} >= {boundary:.2f}"
    if not final:
        if boundary is None:
            return RUNNING, "before the first planned look"
        return RUNNING, f"{where}: |z| {abs(z or 0):.2f} < {boundary:.2f}"
    below = f"|z| {abs(z or 0):.2f} < {boundary:.2f}" if boundary else "no test"
    if powered:
        return NONE, f"final, {where}: {below}"
    return INCONCLUSIVE, f"final, {where}: {below}, underpowered for the MDE"


def readouts(experiments: pd.DataFrame, counts: pd.DataFrame,
             settings: Settings | None = None) -> pd.DataFrame:
    """One row per experiment x non-control variant (columns of READOUTS), sorted."""
    cfg = settings or Settings()
    cnt = counts.set_index(["experiment_id", "variant_id"])
    as_of = pd.to_datetime(counts["observed_until"]).max() if len(counts) else pd.NaT
    rows = []
    for eid, exp in experiments.sort_values(["experiment_id", "variant_id"]).groupby(
            "experiment_id", sort=True):
        rows += _experiment_rows(eid, exp, cnt, as_of, cfg)
    return pd.DataFrame(rows, columns=list(READOUTS.columns))


def readouts_empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(READOUTS.columns))


def _arm(cnt: pd.DataFrame, eid: str, vid: str) -> tuple[int, int, int]:
    if (eid, vid) not in cnt.index:
        return 0, 0, 0
    r = cnt.loc[(eid, vid)]
    return int(r["units"]), int(r["conversions"]), int(r["mixed_units"])


def _experiment_rows(eid: str, exp: pd.DataFrame, cnt: pd.DataFrame, as_of: pd.Timestamp,
                     cfg: Settings) -> list[dict]:
    controls = exp[exp["is_control"].astype(bool)]
    variants = exp[~exp["is_control"].astype(bool)]
    first = exp.iloc[0]
    looks = max(1, int(first["planned_looks"] or 1))
    planned = first["planned_units_per_variant"]
    planned = int(planned) if pd.notna(planned) else None
    alpha = cfg.alpha / max(1, len(variants))
    over = (pd.notna(as_of) and as_of.normalize() > pd.Timestamp(first["end_date"])
            + pd.Timedelta(days=int(first["attribution_window_days"])))
    ctrl = controls.iloc[0]["variant_id"] if len(controls) else None
    nc, xc, mc = _arm(cnt, eid, ctrl) if ctrl else (0, 0, 0)
    mde = first["minimum_detectable_effect"]
    arms = {v: _arm(cnt, eid, v) for v in variants["variant_id"]}
    # one look for the whole experiment: its smallest arm's share of the plan
    smallest = min([nc, *(a[0] for a in arms.values())])
    out = []
    for _, v in variants.iterrows():
        nv, xv, mv = arms[v["variant_id"]]
        row = {"tenant_id": first["tenant_id"], "experiment_id": eid,
               "variant_id": v["variant_id"], "control_variant_id": ctrl,
               "campaign_id": first["campaign_id"], "test_type": first["test_type"],
               "as_of": as_of if pd.notna(as_of) else None,
               "control_units": nc, "variant_units": nv, "mixed_units": mc + mv,
               "control_conversions": xc, "variant_conversions": xv, "alpha": alpha,
               "minimum_detectable_effect": mde, "planned_units_per_variant": planned,
               "planned_looks": looks}
        row.update(_tested(nc, xc, nv, xv, ctrl, look_reached(smallest, planned, looks),
                           looks, planned, alpha, mde, over, cfg))
        out.append(row)
    return out


def _tested(nc: int, xc: int, nv: int, xv: int, ctrl: str | None, look: int, looks: int,
            planned: int | None, alpha: float, mde: float | None, over: bool,
            cfg: Settings) -> dict:
    """The statistics and decision of one comparison at `look` of `looks`, or the reason
    there are none."""
    final = look == looks or bool(over)
    blank = {"is_final": final, "look_number": look,
             "information_fraction": min(nc, nv) / planned if planned else None}
    if ctrl is None:
        return {**blank, "decision": RUNNING, "status": "no control",
                "reason": "the experiment declares no control arm"}
    if min(nc, nv) < cfg.min_units:
        return {**blank, "decision": INCONCLUSIVE if final else RUNNING,
                "status": "too few units",
                "reason": f"too few units: {min(nc, nv)} < {cfg.min_units} in an arm"}
    c = compare((xc, nc), (xv, nv), alpha)
    pc = xc / nc
    has_mde = mde is not None and pd.notna(mde)
    power = power_for(pc, float(mde), nc, nv, alpha) if has_mde else None
    need = units_needed(pc, float(mde), alpha, cfg.power) if has_mde else None
    bounds = obf_boundaries(looks, alpha)
    boundary = float(bounds[max(look, 1) - 1] if look else bounds[-1]) if (look or final) \
        else None
    decision, reason = decide(c.z, max(look, 1) if final else look, looks, boundary, final,
                              power is not None and power >= cfg.power)
    status = "ok" if c.z is not None else "no conversions"
    if c.z is None:
        reason = f"{reason}; no conversions in either arm yet"
    b = boundary if boundary is not None else math.nan
    return {**blank, "control_rate": pc, "variant_rate": xv / nv,
            "absolute_difference": c.diff, "relative_difference": c.relative,
            "ci_low": c.ci_low, "ci_high": c.ci_high, "z_score": c.z, "p_value": c.p_value,
            "achieved_power": power, "required_units_per_variant": need,
            "boundary_z": boundary, "sequential_ci_low": c.diff - b * c.se,
            "sequential_ci_high": c.diff + b * c.se, "decision": decision,
            "status": status, "reason": reason}
