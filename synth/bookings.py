"""Sponsors, campaigns, promo codes, line items and the ad slots inside episodes.

A network sells what its shows can deliver. Each sponsor runs one to three campaigns per
tenant, overlapping or one after the other, of three kinds: host reads (baked into the
episodes published during the flight, mid-roll, flat fee or CPM), a dynamic-insertion run
across shows (pre/post/mid, mostly CPM) and a performance deal (dynamic, paid per
acquisition).
Every line item is booked at its forecast: the impressions its show can deliver over the
flight (`sizing`), rounded as sales would; flat fees are that forecast priced at an
effective CPM; CPA payouts a share of the sponsor's first order.

CPMs: ~$15-20 (dynamic pre/post, 30 s) to ~$22-27 (dynamic mid-roll, 60 s), host reads at
a premium ($20-32), AdvertiseCast podcast CPM survey and IAB/PwC US Podcast Advertising
Revenue reports. Ad load 6-10% of episode time (IAB ad load guidance; typical 3-5 min per
40-60 min episode). Attribution windows mostly 30 days (IAB Podcast Attribution guidance
default), some 7/14/60. Sponsors' response rates and first-order values: DTC benchmarks
(site visit rates of ~0.5-2% of reached households, Podscribe / Claritas; e-commerce
conversion of visits 10-35%; first orders of subscriptions $15-60, of goods $50-150).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth import sizing
from synth.catalog import Catalog
from synth.conversions import P_ORGANIC_VISIT_30D, delay_pmf
from synth.rng import stream

POSITIONS = ("pre", "mid", "post")
CPM_DYNAMIC = {"pre": (16.0, 20.0), "mid": (22.0, 27.0), "post": (15.0, 18.0)}
CPM_HOST_READ = {"pre": (22.0, 28.0), "mid": (26.0, 32.0), "post": (20.0, 24.0)}
FLAT_ECPM = (20.0, 32.0)  # a flat fee is the forecast priced at this effective CPM
CPA_SHARE = (0.25, 0.5)  # CPA payout: this share of the sponsor's median first order
# Ad servers fill 45% of the dynamic slots live during a flight (sell-through of podcast
# DAI inventory is typically 40-70%, e.g. Megaphone / Acast publisher reports).
FILL_RATE = 0.45
HOST_READ, DAI, PERFORMANCE = "host reads", "DAI run", "performance"
# Sponsors run one to three campaigns per tenant; a later one is layered on the sponsor's
# anchor show (its first campaign's first show, another position) or sold on other shows.
P_CAMPAIGNS = (0.15, 0.45, 0.40)
P_LAYERED = 0.4
P_TWO_POSITIONS = 0.3  # a dynamic line-up takes two slots of a show, else one
SPONSORS_PER_TENANT = 4
# Converters that heard two or more campaigns of their sponsor: the plan sold is the one
# of PLANS drawn whose expected share (sizing.multi_campaign_share) is nearest this.
TARGET_MULTI_SHARE = 0.21
PLANS = 8
MIN_SHARE = 0.05  # a line item forecast below this share of its campaign is not sold
MIN_CAMPAIGN_SHARE = 0.15  # nor a campaign below this share of its tenant's mean


@dataclass(frozen=True)
class Sponsor:
    name: str
    category: str
    brief: str
    domain: str
    order_value: float  # median first-order revenue (lognormal, sigma 0.5)
    p_visit: float  # an exposed household visits within the attribution window
    p_order: float  # a visit orders


SPONSORS = (
    Sponsor("Brightmug Coffee", "food & drink", "Direct-to-consumer coffee subscription",
            "brightmug", 28.0, 0.012, 0.25),
    Sponsor("Nimbus VPN", "software", "Privacy VPN for people who travel", "nimbusvpn",
            45.0, 0.008, 0.15),
    Sponsor("Fernleaf Sleep", "home", "Organic cotton sheets and pillows with a 100-night "
            "trial", "fernleaf", 140.0, 0.008, 0.10),
    Sponsor("Kettle & Co Meal Kits", "food & drink", "Weekly meal kits for busy families",
            "kettleco", 60.0, 0.011, 0.20),
    Sponsor("Ledgerly", "finance", "Bookkeeping app for freelancers", "ledgerly", 18.0,
            0.008, 0.12),
    Sponsor("Stride Shoes", "apparel", "Running shoes made from recycled materials",
            "strideshoes", 120.0, 0.007, 0.10),
    Sponsor("Quill Learning", "education", "Online language courses", "quill", 30.0, 0.010,
            0.15),
    Sponsor("Harbor Pet Food", "pets", "Fresh dog food delivered", "harborpet", 50.0, 0.014,
            0.25),
)


@dataclass
class Bookings:
    sponsors: pd.DataFrame  # + order_value, p_visit, p_order (not written)
    campaigns: pd.DataFrame  # + start_day, end_day
    codes: pd.DataFrame
    line_items: pd.DataFrame  # + show_idx, forecast (expected impressions by flight end)
    baked: pd.DataFrame  # ad_positions rows
    slot_start: np.ndarray  # (episodes, 3) byte positions of the ad slots
    slot_end: np.ndarray
    baked_li: np.ndarray  # (episodes, 3) line item index baked in that slot, -1 if none
    dynamic: np.ndarray  # (days, shows, 3, k) dynamic line items active, -1 padded
    dynamic_count: np.ndarray  # (days, shows, 3)


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


def nice(x: float) -> float:
    """Round to two significant figures, as bookings and fees are quoted."""
    return float(f"{max(x, 0.0):.2g}")


class _Planner:
    """Campaigns of one tenant: which shows, positions, flights and pricing."""

    def __init__(self, rng: np.random.Generator, cat: Catalog, shows: np.ndarray,
                 host_mid: np.ndarray, slot_end: np.ndarray) -> None:
        self.rng, self.days, self.shows, self.host_mid = rng, cat.days, shows, host_mid
        aud = cat.shows["audience"].to_numpy()[shows]
        self.weight = aud / aud.sum()
        ep = cat.episodes
        self.ep_show = ep["show_idx"].to_numpy()
        self.pub_day = (ep["pub_ts"].to_numpy() - cat.t0) // 86400
        self.has_mid = slot_end[:, 1] > 0
        self.host_busy: dict[int, list[tuple[int, int]]] = {}

    def pick(self, k: int, among: np.ndarray | None = None,
             first: int | None = None) -> np.ndarray:
        """k shows by audience weight (larger shows sell more), `first` among them."""
        among = self.shows if among is None else among
        if first is not None and first in among:
            rest = among[among != first]
            return np.concatenate([[first], self.pick(k - 1, rest)]) if len(rest) else \
                np.array([first])
        k = min(k, len(among))
        if k <= 0:
            return among[:0]
        w = self.weight[np.searchsorted(self.shows, among)]
        return self.rng.choice(among, k, replace=False, p=w / w.sum())

    def flight(self, prev_start: int | None) -> tuple[int, int] | None:
        d = self.days
        if prev_start is None:
            start = int(self.rng.integers(0, max(1, d // 4)))
        else:
            start = prev_start + int(self.rng.integers(max(1, d // 7), max(2, d // 2)))
        if start > max(d - 3, 0):  # no flight starts in the world's last two days
            return None
        length = int(self.rng.integers(min(max(3, d // 3), d), d + 1))
        return start, min(d - 1, start + length - 1)

    def host_shows(self, s: int, e: int) -> np.ndarray:
        """Shows whose host read is free over the flight and that publish during it."""
        ok = []
        for show in self.shows[self.host_mid[self.shows]]:
            busy = any(a <= e and s <= b for a, b in self.host_busy.get(int(show), []))
            eps = (self.ep_show == show) & (self.pub_day >= s) & (self.pub_day <= e)
            if not busy and (eps & self.has_mid).any():
                ok.append(show)
        return np.array(ok, dtype=np.int64)

    def line_items(self, kind: str, s: int, e: int, anchor: int | None,
                   avoid: set[int]) -> list[tuple[int, str, str]]:
        """(show, position, ad type) of a campaign of this kind: on the sponsor's anchor
        show (layered on its earlier campaign) or, without one, away from the `avoid`ed
        shows when the tenant has others."""
        rng = self.rng
        if kind == HOST_READ:
            among = self.host_shows(s, e)
            if anchor is None and len(np.setdiff1d(among, list(avoid))):
                among = np.setdiff1d(among, list(avoid))
            chosen = self.pick(int(rng.integers(1, 3)), among, anchor)
            for show in chosen:
                self.host_busy.setdefault(int(show), []).append((s, e))
            return [(int(show), "mid", "baked") for show in chosen]
        n = int(rng.integers(1, 4 if kind == DAI else 3))
        among = self.shows
        if anchor is None and len(np.setdiff1d(among, list(avoid))):
            among = np.setdiff1d(among, list(avoid))
        out = []
        for show in self.pick(n, among, anchor):
            free = ["pre", "post"] if self.host_mid[show] else list(POSITIONS)
            for pos in rng.choice(free, 1 + int(rng.random() < P_TWO_POSITIONS), replace=False):
                out.append((int(show), str(pos), "dynamic"))
        return out


def _plan(seed: int, rng: np.random.Generator, cat: Catalog, slot_end: np.ndarray,
          ad_response: float) -> tuple[list[dict], list[dict], list[dict]]:
    shows = cat.shows
    logged = (shows["hosting_provider"] == "").to_numpy()
    # a host reads the mid-roll of about half the shows (baked in); every other slot is
    # sold by dynamic insertion. Each tenant's largest show has host reads.
    host_mid = stream(seed, "host reads").random(len(shows)) < 0.5
    sp_rows, camp_rows, li_rows = [], [], []
    for t in dict.fromkeys(shows["tenant_id"]):
        t_shows = np.flatnonzero((shows["tenant_id"] == t).to_numpy() & logged)
        if len(t_shows):
            host_mid[t_shows[np.argmax(shows["audience"].to_numpy()[t_shows])]] = True
        plan = _Planner(rng, cat, t_shows, host_mid, slot_end)
        for _ in range(SPONSORS_PER_TENANT):
            sp = SPONSORS[len(sp_rows) % len(SPONSORS)]
            sid = f"sp{len(sp_rows) + 1:03d}"
            sp_rows.append({"tenant_id": t, "sponsor_id": sid, "name": sp.name,
                            "category": sp.category, "brief": sp.brief,
                            "domain": f"{sp.domain}.example", "order_value": sp.order_value,
                            "p_visit": min(1.0, sp.p_visit * ad_response),
                            "p_order": sp.p_order})
            if not len(t_shows):
                continue
            n_camp = int(rng.choice([1, 2, 3], p=P_CAMPAIGNS))
            prev, anchor, used = None, None, set()
            for j in range(n_camp):
                fl = plan.flight(prev)
                if fl is None:
                    break
                prev, (s, e) = fl[0], fl
                kind = str(rng.choice([HOST_READ, DAI], p=[0.45, 0.55]) if j == 0 else
                           rng.choice([HOST_READ, DAI, PERFORMANCE], p=[0.3, 0.45, 0.25]))
                if kind == HOST_READ and not len(plan.host_shows(s, e)):
                    kind = DAI
                layered = j > 0 and rng.random() < P_LAYERED
                items = plan.line_items(kind, s, e, anchor if layered else None, used)
                anchor = items[0][0] if anchor is None else anchor
                used |= {show for show, _, _ in items}
                model = {HOST_READ: str(rng.choice(["flat", "cpm"], p=[0.6, 0.4])),
                         DAI: str(rng.choice(["cpm", "flat"], p=[0.85, 0.15])),
                         PERFORMANCE: "cpa"}[kind]
                cid = f"c{len(camp_rows) + 1:04d}"
                camp_rows.append({
                    "tenant_id": t, "campaign_id": cid, "sponsor_id": sid, "kind": kind,
                    "name": f"{sp.name.split()[0]} {cat.start + dt.timedelta(days=s):%B} "
                            f"{kind}",
                    "start_date": cat.start + dt.timedelta(days=s),
                    "end_date": cat.start + dt.timedelta(days=e), "currency": "USD",
                    "pricing_model": model,
                    "attribution_window_days": int(rng.choice([30, 30, 30, 30, 7, 14, 60])),
                    "start_day": s, "end_day": e, "sponsor_idx": len(sp_rows) - 1,
                })
                for show, pos, ad_type in items:
                    li_rows.append({
                        "line_item_id": f"li{len(li_rows) + 1:05d}", "campaign_id": cid,
                        "show_id": shows["show_id"].iat[show], "show_idx": show,
                        "position": pos, "ad_type": ad_type})
    _every_pricing_model(camp_rows)
    return sp_rows, camp_rows, li_rows


def _every_pricing_model(camps: list[dict]) -> None:
    """A network's book has each pricing model: when the draw left one out, the latest
    dynamic run is sold per acquisition, the first host reads (else run) at a flat fee."""
    models = {c["pricing_model"] for c in camps}
    dai = [c for c in camps if c["kind"] != HOST_READ]
    if "cpa" not in models and len(dai) > 1:
        dai[-1].update(pricing_model="cpa", kind=PERFORMANCE,
                       name=dai[-1]["name"].replace(DAI, PERFORMANCE))
    if "flat" not in models and camps:
        pick = next((c for c in camps if c["kind"] == HOST_READ), camps[0])
        if pick["pricing_model"] != "cpa":
            pick["pricing_model"] = "flat"


def _dynamic_schedule(li: pd.DataFrame, camps: pd.DataFrame, n_shows: int,
                      days: int) -> tuple[np.ndarray, np.ndarray]:
    """(days, shows, 3, k) dynamic line items active per day and slot, and their count."""
    flight = camps.set_index("campaign_id").loc[li["campaign_id"], ["start_day", "end_day"]]
    dyn = np.flatnonzero((li["ad_type"] == "dynamic").to_numpy())
    pos = li["position"].map({p: i for i, p in enumerate(POSITIONS)}).to_numpy()
    count = np.zeros((days, n_shows, 3), dtype=np.int64)
    table = np.full((days, n_shows, 3, max(1, len(dyn))), -1, dtype=np.int64)
    for i in dyn:
        s, p = int(li["show_idx"].iat[i]), int(pos[i])
        for d in range(int(flight["start_day"].iat[i]), int(flight["end_day"].iat[i]) + 1):
            table[d, s, p, count[d, s, p]] = i
            count[d, s, p] += 1
    k = max(1, int(count.max(initial=0)))
    return table[..., :k], count


def _forecast(cat: Catalog, li: pd.DataFrame, camps: pd.DataFrame, lam: np.ndarray,
              need: np.ndarray, slot_end: np.ndarray, baked_li: np.ndarray,
              count: np.ndarray) -> np.ndarray:
    """(line items, days) expected IAB-delivered impressions of each line item per day,
    from its flight's first day to its last (a host read's episodes are downloaded after
    the flight too: not here)."""
    ep = cat.episodes
    show_of = ep["show_idx"].to_numpy()
    p = sizing.delivery_probability(slot_end, need, ep["size"].to_numpy())
    flight = camps.set_index("campaign_id").loc[li["campaign_id"], ["start_day", "end_day"]]
    pos = li["position"].map({q: i for i, q in enumerate(POSITIONS)}).to_numpy()
    days = np.arange(cat.days)
    # dynamic: sessions of the show's episodes whose slot is not baked, per day
    open_slot = (baked_li < 0) * p  # (episodes, 3)
    per_show = np.zeros((len(cat.shows), 3, cat.days))
    np.add.at(per_show, show_of, open_slot[:, :, None] * lam[:, None, :])
    out = np.zeros((len(li), cat.days))
    for i in range(len(li)):
        s_day, e_day = int(flight["start_day"].iat[i]), int(flight["end_day"].iat[i])
        q = int(pos[i])
        if li["ad_type"].iat[i] == "dynamic":
            s = int(li["show_idx"].iat[i])
            out[i] = per_show[s, q] * FILL_RATE / np.maximum(count[:, s, q], 1)
            out[i] *= (days >= s_day) & (days <= e_day)
        else:
            mine = baked_li[:, q] == i
            out[i] = (lam[mine] * p[mine, q][:, None]).sum(axis=0) * (days <= e_day)
        out[i] *= sizing.PER_SESSION[li["ad_type"].iat[i]][q]
    return out


@dataclass
class _Sized:
    sponsors: pd.DataFrame
    camps: pd.DataFrame
    li: pd.DataFrame
    baked: pd.DataFrame
    baked_li: np.ndarray
    table: np.ndarray
    count: np.ndarray
    daily: np.ndarray  # (line items, days) forecast


def _sized_plan(seed: int, rng: np.random.Generator, cat: Catalog, lam: np.ndarray,
                need: np.ndarray, start: np.ndarray, end: np.ndarray,
                ad_response: float) -> _Sized:
    sp_rows, camp_rows, li_rows = _plan(seed, rng, cat, end, ad_response)
    camps = pd.DataFrame(camp_rows)
    li = pd.DataFrame(li_rows, columns=["line_item_id", "campaign_id", "show_id", "show_idx",
                                        "position", "ad_type"])
    while True:
        baked, baked_li = _baked(cat, camps, li, start, end)
        table, count = _dynamic_schedule(li, camps, len(cat.shows), cat.days)
        daily = _forecast(cat, li, camps, lam, need, end, baked_li, count)
        li["forecast"] = daily.sum(axis=1)
        # sales leaves out a show that would bring a campaign next to nothing, and a
        # campaign far smaller than the tenant's others
        small = li["forecast"] < MIN_SHARE * li.groupby("campaign_id")["forecast"].transform(
            "sum")
        size = li.groupby("campaign_id")["forecast"].sum().reindex(camps["campaign_id"])
        mean = size.groupby(camps["tenant_id"].to_numpy()).transform("mean")
        tiny = (size < MIN_CAMPAIGN_SHARE * mean).to_numpy()
        if not small.any() and not tiny.any():
            return _Sized(pd.DataFrame(sp_rows), camps, li, baked, baked_li, table, count,
                          daily)
        camps = camps[~tiny].reset_index(drop=True)
        li = li[~small & li["campaign_id"].isin(camps["campaign_id"])].reset_index(drop=True)
        new_id = dict(zip(camps["campaign_id"], [f"c{i + 1:04d}" for i in range(len(camps))],
                          strict=True))
        camps["campaign_id"] = camps["campaign_id"].map(new_id)
        li["campaign_id"] = li["campaign_id"].map(new_id)
        li["line_item_id"] = [f"li{i + 1:05d}" for i in range(len(li))]


def _multi_share(p: _Sized, households: tuple[np.ndarray, np.ndarray],
                 subs: np.ndarray) -> float:
    c_idx = pd.Series(np.arange(len(p.camps)), index=p.camps["campaign_id"])
    sp = p.sponsors
    return sizing.multi_campaign_share(
        households, p.daily, c_idx[p.li["campaign_id"]].to_numpy(), p.li["show_idx"].to_numpy(),
        subs, p.camps["sponsor_idx"].to_numpy(), p.camps["attribution_window_days"].to_numpy(),
        (sp["p_visit"] * sp["p_order"]).to_numpy(),
        (P_ORGANIC_VISIT_30D / 30 * sp["p_order"]).to_numpy(), delay_pmf(p.daily.shape[1]))


def build_bookings(seed: int, cat: Catalog, lam: np.ndarray, need: np.ndarray,
                   households: tuple[np.ndarray, np.ndarray], subs: np.ndarray,
                   ad_response: float = 1.0) -> Bookings:
    """Bookings sized by `lam` (episodes x days expected counted sessions, `sizing`) and
    `need` (each episode's download threshold in bytes). Of a few plans drawn, the one
    whose campaigns' audiences overlap most as planned (`TARGET_MULTI_SHARE`) is sold:
    `households` (`sizing.household_subscriptions`) and `subs` (subscriptions per show)
    describe who listens to what; `ad_response` scales the sponsors' response to ads."""
    rng = stream(seed, "bookings")
    start, end = _slots(cat.episodes)
    plans = [_sized_plan(seed, rng, cat, lam, need, start, end, ad_response)
             for _ in range(PLANS)]
    gap = [abs(_multi_share(p, households, subs) - TARGET_MULTI_SHARE) for p in plans]
    p = plans[int(np.argmin(gap))]
    _price(rng, p.sponsors, p.camps, p.li)
    codes = _codes(rng, p.sponsors, p.camps, p.li)
    return Bookings(p.sponsors, p.camps, codes, p.li, p.baked, start, end, p.baked_li,
                    p.table, p.count)


def _price(rng: np.random.Generator, sponsors: pd.DataFrame, camps: pd.DataFrame,
           li: pd.DataFrame) -> None:
    """Booked impressions, rates and budgets from the forecast, by pricing model."""
    model = li["campaign_id"].map(camps.set_index("campaign_id")["pricing_model"])
    li["booked_impressions"] = [int(max(nice(f), 10)) for f in li["forecast"]]
    li["rate"] = [round(float(rng.uniform(*(CPM_HOST_READ if r.ad_type == "baked"
                                             else CPM_DYNAMIC)[r.position])), 2)
                  for r in li.itertuples()]
    # a flat fee is quoted per campaign (the forecast at an effective CPM) and split over
    # its line items by forecast, to the cent
    flat = (model == "flat").to_numpy()
    total = li["forecast"].groupby(li["campaign_id"]).transform("sum")
    ecpm = li["campaign_id"].map(pd.Series(rng.uniform(*FLAT_ECPM, len(camps)),
                                           index=camps["campaign_id"]))
    fee = [max(nice(x), 1.0) for x in total * ecpm / 1000]
    share = np.round(fee * li["forecast"] / total.clip(lower=1e-9), 2)
    last = ~li["campaign_id"].duplicated(keep="last")
    share = np.where(last, fee - (share.groupby(li["campaign_id"]).transform("sum") - share),
                     share)
    li["rate"] = np.where(flat, np.round(share, 2), li["rate"])
    value = camps["sponsor_idx"].map(sponsors["order_value"]).to_numpy()
    p_resp = camps["sponsor_idx"].map(sponsors["p_visit"] * sponsors["p_order"]).to_numpy()
    booked = li.groupby("campaign_id")["booked_impressions"].sum().reindex(
        camps["campaign_id"]).to_numpy()
    cost = (li["booked_impressions"] * li["rate"] / 1000).groupby(li["campaign_id"]).sum()
    fees = li["rate"].groupby(li["campaign_id"]).sum()
    cpa = np.round(value * rng.uniform(*CPA_SHARE, len(camps)))
    pm = camps["pricing_model"].to_numpy()
    camps["booked_impressions"] = pd.array(np.where(pm == "cpm", booked, 0), dtype="Int64")
    camps.loc[pm != "cpm", "booked_impressions"] = pd.NA
    camps["cpa_rate"] = np.where(pm == "cpa", cpa, np.nan)
    # a CPA budget caps payouts at about the conversions the forecast reach would bring
    budget = np.where(pm == "cpm", cost.reindex(camps["campaign_id"]).to_numpy(),
                      np.where(pm == "flat", fees.reindex(camps["campaign_id"]).to_numpy(),
                               [nice(x) for x in cpa * np.maximum(booked * p_resp, 1)]))
    camps["budget"] = np.round(budget.astype(float), 2)


def _codes(rng: np.random.Generator, sponsors: pd.DataFrame, camps: pd.DataFrame,
           li: pd.DataFrame) -> pd.DataFrame:
    """A promo code and a vanity URL per campaign, each naming one campaign only."""
    rows, used = [], set()
    first_show = li.groupby("campaign_id")["show_id"].first()
    for n, c in enumerate(camps.itertuples(), start=1):
        sp = sponsors.iloc[c.sponsor_idx]
        word = sp["name"].split()[0].upper()[:6]
        rows.append({"campaign_id": c.campaign_id, "code_type": "promo_code",
                     "code": f"{word}{int(rng.choice([10, 15, 20, 25]))}{n:02d}"})
        path = first_show[c.campaign_id]
        url = f"https://{sp['domain']}/{path}"
        k = 2
        while url in used:
            url, k = f"https://{sp['domain']}/{path}-{k}", k + 1
        used.add(url)
        rows.append({"campaign_id": c.campaign_id, "code_type": "vanity_url", "code": url})
    return pd.DataFrame(rows)


def _baked(cat: Catalog, camps: pd.DataFrame, li: pd.DataFrame, start: np.ndarray,
           end: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Host reads go into every episode published during the flight (one per slot)."""
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
    return b.dynamic[day], b.dynamic_count[day]
