"""A/B tests declared in the bookings: creative and offer tests on dynamic campaigns.

Per tenant, the dynamic campaigns (DAI runs, performance deals) with the largest forecast
become experiments (at most `PER_TENANT`). Each household is randomised to one variant per
experiment (its own stream, by the declared allocation), so every ad of the campaign the
household is served carries that variant's creative: exposure is clean. A variant changes
the response to the campaign's ads with a known multiplier: a creative the site-visit
probability, an offer the chance a visit orders (`DESIGNS`). Everything else in the world
is drawn exactly as without experiments (the response thresholds change, not the draws).

The plan (`plan`) is declared once traffic is known: the planned units per variant are the
exposed households the campaign reached, times a forecast error drawn from the stream (a
planner's forecast misses by up to 30 %); the minimum detectable effect is what that
sample detects with 80 % power at alpha 0.05 (two-sided) on the expected conversion rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from synth.conversions import FAST_MEAN, P_FAST, P_ORGANIC_VISIT_30D, SLOW_MEDIAN, SLOW_SIGMA
from synth.rng import stream

PER_TENANT = 2
FORECAST_ERROR = (0.7, 1.3)
LOOKS = (2, 6)  # planned looks: 2-5
ALPHA, POWER = 0.05, 0.8
COLUMNS = ["experiment_id", "tenant_id", "campaign_id", "test_type", "variant_id",
           "is_control", "creative_id", "offer", "promo_code", "allocation_share",
           "start_date", "end_date", "primary_metric", "minimum_detectable_effect",
           "planned_units_per_variant", "planned_looks"]
TRUTH_COLUMNS = ["experiment_id", "campaign_id", "variant_id", "is_control", "units",
                 "visit_multiplier", "order_multiplier", "true_conversion_rate",
                 "true_difference", "true_relative_difference", "notes"]


@dataclass(frozen=True)
class Arm:
    variant_id: str
    share: float
    visit_mult: float = 1.0  # on the sponsor's site-visit probability (creative)
    order_mult: float = 1.0  # on the chance a responder's visit orders (offer)
    offer: str = ""


# Experiment k uses DESIGNS[k % 4]: a strong win (deliberately large, so that even small
# worlds can detect it: a better creative and a free first order), a null test, a
# three-arm test with one winner, a harmful creative. The first arm is the control.
DESIGNS: tuple[tuple[str, tuple[Arm, ...]], ...] = (
    ("offer", (Arm("A", 0.5, offer="10% off the first order"),
               Arm("B", 0.5, visit_mult=3.0, order_mult=3.0,
                   offer="first order free"))),
    ("creative", (Arm("A", 0.5), Arm("B", 0.5))),
    ("creative", (Arm("A", 0.34), Arm("B", 0.33, visit_mult=2.5), Arm("C", 0.33))),
    ("creative", (Arm("A", 0.5), Arm("B", 0.5, visit_mult=0.2))),
)


@dataclass
class Experiments:
    frame: pd.DataFrame  # one row per experiment x variant (landing columns + multipliers)
    campaign: np.ndarray  # campaign index of each experiment
    assign: np.ndarray  # (experiments, households): the variant index of each household
    exp_of_campaign: np.ndarray  # campaign index -> experiment index, -1 if none
    exp_of_li: np.ndarray  # line item index -> experiment index, -1 if none

    def _arm_rows(self, exp: np.ndarray, hh: np.ndarray) -> np.ndarray:
        """Row of `frame` for each (experiment, household); -1 where exp is -1."""
        first = self.frame.groupby("exp", sort=True)["row"].min().to_numpy()
        ok = exp >= 0
        out = np.full(len(exp), -1, dtype=np.int64)
        if ok.any():
            out[ok] = first[exp[ok]] + self.assign[exp[ok], hh[ok]]
        return out

    def creative_ids(self, li: np.ndarray, hh: np.ndarray, li_ids: np.ndarray) -> np.ndarray:
        """The creative of each delivered ad: the household's variant's in an experiment,
        else the line item's own ('cr' + line item id)."""
        row = self._arm_rows(self.exp_of_li[li], hh)
        own = np.char.add("cr", li_ids[li].astype(str))
        arm = self.frame["creative_id"].to_numpy().astype(str)
        return np.where(row >= 0, arm[np.maximum(row, 0)], own)

    def multipliers(self, campaign: np.ndarray, hh: np.ndarray,
                    column: str) -> np.ndarray:
        """The household's variant's multiplier on a campaign's response (1: none)."""
        exp = np.where(campaign >= 0, self.exp_of_campaign[np.maximum(campaign, 0)], -1)
        row = self._arm_rows(exp, hh)
        m = self.frame[column].to_numpy()
        return np.where(row >= 0, m[np.maximum(row, 0)], 1.0)


