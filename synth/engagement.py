"""Platform engagement: follows, unfollows, comments, shares; subscriptions; partner
programme; feature rollouts with a known true effect.

Rates are per subscriber per day, small (follow ~1%, share ~0.4%); comments, once enabled,
~0.6%. True effect of enabling comments: +25% follows (recorded in feature_effects.csv).
Subscription prices $3-8/month (Apple Podcasts Subscriptions / Supercast price points).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.catalog import Catalog
from synth.listeners import Population
from synth.rng import stream
from synth.writers import iso

FOLLOW_RATE, UNFOLLOW_SHARE, SHARE_RATE, COMMENT_RATE = 0.01, 0.3, 0.004, 0.006
COMMENTS_EFFECT_ON_FOLLOWS = 0.25


def rollouts(cat: Catalog) -> pd.DataFrame:
    """Comments switched on for every other show of each tenant, at staggered days (within a
    tenant, so each tenant has treated and never-treated shows to compare)."""
    shows = cat.shows.reset_index(drop=True)
    pick = shows.index[shows.groupby("tenant_id").cumcount().to_numpy() % 2 == 0]
    # enabled through the middle half of the window, so every treated show has days before
    # and after its switch (for the estimate and for the event study's pre-trend test)
    first, span = max(2, cat.days // 4), max(1, cat.days // 2)
    days = first + (np.arange(len(pick)) * 3) % span
    return pd.DataFrame({"tenant_id": shows.loc[pick, "tenant_id"].to_numpy(),
                         "show_idx": pick, "show_id": shows.loc[pick, "show_id"].to_numpy(),
                         "feature": "comments",
                         "enabled_ts": cat.t0 + days.astype(np.int64) * 86400})


def events(seed: int, cat: Catalog, pop: Population, ro: pd.DataFrame,
           follow_multiplier: np.ndarray | None = None) -> pd.DataFrame:
    """Engagement events; `follow_multiplier` (per show) scales the follow rate, e.g. by
    creator analytics' true effect."""
    rng = stream(seed, "engagement")
    subs = np.diff(pop.sub_start)
    ep = cat.episodes
    n_days = cat.days
    enabled = np.full(len(cat.shows), np.iinfo(np.int64).max)
    enabled[ro["show_idx"].to_numpy()] = ro["enabled_ts"].to_numpy()
    s_idx = np.repeat(np.arange(len(cat.shows)), n_days)
    d_idx = np.tile(np.arange(n_days), len(cat.shows))
    day_t0 = cat.t0 + d_idx * 86400
    on = day_t0 >= enabled[s_idx]
    sub = subs[s_idx].astype(float)
    boost = np.ones(len(cat.shows)) if follow_multiplier is None else follow_multiplier
    comments_factor = np.where(on, 1 + COMMENTS_EFFECT_ON_FOLLOWS, 1.0)
    lam = {
        "follow": sub * FOLLOW_RATE * boost[s_idx] * comments_factor,
        "unfollow": sub * FOLLOW_RATE * UNFOLLOW_SHARE,
        "share": sub * SHARE_RATE,
        "comment": np.where(on, sub * COMMENT_RATE, 0.0),
    }
    parts = []
    for etype, rate in lam.items():
        k = rng.poisson(rate)
        rs = np.repeat(s_idx, k)
        t = np.repeat(day_t0, k) + rng.integers(0, 86400, k.sum())
        parts.append(pd.DataFrame({"s": rs, "t": t, "event_type": etype}))
    df = pd.concat(parts, ignore_index=True).sort_values(["t", "s", "event_type"],
                                                         kind="stable")
    s = df["s"].to_numpy()
    lo, cnt = pop.sub_start[s], subs[s]
    user = pop.sub_listener[lo + (rng.random(len(df)) * np.maximum(cnt, 1)).astype(np.int64)]
    # the latest episode of the show released before the event
    order = np.lexsort((ep["pub_ts"].to_numpy(), ep["show_idx"].to_numpy()))
    comp_ep = ep["show_idx"].to_numpy()[order] * 10**10 + ep["pub_ts"].to_numpy()[order]
    i = np.searchsorted(comp_ep, s * 10**10 + df["t"].to_numpy(), side="right") - 1
    ok = (i >= 0) & (ep["show_idx"].to_numpy()[order][np.maximum(i, 0)] == s)
    guid = np.where(ok & df["event_type"].isin(["comment", "share"]).to_numpy(),
                    ep["episode_guid"].to_numpy()[order][np.maximum(i, 0)], "")
    return pd.DataFrame({
        "tenant_id": cat.shows["tenant_id"].to_numpy()[s], "event_at": iso(df["t"].to_numpy()),
        "event_type": df["event_type"].to_numpy(),
        "show_id": cat.shows["show_id"].to_numpy()[s], "episode_guid": guid,
        "user_id": [f"u{x:07d}" for x in user],
    })


