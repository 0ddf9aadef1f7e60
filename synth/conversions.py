"""Advertiser site visits, orders and post-purchase surveys, with a known causal effect.

Response model (Podscribe / Claritas podcast attribution benchmarks): a household exposed
to a campaign visits the sponsor's site within the attribution window with the sponsor's
probability (`bookings.Sponsor.p_visit`, ~0.5-2%), about a third of responses in the first
24 h and ~87% by day 30. Delay from the first exposure = mixture: 25% Exp(mean 6 h), 75%
lognormal(median 7 d, sigma 1.54) -> P(<24 h) ~ 0.31, P(<30 d) ~ 0.87. Each campaign a
household heard is its own chance to respond, so households reached by several campaigns
of a sponsor respond more and carry several campaigns' touches. A visit orders with the
sponsor's probability; first orders are lognormal around the sponsor's median. Organic
visits and orders happen to every household at the same base rate, independent of
exposure, so exposed vs unexposed comparisons identify the lift; an organic buyer who heard
one of the sponsor's campaigns uses its promo code or names its show in the survey more
often than one who did not (the ad is credited with a purchase it did not cause, as
attribution does), and codes leak to coupon sites.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from synth.listeners import N_VARIANTS, Population
from synth.rng import stream
from synth.writers import iso

if TYPE_CHECKING:
    from synth.bookings import Bookings
    from synth.experiments import Experiments

P_ORGANIC_VISIT_30D = 0.005  # any household, per sponsor and 30 days
P_VANITY, P_UTM = 0.25, 0.35  # a responder lands on the vanity URL / a UTM-tagged link
# A buyer uses a campaign's promo code / answers the survey with its show: responders
# often; organic buyers who heard the campaign anyway sometimes (the ad gets credit for a
# purchase it did not cause); other organic buyers rarely (codes leak to coupon sites).
P_PROMO = {"responder": 0.40, "heard": 0.25, "other": 0.01}
P_SURVEY_PODCAST = {"responder": 0.50, "heard": 0.30, "other": 0.02}
P_SURVEY = 0.3  # buyers who answer the post-purchase survey
ORDER_VALUE_SIGMA = 0.5
VISIT_UAS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
)
OTHER_ANSWERS = np.array(["Instagram", "Friend or family", "Google search", "YouTube",
                          "Other"])


@dataclass
class ConversionData:
    # Besides the landing columns, each frame keeps the generator's view for the ground
    # truth: household (hh), epoch seconds, campaign indices (-1: none).
    visits: pd.DataFrame  # + hh, t, tag_campaign, tag (utm / vanity / empty)
    orders: pd.DataFrame  # + hh, ot, sponsor, campaign, code_campaign, inc, kind
    surveys: pd.DataFrame  # + show_id named in the answer (empty: not a podcast)
    incrementality: pd.DataFrame


P_FAST, FAST_MEAN = 0.25, 6 * 3600  # seconds
SLOW_MEDIAN, SLOW_SIGMA = 7 * 86400, 1.54


def response_delay(rng: np.random.Generator, n: int) -> np.ndarray:
    fast = rng.random(n) < P_FAST
    d = np.where(fast, rng.exponential(FAST_MEAN, n),
                 rng.lognormal(np.log(SLOW_MEDIAN), SLOW_SIGMA, n))
    return d.astype(np.int64)


def delay_pmf(days: int) -> np.ndarray:
    """P(the response delay falls in day k after the exposure), k < days."""
    t = np.arange(1, days + 1) * 86400.0
    slow = np.array([0.5 * (1 + math.erf(math.log(x / SLOW_MEDIAN) / (SLOW_SIGMA * 2 ** 0.5)))
                     for x in t])
    cdf = P_FAST * (1 - np.exp(-t / FAST_MEAN)) + (1 - P_FAST) * slow
    return np.diff(np.concatenate([[0.0], cdf]))


def live_campaign(camps: pd.DataFrame, sponsor: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The sponsor's campaign live on `day` (the latest started on or before it, else its
    first): the one an organic buyer's coupon or survey answer would name. -1: none."""
    out = np.full(len(sponsor), -1, dtype=np.int64)
    for si in np.unique(sponsor):
        idx = np.flatnonzero(camps["sponsor_idx"].to_numpy() == si)
        if not len(idx):
            continue
        idx = idx[np.argsort(camps["start_day"].to_numpy()[idx], kind="stable")]
        at = sponsor == si
        k = np.searchsorted(camps["start_day"].to_numpy()[idx], day[at], side="right") - 1
        out[at] = idx[np.maximum(k, 0)]
    return out


