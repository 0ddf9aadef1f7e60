"""Advertiser site visits, orders and post-purchase surveys, with a known causal effect.

Response model (Podscribe / Claritas podcast attribution benchmarks): ~2-3% of reached
households visit the advertiser within 30 days, about a third of responses in the first
24 h and ~87% by day 30. Delay = mixture: 25% Exp(mean 6 h), 75% lognormal(median 7 d,
sigma 1.54) -> P(<24 h) ~ 0.31, P(<30 d) ~ 0.87. Organic (unexposed) visits and orders
happen to every household at the same base rate, independent of exposure, so exposed vs
unexposed comparisons identify the lift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.synth.bookings import Bookings
from ingest.synth.listeners import N_VARIANTS, Population
from ingest.synth.rng import stream
from ingest.synth.writers import iso

P_INCREMENTAL_VISIT = 0.022  # exposed households, within the window
P_ORGANIC_VISIT_30D = 0.005  # any household, per 30 days
P_ORDER_GIVEN_VISIT = 0.30
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
    visits: pd.DataFrame
    orders: pd.DataFrame
    surveys: pd.DataFrame
    incrementality: pd.DataFrame


def response_delay(rng: np.random.Generator, n: int) -> np.ndarray:
    fast = rng.random(n) < 0.25
    d = np.where(fast, rng.exponential(6 * 3600, n),
                 rng.lognormal(np.log(7 * 86400), 1.54, n))
    return d.astype(np.int64)


def build_conversions(seed: int, b: Bookings, pop: Population, exposures: pd.DataFrame,
                      t0: int, days: int, show_titles: dict[str, str],
                      spike: tuple[int, int, int]) -> ConversionData:
    rng = stream(seed, "conversions")
    t_end = t0 + days * 86400
    camps = b.campaigns.reset_index(drop=True)
    codes = b.codes.pivot(index="campaign_id", columns="code_type", values="code")
    dom = b.sponsors.set_index("sponsor_id")["domain"]
    first_show = b.line_items.groupby("campaign_id")["show_id"].first()
    n_hh = pop.n_households
    ev = []  # (hh, sponsor_idx, campaign_idx or -1, visit_t, incremental)
    inc_rows = []
    for ci, c in camps.iterrows():
        ex = exposures[exposures["campaign"] == ci]
        win = int(c.attribution_window_days) * 86400
        resp = rng.random(len(ex)) < P_INCREMENTAL_VISIT
        delay = response_delay(rng, len(ex))
        vt = ex["t"].to_numpy() + delay
        keep = resp & (delay < win) & (vt < t_end)
        hh = ex["hh"].to_numpy()[keep]
        ev.append(pd.DataFrame({"hh": hh, "campaign": ci, "t": vt[keep], "inc": True}))
        inc_rows.append((ci, len(ex), int(keep.sum())))
    sponsors = b.sponsors["sponsor_id"].tolist()
    n_org = rng.binomial(n_hh, P_ORGANIC_VISIT_30D * days / 30, len(sponsors))
    for si, k in enumerate(n_org):
        ci = camps.index[camps["sponsor_id"] == sponsors[si]]
        cidx = int(ci[0]) if len(ci) else -1
        t = t0 + rng.integers(0, days * 86400, k)
        if si == spike[0]:  # conversion spike anomaly: extra organic visitors on one day
            extra = t0 + spike[1] * 86400 + rng.integers(0, 86400, spike[2])
            t = np.concatenate([t, extra])
        ev.append(pd.DataFrame({"hh": rng.integers(0, n_hh, len(t)), "campaign": cidx,
                                "t": t, "inc": False, "sponsor": si}))
    e = pd.concat(ev, ignore_index=True)
    sp_of_c = camps["sponsor_id"].map({s: i for i, s in enumerate(sponsors)}).to_numpy()
    e["sponsor"] = np.where(e["inc"], sp_of_c[np.maximum(e["campaign"], 0)],
                            e["sponsor"].fillna(-1)).astype(int)
    e = e.sort_values(["t", "hh", "sponsor"], kind="stable").reset_index(drop=True)
    n = len(e)
    cid = np.where(e["campaign"] >= 0, camps["campaign_id"].to_numpy()[
        np.maximum(e["campaign"], 0)], "")
    spid = np.array(sponsors)[e["sponsor"].to_numpy()]
    home = "https://" + dom[spid].to_numpy()
    vanity = codes.reindex(cid)["vanity_url"].fillna("").to_numpy()
    promo = codes.reindex(cid)["promo_code"].fillna("").to_numpy()
    u = rng.random(n)
    utm = home + "/?utm_source=podcast&utm_medium=audio&utm_campaign=" + cid
    url = np.where(e["inc"] & (u < 0.25), vanity,
                   np.where(e["inc"] & (u < 0.6), utm, home + "/"))
    ip = np.asarray(pop.ip_strings.take(e["hh"].to_numpy() * N_VARIANTS).to_pylist())
    visits = pd.DataFrame({
        "sponsor_id": spid, "visited_at": iso(e["t"].to_numpy()), "ip": ip,
        "user_agent": np.array(VISIT_UAS)[rng.integers(0, 3, n)], "url": url,
        "referer": np.where(rng.random(n) < 0.3, "https://www.google.com/", ""),
    })
    buy = rng.random(n) < P_ORDER_GIVEN_VISIT
    ot = e["t"].to_numpy() + rng.exponential(1200, n).astype(np.int64) + 30
    buy &= ot < t_end
    code_u = rng.random(n)
    disc = np.where(e["inc"] & (code_u < 0.4), promo,
                    np.where(~e["inc"] & (code_u < 0.03) & (promo != ""), promo, ""))
    orders = pd.DataFrame({
        "sponsor_id": spid, "ot": ot, "revenue": np.round(rng.lognormal(np.log(55), 0.5, n), 2),
        "currency": "USD", "discount_code": disc,
        "landing_url": np.where(url == vanity, vanity, home + "/"), "buyer_ip": ip,
        "inc": e["inc"].to_numpy(), "campaign": e["campaign"].to_numpy(),
    })[buy].sort_values(["ot", "buyer_ip"], kind="stable").reset_index(drop=True)
    orders["order_id"] = [f"o{i + 1:07d}" for i in range(len(orders))]
    orders["ordered_at"] = iso(orders["ot"].to_numpy())
    inc_orders = orders[orders["inc"]].groupby("campaign").agg(
        n=("order_id", "size"), rev=("revenue", "sum"))
    surveys = _surveys(rng, orders, camps, first_show, show_titles)
    incr = _incrementality(camps, inc_rows, inc_orders, n_hh, days)
    return ConversionData(visits, orders, surveys, incr)


def _surveys(rng: np.random.Generator, orders: pd.DataFrame, camps: pd.DataFrame,
             first_show: pd.Series, titles: dict[str, str]) -> pd.DataFrame:
    ans = rng.random(len(orders)) < 0.3
    o = orders[ans]
    pod = np.where(o["inc"], rng.random(len(o)) < 0.5, rng.random(len(o)) < 0.08)
    cid = camps["campaign_id"].to_numpy()[np.maximum(o["campaign"].to_numpy(), 0)]
    show = [titles.get(first_show.get(c, ""), "a podcast") for c in cid]
    answer = np.where(pod, "Podcast: " + np.array(show, dtype=object),
                      OTHER_ANSWERS[rng.integers(0, len(OTHER_ANSWERS), len(o))])
    return pd.DataFrame({
        "sponsor_id": o["sponsor_id"], "order_id": o["order_id"],
        "answered_at": iso(o["ot"].to_numpy() + rng.integers(60, 1800, len(o))),
        "question": "How did you hear about us?", "answer": answer,
    })


def _incrementality(camps: pd.DataFrame, inc_rows: list[tuple[int, int, int]],
                    inc_orders: pd.DataFrame, n_hh: int, days: int) -> pd.DataFrame:
    rows = []
    for ci, exposed, visits in inc_rows:
        c = camps.loc[ci]
        rows.append({
            "campaign_id": c.campaign_id, "sponsor_id": c.sponsor_id,
            "exposed_households": exposed, "households": n_hh,
            "baseline_rate": round(P_ORGANIC_VISIT_30D * days / 30 * P_ORDER_GIVEN_VISIT, 8),
            "baseline_visit_rate": round(P_ORGANIC_VISIT_30D * days / 30, 8),
            "incremental_visit_probability": P_INCREMENTAL_VISIT,
            "true_incremental_visits": visits,
            "true_incremental_conversions": int(inc_orders["n"].get(ci, 0)),
            "true_incremental_revenue": round(float(inc_orders["rev"].get(ci, 0.0)), 2),
            "attribution_window_days": int(c.attribution_window_days),
        })
    return pd.DataFrame(rows)