def build_experiments(seed: int, camps: pd.DataFrame, li: pd.DataFrame,
                      n_households: int) -> Experiments:
    """`camps`, `li`: the bookings' campaigns and line items (with `forecast`)."""
    camps = camps.reset_index(drop=True)
    dynamic = li.groupby("campaign_id")["ad_type"].agg(lambda a: bool((a == "dynamic").all()))
    reach = li.groupby("campaign_id")["forecast"].sum()
    chosen: list[int] = []
    for _, g in camps.groupby("tenant_id", sort=False):
        ok = g[g["campaign_id"].map(dynamic).fillna(False).astype(bool).to_numpy()]
        top = ok.assign(r=ok["campaign_id"].map(reach).to_numpy()).sort_values(
            ["r", "campaign_id"], ascending=[False, True], kind="stable")
        chosen += top.index[:PER_TENANT].tolist()
    rows, assign = [], []
    for k, ci in enumerate(chosen):
        c = camps.iloc[ci]
        test_type, arms = DESIGNS[k % len(DESIGNS)]
        eid = f"ex{k + 1:03d}"
        share = np.array([a.share for a in arms])
        u = stream(seed, "experiments", k).random(n_households)
        assign.append(np.searchsorted(np.cumsum(share / share.sum())[:-1], u, side="right"))
        for j, a in enumerate(arms):
            rows.append({
                "exp": k, "experiment_id": eid, "tenant_id": c["tenant_id"],
                "campaign_id": c["campaign_id"], "campaign": ci, "test_type": test_type,
                "variant_id": a.variant_id, "is_control": "true" if j == 0 else "false",
                "creative_id": f"cr-{eid}-{a.variant_id}", "offer": a.offer,
                "promo_code": "", "allocation_share": a.share,
                "start_date": str(c["start_date"]), "end_date": str(c["end_date"]),
                "primary_metric": "order", "visit_multiplier": a.visit_mult,
                "order_multiplier": a.order_mult})
    frame = pd.DataFrame(rows, columns=["exp", "campaign", "visit_multiplier",
                                        "order_multiplier", *COLUMNS[:13]])
    frame["row"] = np.arange(len(frame))
    exp_of_campaign = np.full(len(camps), -1, dtype=np.int64)
    exp_of_campaign[np.array(chosen, dtype=np.int64)] = np.arange(len(chosen))
    camp_idx = li["campaign_id"].map(pd.Series(np.arange(len(camps)),
                                               index=camps["campaign_id"])).to_numpy()
    return Experiments(frame, np.array(chosen, dtype=np.int64),
                       np.array(assign, dtype=np.int64).reshape(len(chosen), n_households),
                       exp_of_campaign, exp_of_campaign[camp_idx])


def _delay_cdf(seconds: np.ndarray) -> np.ndarray:
    """P(a response comes within `seconds` of the exposure) (conversions.response_delay)."""
    s = np.maximum(seconds.astype(float), 1.0)
    z = np.log(s / SLOW_MEDIAN) / (SLOW_SIGMA * math.sqrt(2))
    slow = 0.5 * (1 + np.vectorize(math.erf)(z))
    return P_FAST * (1 - np.exp(-s / FAST_MEAN)) + (1 - P_FAST) * slow


def _unit_rates(x: Experiments, k: int, units: pd.DataFrame, camps: pd.DataFrame,
                sponsors: pd.DataFrame, t_end: int) -> np.ndarray:
    """(units, arms) probability that each exposed household orders from the sponsor
    within the attribution window after its first exposure, under each arm."""
    c = camps.iloc[int(x.campaign[k])]
    sp = sponsors.iloc[int(c["sponsor_idx"])]
    span = np.minimum(int(c["attribution_window_days"]) * 86400,
                      t_end - units["t"].to_numpy())
    arms = x.frame[x.frame["exp"] == k]
    inc = (np.outer(_delay_cdf(span), arms["visit_multiplier"] * arms["order_multiplier"])
           * sp["p_visit"] * sp["p_order"])
    organic = 1 - np.exp(-P_ORGANIC_VISIT_30D / (30 * 86400) * span * sp["p_order"])
    return 1 - (1 - np.minimum(inc, 1.0)) * (1 - organic)[:, None]


def plan(seed: int, x: Experiments, exposures: pd.DataFrame, camps: pd.DataFrame,
         sponsors: pd.DataFrame, t_end: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The landing rows (bookings/experiments.csv) and the truth (experiments.csv).

    `exposures`: one row per household x campaign index with its first exposure (t)."""
    rng = stream(seed, "experiment plans")
    camps = camps.reset_index(drop=True)
    z = NormalDist().inv_cdf(1 - ALPHA / 2) + NormalDist().inv_cdf(POWER)
    land, truth = [], []
    for k in range(len(x.campaign)):
        units = exposures[exposures["campaign"].to_numpy() == x.campaign[k]]
        arms = x.frame[x.frame["exp"] == k].reset_index(drop=True)
        rates = _unit_rates(x, k, units, camps, sponsors, t_end)
        p = rates.mean(axis=0) if len(units) else np.zeros(len(arms))
        n_arm = len(units) * arms["allocation_share"].min() * rng.uniform(*FORECAST_ERROR)
        n_plan = max(10, int(float(f"{n_arm:.2g}")))
        p0 = max(float(p[0]), 1e-4)
        mde = z * math.sqrt(2 * p0 * (1 - p0) / n_plan) / p0
        looks = int(rng.integers(*LOOKS))
        land.append(arms.assign(minimum_detectable_effect=round(mde, 2),
                                planned_units_per_variant=n_plan, planned_looks=looks))
        hh = units["hh"].to_numpy()
        for j, a in arms.iterrows():
            truth.append({
                "experiment_id": a["experiment_id"], "campaign_id": a["campaign_id"],
                "variant_id": a["variant_id"], "is_control": a["is_control"] == "true",
                "units": int((x.assign[k, hh] == j).sum()),
                "visit_multiplier": a["visit_multiplier"],
                "order_multiplier": a["order_multiplier"],
                "true_conversion_rate": round(float(p[j]), 8),
                "true_difference": round(float(p[j] - p[0]), 8),
                "true_relative_difference": round(float(p[j] / p[0] - 1), 6) if p[0] else None,
                "notes": "mean over every household the campaign reached of P(an order from "
                         "the sponsor within the attribution window after its first "
                         "exposure) under this arm; other campaigns of the sponsor add to "
                         "both arms alike"})
    frame = (pd.concat(land, ignore_index=True) if land
             else pd.DataFrame(columns=COLUMNS))
    return frame[COLUMNS], pd.DataFrame(truth, columns=TRUTH_COLUMNS)
