"""Sponsors, campaigns, promo codes, line items and the ad slots inside episodes.

CPMs: ~$18 (pre/post, 30 s) to ~$25-27 (mid-roll, 60 s), AdvertiseCast podcast CPM survey
and IAB/PwC US Podcast Advertising Revenue reports. Ad load 6-10% of episode time (IAB ad
load guidance; typical 3-5 min per 40-60 min episode). Attribution windows mostly 30 days
(IAB Podcast Attribution guidance default), some 7/14/60.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.synth.catalog import Catalog
from ingest.synth.rng import stream

POSITIONS = ("pre", "mid", "post")
CPM_BY_POSITION = {"pre": (18.0, 20.0), "mid": (24.0, 27.0), "post": (17.0, 19.0)}
SPONSORS = (
    ("Brightmug Coffee", "food & drink", "Direct-to-consumer coffee subscription", "brightmug"),
    ("Nimbus VPN", "software", "Privacy VPN for people who travel", "nimbusvpn"),
    ("Fernleaf Mattress", "home", "Mattress in a box with a 100-night trial", "fernleaf"),
    ("Kettle & Co Meal Kits", "food & drink", "Weekly meal kits for busy families", "kettleco"),
    ("Ledgerly", "finance", "Bookkeeping app for freelancers", "ledgerly"),
    ("Stride Shoes", "apparel", "Running shoes made from recycled materials", "strideshoes"),
    ("Quill Learning", "education", "Online language courses", "quill"),
    ("Harbor Pet Food", "pets", "Fresh dog food delivered", "harborpet"),
)


@dataclass
class Bookings:
    sponsors: pd.DataFrame
    campaigns: pd.DataFrame
    codes: pd.DataFrame
    line_items: pd.DataFrame
    baked: pd.DataFrame  # ad_positions rows
    slot_start: np.ndarray  # (episodes, 3) byte positions of the ad slots
    slot_end: np.ndarray
    baked_li: np.ndarray  # (episodes, 3) line item index baked in that slot, -1 if none


def _slots(ep: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    bps = (ep["bitrate"].to_numpy() // 8).astype(np.int64)
    hdr = ep["header_true"].to_numpy().astype(np.int64)
    dur = ep["duration"].to_numpy().astype(np.int64)
    size = ep["size"].to_numpy().astype(np.int64)
    mid_len = np.clip(np.round(0.05 * dur / 30) * 30, 60, 180).astype(np.int64)
    start = np.stack([hdr, hdr + (dur // 2) * bps, size - 40 * bps], axis=1)
    end = start + np.stack([30 * bps, mid_len * bps, 30 * bps], axis=1)
    short = dur < 600  # trailers and shorts carry no ads
    start[short] = 0
    end[short] = 0
    return start, end


def build_bookings(seed: int, cat: Catalog) -> Bookings:
    rng = stream(seed, "bookings")
    shows = cat.shows
    logged = shows[shows["hosting_provider"] == ""]
    sp_rows, camp_rows, code_rows, li_rows = [], [], [], []
    tenants = list(dict.fromkeys(shows["tenant_id"]))
    n_sp = 0
    for t in tenants:
        t_shows = logged[logged["tenant_id"] == t]
        for _ in range(3):
            name, catg, brief, dom = SPONSORS[n_sp % len(SPONSORS)]
            sid = f"sp{n_sp + 1:03d}"
            n_sp += 1
            sp_rows.append({"tenant_id": t, "sponsor_id": sid, "name": name,
                            "category": catg, "brief": brief, "domain": f"{dom}.example"})
            if t_shows.empty:
                continue
            cid = f"c{len(camp_rows) + 1:04d}"
            s_day = int(rng.integers(0, max(1, cat.days // 3)))
            e_day = int(min(cat.days - 1, s_day + rng.integers(cat.days // 2, cat.days + 1)))
            model = str(rng.choice(["cpm", "cpm", "cpm", "flat", "cpa"]))
            window = int(rng.choice([30, 30, 30, 30, 7, 14, 60]))
            chosen = t_shows.sample(n=min(len(t_shows), int(rng.integers(1, 4))),
                                    random_state=int(rng.integers(1 << 31)))
            booked_total = 0
            for s in chosen.itertuples():
                for pos in rng.choice(POSITIONS, int(rng.integers(1, 3)), replace=False):
                    lo, hi = CPM_BY_POSITION[str(pos)]
                    booked = int(rng.integers(2, 40)) * 1000
                    booked_total += booked
                    li_rows.append({
                        "line_item_id": f"li{len(li_rows) + 1:05d}", "campaign_id": cid,
                        "show_id": s.show_id, "show_idx": s.Index, "position": str(pos),
                        "ad_type": "baked" if rng.random() < 0.3 else "dynamic",
                        "rate": round(float(rng.uniform(lo, hi)), 2)
                        if model != "flat" else float(rng.integers(5, 40) * 100),
                        "booked_impressions": booked,
                    })
            budget = round(booked_total * 22.0 / 1000, 2) if model != "flat" else float(
                sum(r["rate"] for r in li_rows if r["campaign_id"] == cid))
            start = cat.start + dt.timedelta(days=s_day)
            camp_rows.append({
                "tenant_id": t, "campaign_id": cid, "sponsor_id": sid,
                "name": f"{name.split()[0]} {start:%B} push", "start_date": start,
                "end_date": cat.start + dt.timedelta(days=e_day), "budget": budget,
                "currency": "USD", "pricing_model": model,
                "booked_impressions": booked_total if model == "cpm" else None,
                "cpa_rate": float(rng.integers(15, 45)) if model == "cpa" else None,
                "attribution_window_days": window, "start_day": s_day, "end_day": e_day,
            })
            word = name.split()[0].upper()[:6]
            code_rows.append({"campaign_id": cid, "code_type": "promo_code",
                              "code": f"{word}{int(rng.choice([10, 15, 20, 25]))}"
                              + f"{len(camp_rows):02d}"})
            code_rows.append({"campaign_id": cid, "code_type": "vanity_url",
                              "code": f"https://{dom}.example/{chosen.iloc[0]['show_id']}"})
    li = _resolve_conflicts(pd.DataFrame(li_rows))
    campaigns = pd.DataFrame(camp_rows)
    start, end = _slots(cat.episodes)
    baked, baked_li = _baked(cat, campaigns, li, start, end)
    campaigns["booked_impressions"] = campaigns["booked_impressions"].astype("Int64")
    return Bookings(pd.DataFrame(sp_rows), campaigns, pd.DataFrame(code_rows), li, baked,
                    start, end, baked_li)


def _resolve_conflicts(li: pd.DataFrame) -> pd.DataFrame:
    """A (show, position) slot is either host-read (baked) or dynamic, never both."""
    first = li.groupby(["show_id", "position"])["ad_type"].transform("first")
    li["ad_type"] = first
    return li.reset_index(drop=True)


def _baked(cat: Catalog, camps: pd.DataFrame, li: pd.DataFrame, start: np.ndarray,
           end: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    ep = cat.episodes
    baked_li = np.full((len(ep), 3), -1, dtype=np.int64)
    pub_day = (ep["pub_ts"].to_numpy() - cat.t0) // 86400
    rows = []
    flights = camps.set_index("campaign_id")[["start_day", "end_day"]]
    for i, r in enumerate(li.itertuples()):
        if r.ad_type != "baked":
            continue
        s_day, e_day = flights.loc[r.campaign_id]
        p = POSITIONS.index(r.position)
        hit = np.flatnonzero((ep["show_idx"].to_numpy() == r.show_idx) & (pub_day >= s_day)
                             & (pub_day <= e_day) & (end[:, p] > 0) & (baked_li[:, p] < 0))
        baked_li[hit, p] = i
        for e in hit:
            rows.append({"show_id": r.show_id, "episode_guid": ep["episode_guid"].iat[e],
                         "campaign_id": r.campaign_id, "line_item_id": r.line_item_id,
                         "position": r.position, "byte_start": int(start[e, p]),
                         "byte_end": int(end[e, p])})
    cols = ["show_id", "episode_guid", "campaign_id", "line_item_id", "position",
            "byte_start", "byte_end"]
    return pd.DataFrame(rows, columns=cols), baked_li


def dynamic_table(cat: Catalog, b: Bookings, day: int) -> tuple[np.ndarray, np.ndarray]:
    """(shows, 3, k) dynamic line-item indices active on `day`, and their counts."""
    li = b.line_items
    flights = b.campaigns.set_index("campaign_id")
    active = [
        i for i, r in enumerate(li.itertuples())
        if r.ad_type == "dynamic"
        and flights.at[r.campaign_id, "start_day"] <= day <= flights.at[r.campaign_id, "end_day"]
    ]
    n_shows = len(cat.shows)
    k = max(1, len(active))
    table = np.full((n_shows, 3, k), -1, dtype=np.int64)
    count = np.zeros((n_shows, 3), dtype=np.int64)
    for i in active:
        s, p = int(li["show_idx"].iat[i]), POSITIONS.index(li["position"].iat[i])
        table[s, p, count[s, p]] = i
        count[s, p] += 1
    return table, count
