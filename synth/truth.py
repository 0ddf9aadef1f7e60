"""Reference implementation of the product's download counting (PRODUCT.md, IAB v2.3).

Independent of the warehouse: numpy over the generator's own request arrays. Vectorised;
the only loop is over window index (first-touch pointer jumping).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth import agents
from synth.config import EXCLUSION_REASONS, WINDOW_TYPES
from synth.listeners import N_VARIANTS

DAY = 86400
T_BITS = 26  # seconds since world start fit in 26 bits (~776 days)


@dataclass
class RequestArrays:
    t: np.ndarray  # epoch seconds
    key: np.ndarray  # household * N_AGENTS + agent (= IP /64 or IPv4, + exact UA)
    ipx: np.ndarray  # exact IP string id: household * N_VARIANTS + variant
    ep: np.ndarray  # episode index, -1 when the URL matches no episode
    method: np.ndarray
    status: np.ndarray
    rk: np.ndarray
    ra: np.ndarray
    bytes_sent: np.ndarray


@dataclass
class Countries:
    """Each household's country: an index into `codes`, -1 when its IP has none."""

    of_household: np.ndarray
    codes: np.ndarray

    def of_keys(self, key: np.ndarray) -> np.ndarray:
        """Group per listener key (household x agent): 0 unknown, 1 + index otherwise."""
        return self.of_household[key // agents.N_AGENTS] + 1

    @property
    def labels(self) -> np.ndarray:
        return np.array([None, *self.codes], dtype=object)


@dataclass
class EpisodeArrays:
    size: np.ndarray  # true file size
    need: np.ndarray  # bytes required for a download (IAB threshold)
    show_id: np.ndarray
    guid: np.ndarray  # episode key as published (guid or enclosure URL)
    baked_li: np.ndarray  # (episodes, 3)
    slot_start: np.ndarray
    slot_end: np.ndarray


def threshold_bytes(size: np.ndarray, duration: np.ndarray, header: np.ndarray,
                    whole: np.ndarray) -> np.ndarray:
    """header + ceil(60 * (length - header) / duration); whole file when flagged."""
    d = np.maximum(duration, 1).astype(np.int64)
    body = size.astype(np.int64) - header
    need = header + (60 * body + d - 1) // d
    return np.where(whole | (duration < 60), size, need)


def unique_counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and their counts (sort-based; fast for big int arrays)."""
    x = np.sort(x)
    if not len(x):
        return x, np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.concatenate([[True], x[1:] != x[:-1]]))
    return x[first], np.diff(np.append(first, len(x)))


def exclusion_reasons(r: RequestArrays, t0: int, abusive_threshold: int) -> np.ndarray:
    kind = agents.kind_codes()[r.key % agents.N_AGENTS]
    conds = [r.method != 0, r.status == 304, ~np.isin(r.status, [200, 206, 0]), r.rk == 4,
             kind == 1, kind == 2, kind == 3, r.ep < 0]
    reason = np.select(conds, np.arange(len(conds)), default=len(conds)).astype(np.int8)
    remaining = np.flatnonzero(reason == len(conds))
    day = (r.t[remaining] - t0) // DAY
    # one IP for the cap: an IPv4 address, or an IPv6 /64 like the listener key. A household
    # has one IPv4 or one /64 (its variants are privacy addresses inside it).
    ipday = (r.ipx[remaining] // N_VARIANTS) * 4096 + day
    vals, counts = unique_counts(ipday)
    heavy = vals[counts > abusive_threshold]
    abusive = np.isin(ipday, heavy)
    reason[remaining[abusive]] = len(conds)  # abusive_ip
    reason[remaining[~abusive]] = len(conds) + 1
    return reason


def coverage_start(r: RequestArrays, size_of: np.ndarray) -> np.ndarray:
    size = size_of[np.maximum(r.ep, 0)]
    return np.where(r.status == 200, 0, np.where(r.rk == 3, size - r.ra,
                                                 np.where(np.isin(r.rk, [1, 2]), r.ra, 0)))


@dataclass
class Windows:
    wtype: str
    group: np.ndarray  # key * episodes + episode
    first_t: np.ndarray
    last_t: np.ndarray
    coverage: np.ndarray
    seg_comp: np.ndarray  # merged coverage segments: window << 32 | start (sorted)
    seg_end: np.ndarray


def window_starts(g: np.ndarray, t: np.ndarray, comp: np.ndarray, wtype: str,
                  t0: int) -> np.ndarray:
    """Requests sorted by (group, time); True where a window opens."""
    n = len(g)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = g[1:] != g[:-1]
    if wtype == "calendar":
        day = (t - t0) // DAY
        s = new_group.copy()
        s[1:] |= day[1:] != day[:-1]
        return s
    if wtype == "last_touch":
        s = new_group.copy()
        s[1:] |= (t[1:] - t[:-1]) >= DAY
        return s
    nxt = np.searchsorted(comp, comp + DAY, side="left")
    s = np.zeros(n, dtype=bool)
    cur = np.flatnonzero(new_group)
    while len(cur):
        s[cur] = True
        cur = nxt[cur]
        cur = cur[cur < n]
        cur = cur[~new_group[cur]] if len(cur) else cur
        # a jump that lands in the next group is that group's own start, already set
    return s


def sort_requests(key: np.ndarray, ep: np.ndarray, t: np.ndarray, n_eps: int,
                  t0: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order by (key x episode, time): returns the order, group ids and sort keys (sorted)."""
    g = key.astype(np.int64) * n_eps + ep
    assert g.max(initial=0) < (1 << (62 - T_BITS))
    comp = (g << T_BITS) | (t - t0)
    o = np.argsort(comp, kind="stable")
    return o, g[o], comp[o]


def build_windows(key: np.ndarray, ep: np.ndarray, t: np.ndarray, start: np.ndarray,
                  end: np.ndarray, n_eps: int, t0: int, wtype: str) -> Windows:
    o, g, comp = sort_requests(key, ep, t, n_eps, t0)
    return windows_sorted(g, t[o], comp, start[o], end[o], t0, wtype)


def windows_sorted(g: np.ndarray, t: np.ndarray, comp: np.ndarray, start: np.ndarray,
                   end: np.ndarray, t0: int, wtype: str) -> Windows:
    """Windows of requests already sorted by (group, time), with their coverage."""
    is_start = window_starts(g, t, comp, wtype, t0)
    wid = np.cumsum(is_start) - 1
    first = np.flatnonzero(is_start)
    last = np.append(first[1:], len(g)) - 1
    # union of intervals per window
    o2 = np.argsort((wid << 32) | start, kind="stable")
    w2, s2, e2 = wid[o2], start[o2], end[o2]
    acc = np.maximum.accumulate((w2 << 32) | e2)
    prev = np.zeros(len(w2), dtype=np.int64)
    same = np.zeros(len(w2), dtype=bool)
    same[1:] = w2[1:] == w2[:-1]
    prev[1:] = np.where(same[1:], acc[:-1] - (w2[1:] << 32), 0)
    add = np.maximum(0, e2 - np.maximum(s2, prev))
    cov = np.bincount(w2, weights=add, minlength=len(first)).astype(np.int64)
    new_seg = ~same | (s2 > prev)
    seg_first = np.flatnonzero(new_seg)
    seg_end = np.maximum.reduceat(e2, seg_first) if len(seg_first) else e2[:0]
    seg_comp = (w2[seg_first] << 32) | s2[seg_first]
    return Windows(wtype, g[first], t[first], t[last], cov, seg_comp, seg_end)


def contains(w: Windows, wid: np.ndarray, bs: np.ndarray, be: np.ndarray) -> np.ndarray:
    """Whether window `wid`'s coverage union contains [bs, be)."""
    i = np.searchsorted(w.seg_comp, (wid << 32) | bs, side="right") - 1
    ok = i >= 0
    i = np.maximum(i, 0)
    return ok & ((w.seg_comp[i] >> 32) == wid) & (w.seg_end[i] >= be)


def window_of(w: Windows, g: np.ndarray, t: np.ndarray, t0: int) -> np.ndarray:
    """Index of the window of group g containing instant t, -1 if none."""
    wc = (w.group << T_BITS) | (w.first_t - t0)
    i = np.searchsorted(wc, (g << T_BITS) | (t - t0), side="right") - 1
    ok = i >= 0
    i = np.maximum(i, 0)
    ok &= w.group[i] == g
    if w.wtype == "calendar":
        ok &= (w.first_t[i] - t0) // DAY == (t - t0) // DAY
    elif w.wtype == "first_touch":
        ok &= t < w.first_t[i] + DAY
    else:
        ok &= t < w.last_t[i] + DAY
    return np.where(ok, i, -1)


@dataclass
class Truth:
    exclusions: pd.DataFrame
    downloads: pd.DataFrame
    downloads_by_country: pd.DataFrame
    impressions: pd.DataFrame
    reasons: np.ndarray
    # every delivered ad of the default window type: line item index, listener key, when
    # it was delivered (a baked-in ad: its download's first request; inserted: the log's
    # timestamp) and its download's first request
    delivered_ads: pd.DataFrame
    # the counted downloads of the default window type, one entry each: cell (episode *
    # 100_000 + day of its first request) and listener key
    counted_cell: np.ndarray
    counted_key: np.ndarray


@dataclass
class _Counted:
    """The counted downloads of one window type: cell (episode x day) and listener key."""

    cell: np.ndarray
    key: np.ndarray
    span: int  # > every key
    pairs: np.ndarray  # distinct (cell, key) as cell * span + key, sorted (so by cell)


def _counted(w: Windows, counted: np.ndarray, n_eps: int, t0: int) -> _Counted:
    idx = np.flatnonzero(counted)
    cell = (w.group[idx] % n_eps) * 100_000 + (w.first_t[idx] - t0) // DAY
    key = w.group[idx] // n_eps
    span = int(key.max(initial=0)) + 1
    return _Counted(cell, key, span, unique_counts(cell * span + key)[0])


def _daily(wtype: str, c: _Counted, ea: EpisodeArrays, t0: int,
           countries: Countries | None = None) -> pd.DataFrame:
    """Downloads and listeners per episode x day of the window's first request; with
    `countries`, also per country of the listener key (a column between day and counts)."""
    group_of, n = (np.zeros_like, 1) if countries is None else (countries.of_keys,
                                                               len(countries.codes) + 1)
    codes, downloads = unique_counts(c.cell * n + group_of(c.key))
    listeners = unique_counts(c.pairs // c.span * n + group_of(c.pairs % c.span))[1]
    by = {} if countries is None else {"country_code": countries.labels[codes % n]}
    ep_c, day_c = codes // n // 100_000, codes // n % 100_000
    date = pd.Timestamp(t0, unit="s") + pd.to_timedelta(day_c, unit="D")
    return pd.DataFrame({
        "window_type": wtype, "show_id": ea.show_id[ep_c], "episode_guid": ea.guid[ep_c],
        "download_date": date.strftime("%Y-%m-%d"), **by, "downloads": downloads,
        "listeners": listeners,
    })


def compute_truth(r: RequestArrays, ea: EpisodeArrays, deliveries: dict[str, np.ndarray],
                  line_items: pd.DataFrame, t0: int, abusive_threshold: int,
                  default_window: str, countries: Countries) -> Truth:
    reasons = exclusion_reasons(r, t0, abusive_threshold)
    counts = np.bincount(reasons, minlength=len(EXCLUSION_REASONS))
    excl = pd.DataFrame({"reason": EXCLUSION_REASONS, "requests": counts})
    c = reasons == len(EXCLUSION_REASONS) - 1
    n_eps = len(ea.size)
    start = coverage_start(r, ea.size)[c]
    end = start + r.bytes_sent[c]
    o, g, comp = sort_requests(r.key[c], r.ep[c], r.t[c], n_eps, t0)
    t, start, end = r.t[c][o], start[o], end[o]
    daily, by_country, imps, ads, default = [], [], None, None, None
    for wtype in WINDOW_TYPES:
        w = windows_sorted(g, t, comp, start, end, t0, wtype)
        counted = w.coverage >= ea.need[w.group % n_eps]
        cd = _counted(w, counted, n_eps, t0)
        daily.append(_daily(wtype, cd, ea, t0))
        by_country.append(_daily(wtype, cd, ea, t0, countries))
        if wtype == default_window:
            default = cd
            ads = _delivered_ads(w, counted, ea, deliveries, n_eps, t0)
            imps = _impressions(ads, line_items)
    return Truth(excl, pd.concat(daily, ignore_index=True),
                 pd.concat(by_country, ignore_index=True), imps, reasons, ads,
                 default.cell, default.key)


def _delivered_ads(w: Windows, counted: np.ndarray, ea: EpisodeArrays,
                   deliveries: dict[str, np.ndarray], n_eps: int, t0: int) -> pd.DataFrame:
    # baked: every counted download whose coverage contains the ad's bytes
    cw = np.flatnonzero(counted)
    ep = w.group[cw] % n_eps
    parts = []
    for p in range(3):
        lid = ea.baked_li[ep, p]
        has = lid >= 0
        ok = contains(w, cw[has], ea.slot_start[ep[has], p], ea.slot_end[ep[has], p])
        first = w.first_t[cw[has]][ok]
        parts.append(pd.DataFrame({"li": lid[has][ok], "key": w.group[cw[has]][ok] // n_eps,
                                   "at": first, "t": first}))
    # inserted: the delivery's bytes inside a counted download of the same key x episode
    g = deliveries["key"] * n_eps + deliveries["ep"]
    o = np.argsort((g << T_BITS) | (deliveries["t"] - t0), kind="stable")
    d = {k: v[o] for k, v in deliveries.items()}
    g = g[o]
    wi = window_of(w, g, d["t"], t0)
    ok = wi >= 0
    ok[ok] &= counted[wi[ok]]
    ok[ok] &= contains(w, wi[ok], d["bs"][ok], d["be"][ok])
    parts.append(pd.DataFrame({"li": d["li"][ok], "key": d["key"][ok], "at": d["t"][ok],
                               "t": w.first_t[wi[ok]]}))
    return pd.concat(parts, ignore_index=True)


def _impressions(ads: pd.DataFrame, li: pd.DataFrame) -> pd.DataFrame:
    """Delivered ads per line item and day (grouped as integers, labelled once per row)."""
    code, n = unique_counts(ads["li"].to_numpy() * 1_000_000 + ads["t"].to_numpy() // DAY)
    lid, day = code // 1_000_000, code % 1_000_000
    out = pd.DataFrame({
        "line_item_id": li["line_item_id"].to_numpy()[lid],
        "ad_type": li["ad_type"].to_numpy()[lid],
        "impression_date": pd.to_datetime(day, unit="D").strftime("%Y-%m-%d"),
        "delivered": n,
    })
    return out.sort_values(["line_item_id", "ad_type", "impression_date"]).reset_index(drop=True)