def subscriptions(seed: int, cat: Catalog, pop: Population) -> pd.DataFrame:
    rng = stream(seed, "subscriptions")
    rows = []
    t_end = cat.t0 + cat.days * 86400
    for s in cat.shows.itertuples():
        lo, hi = pop.sub_start[s.Index], pop.sub_start[s.Index + 1]
        k = rng.binomial(hi - lo, 0.01)
        users = pop.sub_listener[lo + rng.choice(hi - lo, k, replace=False)] if k else []
        for u in users:
            start = cat.t0 + int(rng.integers(-60 * 86400, cat.days * 86400))
            end = start + int(rng.integers(5, 90) * 86400) if rng.random() < 0.2 else None
            plan = "premium" if rng.random() < 0.3 else "supporter"
            rows.append({"tenant_id": s.tenant_id, "show_id": s.show_id,
                         "user_id": f"u{u:07d}", "st": start,
                         "en": end if end and end < t_end else None,
                         "plan": plan, "monthly_price": 8.0 if plan == "premium" else 5.0,
                         "currency": "USD"})
    df = pd.DataFrame(rows).sort_values(["st", "show_id", "user_id"], kind="stable")
    df["subscription_id"] = [f"sub{i + 1:06d}" for i in range(len(df))]
    df["started_at"] = iso(df["st"].to_numpy())
    en = df["en"].to_numpy(dtype=float)
    df["ended_at"] = np.where(np.isnan(en), "", iso(np.nan_to_num(en).astype(np.int64)))
    return df


def partner_program(seed: int, cat: Catalog, pop: Population) -> pd.DataFrame:
    rng = stream(seed, "partner")
    rows = []
    t_end = cat.t0 + cat.days * 86400
    subs = np.diff(pop.sub_start)
    for s in cat.shows.itertuples():
        if s.Index % 3 == 2:
            continue
        early = s.Index % 3 == 0  # joined before the world; else during it
        base = cat.t0 - 40 * 86400 if early else cat.t0 + int(rng.integers(0, 3)) * 86400
        steps = [("eligible", 0), ("applied", 2), ("approved", 4), ("active", 5)]
        for status, d in steps:
            t = base + d * 86400 + int(rng.integers(0, 86400))
            if t < t_end:
                rows.append((s.tenant_id, s.show_id, t, status, None))
        active = base + 6 * 86400
        m = pd.Timestamp(active, unit="s").to_period("M").to_timestamp() + pd.DateOffset(
            months=1)
        while int(m.timestamp()) < t_end:  # monthly payouts on the 1st
            amount = round(float(subs[s.Index]) * rng.uniform(0.04, 0.08), 2)
            rows.append((s.tenant_id, s.show_id, int(m.timestamp()), "payout", amount))
            m += pd.DateOffset(months=1)
    df = pd.DataFrame(rows, columns=["tenant_id", "show_id", "t", "status", "amount"])
    df = df.sort_values(["t", "show_id"], kind="stable")
    df["event_at"] = iso(df["t"].to_numpy())
    df["currency"] = "USD"
    return df