def heard_campaign(exposures: pd.DataFrame, sp_of_c: np.ndarray, hh: np.ndarray,
                   sponsor: np.ndarray, t: np.ndarray) -> np.ndarray:
    """For each (household, sponsor, time): the sponsor's campaign the household heard
    most recently before that time (by first exposure), -1 if none."""
    ex = exposures[np.isin(exposures["hh"].to_numpy(), hh)]
    q = pd.DataFrame({"hh": hh, "sponsor": sponsor, "t": t, "row": np.arange(len(hh))})
    m = q.merge(pd.DataFrame({"hh": ex["hh"].to_numpy(), "campaign": ex["campaign"].to_numpy(),
                              "sponsor": sp_of_c[ex["campaign"].to_numpy()],
                              "t_ex": ex["t"].to_numpy()}), on=["hh", "sponsor"])
    m = m[m["t_ex"] <= m["t"]].sort_values(["row", "t_ex", "campaign"])
    out = np.full(len(hh), -1, dtype=np.int64)
    last = m.drop_duplicates("row", keep="last")
    out[last["row"].to_numpy()] = last["campaign"].to_numpy()
    return out


def build_conversions(seed: int, b: Bookings, pop: Population, exposures: pd.DataFrame,
                      t0: int, days: int, show_titles: dict[str, str],
                      spike: tuple[int, int, int],
                      xp: Experiments | None = None,
                      injected: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                      ) -> ConversionData:
    """`exposures`: one row per household x campaign index, first (t) and last (t_last)
    time a session played one of its ads. `xp`: the declared A/B tests, whose variants
    scale the response of their campaign's households (same draws, other thresholds).
    `injected`: more organic visits (times, households, sponsor indexes), the injected
    conversion spikes (synth/injected.py)."""
    rng = stream(seed, "conversions")
    t_end = t0 + days * 86400
    camps = b.campaigns.reset_index(drop=True)
    sp = b.sponsors.reset_index(drop=True)
    sp_of_c = camps["sponsor_idx"].to_numpy()
    win_of_c = camps["attribution_window_days"].to_numpy().astype(np.int64) * 86400
    n_hh = pop.n_households
    # incremental: every household x campaign exposure is a chance to respond
    c = exposures["campaign"].to_numpy()
    visit_mult = (1.0 if xp is None else
                  xp.multipliers(c, exposures["hh"].to_numpy(), "visit_multiplier"))
    resp = rng.random(len(c)) < sp["p_visit"].to_numpy()[sp_of_c[c]] * visit_mult
    delay = response_delay(rng, len(c))
    vt = exposures["t"].to_numpy() + delay
    keep = resp & (delay < win_of_c[c]) & (vt < t_end)
    ev = [pd.DataFrame({"hh": exposures["hh"].to_numpy()[keep], "campaign": c[keep],
                        "t": vt[keep], "inc": True, "sponsor": sp_of_c[c[keep]]})]
    inc_visits = np.bincount(c[keep], minlength=len(camps))
    n_org = rng.binomial(n_hh, P_ORGANIC_VISIT_30D * days / 30, len(sp))
    org_t, org_hh, org_sp = [], [], []
    for si, k in enumerate(n_org):
        t = t0 + rng.integers(0, days * 86400, k)
        if si == spike[0]:  # conversion spike anomaly: extra organic visitors on one day
            extra = t0 + spike[1] * 86400 + rng.integers(0, 86400, spike[2])
            t = np.concatenate([t, extra])
        org_t.append(t)
        org_hh.append(rng.integers(0, n_hh, len(t)))
        org_sp.append(np.full(len(t), si))
    if injected is not None:
        for parts, arr in zip((org_t, org_hh, org_sp), injected, strict=True):
            parts.append(arr)
    t, hh, s_arr = (np.concatenate(x) for x in (org_t, org_hh, org_sp))
    heard = heard_campaign(exposures, sp_of_c, hh, s_arr, t)
    ev.append(pd.DataFrame({
        "hh": hh, "t": t, "inc": False, "sponsor": s_arr, "heard": heard >= 0,
        "campaign": np.where(heard >= 0, heard, live_campaign(camps, s_arr, (t - t0) // 86400))}))
    e = pd.concat(ev, ignore_index=True)
    e["heard"] = e["heard"].fillna(False).astype(bool)
    e = e.sort_values(["t", "hh", "sponsor"], kind="stable").reset_index(drop=True)
    n = len(e)
    inc = e["inc"].to_numpy()
    camp = e["campaign"].to_numpy()
    spon = e["sponsor"].to_numpy()
    cid = np.where(camp >= 0, camps["campaign_id"].to_numpy()[np.maximum(camp, 0)], "")
    spid = sp["sponsor_id"].to_numpy()[spon]
    home = "https://" + sp["domain"].to_numpy()[spon]
    codes = b.codes.pivot(index="campaign_id", columns="code_type", values="code")
    vanity = codes.reindex(cid)["vanity_url"].fillna("").to_numpy()
    promo = codes.reindex(cid)["promo_code"].fillna("").to_numpy()
    u = rng.random(n)
    tag = np.where(inc & (u < P_VANITY), "vanity",
                   np.where(inc & (u < P_VANITY + P_UTM), "utm", ""))
    utm = home + "/?utm_source=podcast&utm_medium=audio&utm_campaign=" + cid
    url = np.where(tag == "vanity", vanity, np.where(tag == "utm", utm, home + "/"))
    ip = np.asarray(pop.ip_strings.take(e["hh"].to_numpy() * N_VARIANTS).to_pylist())
    visits = pd.DataFrame({
        "sponsor_id": spid, "visited_at": iso(e["t"].to_numpy()), "ip": ip,
        "user_agent": np.array(VISIT_UAS)[rng.integers(0, 3, n)], "url": url,
        "referer": np.where(rng.random(n) < 0.3, "https://www.google.com/", ""),
        "hh": e["hh"].to_numpy(), "t": e["t"].to_numpy(),
        "tag_campaign": np.where(tag != "", camp, -1), "tag": tag,
    })
    order_mult = (1.0 if xp is None else
                  xp.multipliers(np.where(inc, camp, -1), e["hh"].to_numpy(), "order_multiplier"))
    buy = rng.random(n) < sp["p_order"].to_numpy()[spon] * order_mult
    ot = e["t"].to_numpy() + rng.exponential(1200, n).astype(np.int64) + 30
    buy &= ot < t_end
    code_u = rng.random(n)
    kind = np.where(inc, "responder", np.where(e["heard"], "heard", "other"))
    use_code = (code_u < pd.Series(kind).map(P_PROMO).to_numpy()) & (promo != "")
    value = sp["order_value"].to_numpy()[spon]
    orders = pd.DataFrame({
        "sponsor_id": spid, "ot": ot,
        "revenue": np.round(rng.lognormal(np.log(value), ORDER_VALUE_SIGMA, n), 2),
        "currency": "USD", "discount_code": np.where(use_code, promo, ""),
        "landing_url": np.where(tag == "vanity", vanity, home + "/"), "buyer_ip": ip,
        "inc": inc, "campaign": camp, "code_campaign": np.where(use_code, camp, -1),
        "sponsor": spon, "hh": e["hh"].to_numpy(), "kind": kind,
    })[buy].sort_values(["ot", "buyer_ip"], kind="stable").reset_index(drop=True)
    orders["order_id"] = [f"o{i + 1:07d}" for i in range(len(orders))]
    orders["ordered_at"] = iso(orders["ot"].to_numpy())
    first_show = b.line_items.groupby("campaign_id")["show_id"].first()
    surveys = _surveys(rng, orders, camps, first_show, show_titles)
    incr = _incrementality(camps, orders, inc_visits, sp, n_hh, days)
    return ConversionData(visits, orders, surveys, incr)


def _surveys(rng: np.random.Generator, orders: pd.DataFrame, camps: pd.DataFrame,
             first_show: pd.Series, titles: dict[str, str]) -> pd.DataFrame:
    ans = rng.random(len(orders)) < P_SURVEY
    o = orders[ans]
    pod = rng.random(len(o)) < o["kind"].map(P_SURVEY_PODCAST).to_numpy()
    pod &= o["campaign"].to_numpy() >= 0
    cid = camps["campaign_id"].to_numpy()[np.maximum(o["campaign"].to_numpy(), 0)]
    show = np.where(pod, first_show.reindex(cid).fillna("").to_numpy(), "")
    named = np.array([titles.get(s, "a podcast") for s in show], dtype=object)
    answer = np.where(pod, "Podcast: " + named,
                      OTHER_ANSWERS[rng.integers(0, len(OTHER_ANSWERS), len(o))])
    return pd.DataFrame({
        "sponsor_id": o["sponsor_id"], "order_id": o["order_id"],
        "answered_at": iso(o["ot"].to_numpy() + rng.integers(60, 1800, len(o))),
        "question": "How did you hear about us?", "answer": answer, "show_id": show,
    })


def _incrementality(camps: pd.DataFrame, orders: pd.DataFrame, inc_visits: np.ndarray,
                    sp: pd.DataFrame, n_hh: int, days: int) -> pd.DataFrame:
    """Per campaign, the response the generator drew: incremental visits, and the orders
    (revenue) the campaign's ads caused. What exposed-vs-unexposed comparisons estimate is
    added with the ground truth (`touches.exposed_outcomes`)."""
    caused = orders[orders["inc"]].groupby("campaign").agg(n=("order_id", "size"),
                                                           rev=("revenue", "sum"))
    p_org = P_ORGANIC_VISIT_30D * days / 30
    rows = []
    for ci, c_row in camps.iterrows():
        s = sp.iloc[int(c_row.sponsor_idx)]
        rows.append({
            "campaign_id": c_row.campaign_id, "sponsor_id": c_row.sponsor_id,
            "households": n_hh,
            "baseline_rate": round(p_org * s.p_order, 8),
            "baseline_visit_rate": round(p_org, 8),
            "incremental_visit_probability": s.p_visit,
            "true_incremental_visits": int(inc_visits[ci]),
            "true_incremental_conversions_caused": int(caused["n"].get(ci, 0)),
            "true_incremental_revenue_caused": round(float(caused["rev"].get(ci, 0.0)), 2),
            "attribution_window_days": int(c_row.attribution_window_days),
        })
    return pd.DataFrame(rows)
