"""Listening sessions per UTC day and their expansion into HTTP requests (vectorised).

Demand model: expected sessions of an episode on a day = subscribers x decay(age) x weekday
factor. Decay: ~45-50% of an episode's 30-day downloads arrive in its first 48 h
(Libsyn/Podtrac release curves), modelled as 0.2 * exp(-age / 2.5 days) plus a small
back-catalogue rate. Weekday: weekends ~20% below weekdays (Podtrac weekday shares).
Hour of day: commute peaks (Edison "Infinite Dial" listening-by-hour curves).
Request mix: ~6.5% of requests are `bytes=0-1` probes (OP3/Podtrac observations of iOS
AVFoundation), a few % HEAD/304/errors, ~3% bot sessions (OP3 bot share).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth.catalog import Catalog
from synth.churn import Churn
from synth.listeners import N_VARIANTS, Population

DIURNAL = np.array([1.2, 0.8, 0.6, 0.5, 0.6, 1.2, 3.0, 5.2, 6.4, 5.6, 4.8, 4.6, 5.0, 4.8,
                    4.6, 4.9, 5.6, 6.2, 5.8, 5.0, 4.4, 3.8, 3.0, 2.0])
WEEKDAY = np.array([1.05, 1.08, 1.06, 1.04, 0.98, 0.80, 0.76])  # Mon..Sun
DECAY_A, DECAY_TAU, BACK_RATE = 0.20, 2.5, 0.002

# session types
FULL, RANGED, ABANDON, AKAMAI, HEAD, NOTMOD, E404, E416, UNMATCHED, BURST = range(10)
LISTEN_P = np.array([0.30, 0.50, 0.15, 0.05])  # FULL, RANGED, ABANDON, AKAMAI
# noise sessions per listening session (HEAD, 304, 404, 416, unmatched 200, bot)
NOISE_P = {HEAD: 0.015, NOTMOD: 0.01, E404: 0.007, E416: 0.003, UNMATCHED: 0.005}
BOT_P = 0.03
WATCH_DUP_P = 0.5  # share of an iPhone session the paired Apple Watch duplicates

# URL variants (measurement prefixes as documented by Podtrac, OP3, Chartable, Podsights)
URL_TEMPLATES = (
    "https://{p}", "https://dts.podtrac.com/redirect.mp3/{p}", "https://op3.dev/e/{p}",
    "https://chtbl.com/track/{ch}/{p}", "https://pdst.fm/e/{p}",
    "https://dts.podtrac.com/redirect.mp3/op3.dev/e/{p}",
    "https://{p}?utm_source=podcast_app&utm_medium=rss", "https://{p}?aid=rss_feed",
    "https://pdst.fm/e/chtbl.com/track/{ch}/{p}?aid=rss_feed", "http://{p}",
)
URL_P_PLAIN = np.array([0.45, 0.12, 0.10, 0.06, 0.06, 0.04, 0.07, 0.06, 0.02, 0.02])
URL_P_PREFIXED = np.array([0.10, 0.55, 0.02, 0.02, 0.02, 0.20, 0.02, 0.04, 0.02, 0.01])
N_URL_VARIANTS = len(URL_TEMPLATES)
N_UNMATCHED = 16


@dataclass
class Sessions:
    listener: np.ndarray
    ep: np.ndarray  # -1: a URL matching no episode
    t: np.ndarray  # epoch seconds of the first request
    stype: np.ndarray
    url: np.ndarray  # index into the URL table

    def take(self, idx: np.ndarray) -> Sessions:
        return Sessions(*(getattr(self, f)[idx] for f in
                          ("listener", "ep", "t", "stype", "url")))

    @staticmethod
    def concat(parts: list[Sessions]) -> Sessions:
        return Sessions(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                          ("listener", "ep", "t", "stype", "url")))


def url_strings(cat: Catalog) -> list[str]:
    """URL table: episode x variant, then URLs matching no episode."""
    out = []
    for e in cat.episodes.itertuples():
        ch = f"{(e.show_idx * 7919 + 4099) % 0xFFFFFF:06X}"
        out.extend(t.format(p=e.path, ch=ch) for t in URL_TEMPLATES)
    for i in range(N_UNMATCHED):
        s = cat.shows.iloc[i % len(cat.shows)]
        out.append(f"https://cdn.{s.tenant_id}.example/{s.show_id}/e9{i:03d}.mp3"
                   if i % 2 == 0 else f"https://cdn.unknown-host.example/audio/{i:05d}.mp3")
    return out


def expected_rates(cat: Catalog, subs: np.ndarray, day: int) -> np.ndarray:
    """Expected sessions per episode on world day `day` (0 for unreleased)."""
    ep = cat.episodes
    age = day - (ep["pub_ts"].to_numpy() - cat.t0) // 86400
    rate = np.where(age >= 0, DECAY_A * np.exp(-np.maximum(age, 0) / DECAY_TAU) + BACK_RATE, 0)
    wd = (cat.start.weekday() + day) % 7
    return subs[ep["show_idx"].to_numpy()] * rate * WEEKDAY[wd]


def _times(rng: np.random.Generator, day_t0: int, not_before: np.ndarray) -> np.ndarray:
    """Diurnal times within the day, conditioned on >= not_before (release time)."""
    p = DIURNAL / DIURNAL.sum()
    cdf = np.concatenate([[0.0], np.cumsum(p)])
    sec = np.clip(not_before - day_t0, 0, 86399)
    h = sec // 3600
    f_lo = cdf[h] + p[h] * (sec % 3600) / 3600
    u = f_lo + rng.random(len(sec)) * (1 - f_lo)
    hour = np.clip(np.searchsorted(cdf, u, side="right") - 1, 0, 23)
    within = (u - cdf[hour]) / p[hour] * 3600
    return day_t0 + hour * 3600 + np.minimum(within.astype(np.int64), 3599)


def day_sessions(rng: np.random.Generator, cat: Catalog, pop: Population, day: int,
                 logged_eps: np.ndarray, spike: tuple[int, int, float] | None,
                 churn: Churn | None = None,
                 factors: list[tuple[int, float]] = ()) -> Sessions:
    """The day's sessions; `spike` and `factors` (show, multiplier) scale shows' demand."""
    ep_df = cat.episodes
    subs = np.diff(pop.sub_start).astype(float)
    lam = expected_rates(cat, subs, day)
    show_of = ep_df["show_idx"].to_numpy()
    if spike is not None and spike[1] == day:
        lam[show_of == spike[0]] *= spike[2]
    for show, factor in factors:
        lam[show_of == show] *= factor
    lam[~logged_eps] = 0
    n = rng.poisson(lam)
    ep = np.repeat(np.arange(len(lam)), n)
    s = show_of[ep]
    lo, cnt = pop.sub_start[s], np.diff(pop.sub_start)[s]
    u = rng.random(len(ep))
    # who listens: any subscriber alike, or (with churn) the show's subscriptions active
    # that day by their affinity; the same draws either way
    listener = pop.sub_listener[lo + (u * cnt).astype(np.int64) if churn is None
                                else churn.pick(u, s, day)]
    day_t0 = cat.t0 + day * 86400
    t = _times(rng, day_t0, np.maximum(ep_df["pub_ts"].to_numpy()[ep], day_t0))
    stype = rng.choice(4, len(ep), p=LISTEN_P)
    prefixed = cat.shows["prefixed_feed"].to_numpy()[s]
    url = ep * N_URL_VARIANTS + np.where(
        prefixed, rng.choice(N_URL_VARIANTS, len(ep), p=URL_P_PREFIXED),
        rng.choice(N_URL_VARIANTS, len(ep), p=URL_P_PLAIN))
    base = Sessions(listener, ep, t, stype, url)
    return Sessions.concat([base, _watch(rng, pop, base), *_noise(rng, pop, base, logged_eps)])


def _watch(rng: np.random.Generator, pop: Population, base: Sessions) -> Sessions:
    w = pop.listener_watch[base.listener]
    pick = np.flatnonzero((w >= 0) & (rng.random(len(w)) < WATCH_DUP_P))
    dup = base.take(pick)
    dup.listener = w[pick]
    # within the phone's UTC day: an inserted ad is served on its session's day, which
    # must lie inside the campaign's flight
    dup.t = np.minimum(dup.t + rng.integers(2, 90, len(pick)), dup.t // 86400 * 86400 + 86399)
    dup.stype = np.full(len(pick), FULL)
    return dup


def _noise(rng: np.random.Generator, pop: Population, base: Sessions,
           logged_eps: np.ndarray) -> list[Sessions]:
    out = []
    n = len(base.t)
    for stype, p in NOISE_P.items():
        k = rng.binomial(n, p)
        s = base.take(rng.integers(0, max(n, 1), k)) if n else base
        s.t = s.t + rng.integers(0, 3600, k)
        s.stype = np.full(k, stype)
        if stype in (E404, UNMATCHED):
            s.ep = np.full(k, -1)
            s.url = N_URL_VARIANTS * len(logged_eps) + rng.integers(0, N_UNMATCHED, k)
        out.append(s)
    k = rng.binomial(n, BOT_P)
    if n and k:
        s = base.take(rng.integers(0, n, k))
        s.listener = rng.choice(pop.bot_listeners, k)
        s.stype = np.where(rng.random(k) < 0.8, FULL, HEAD)
        out.append(s)
    return out


def bursts(rng: np.random.Generator, cat: Catalog, pop: Population, day: int,
           count: int, listener: int, logged: np.ndarray) -> Sessions:
    """`count` single-request sessions from one IP during one UTC day."""
    ep = rng.choice(np.flatnonzero(logged), count)
    t = cat.t0 + day * 86400 + np.sort(rng.integers(0, 86400, count))
    return Sessions(np.full(count, listener), ep, t, np.full(count, BURST),
                    ep * N_URL_VARIANTS)


@dataclass
class Requests:
    t: np.ndarray
    listener: np.ndarray
    ipvar: np.ndarray
    ep: np.ndarray
    url: np.ndarray
    method: np.ndarray  # 0 GET, 1 HEAD
    status: np.ndarray
    rk: np.ndarray  # range kind: 0 none, 1 N-M, 2 N-, 3 -N, 4 0-1
    ra: np.ndarray  # N (or suffix length)
    rb: np.ndarray  # M
    bytes_sent: np.ndarray
    off: np.ndarray  # index into timezone offsets
    session: np.ndarray  # row of the session in this day's batch

    FIELDS = ("t", "listener", "ipvar", "ep", "url", "method", "status", "rk", "ra", "rb",
              "bytes_sent", "off", "session")

    def take(self, idx: np.ndarray) -> Requests:
        return Requests(*(getattr(self, f)[idx] for f in self.FIELDS))

    @staticmethod
    def concat(parts: list[Requests]) -> Requests:
        return Requests(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                          Requests.FIELDS))

    def __len__(self) -> int:
        return len(self.t)


OFFSETS = ("+00:00", "-05:00", "-08:00", "+01:00", "+05:30", "+09:00")
OFFSET_SECONDS = np.array([0, -18000, -28800, 3600, 19800, 32400])
OFFSET_P = np.array([0.86, 0.05, 0.03, 0.03, 0.02, 0.01])


def listened_bytes(rng: np.random.Generator, size: np.ndarray, stype: np.ndarray) -> np.ndarray:
    """Bytes a session reads: complete for a third, Beta-distributed otherwise;
    abandoned sessions stop within the first few percent."""
    f = np.where(rng.random(len(size)) < 0.35, 1.0, rng.beta(1.2, 1.5, len(size)))
    f = np.where(stype == ABANDON, rng.uniform(0.0005, 0.04, len(size)), f)
    return np.maximum((size * f).astype(np.int64), np.minimum(size, 4096))


def expand(rng: np.random.Generator, s: Sessions, size_of: np.ndarray, dur_of: np.ndarray,
           pop: Population) -> tuple[Requests, np.ndarray, np.ndarray]:
    """Requests of the sessions, each session's listened extent (bytes from 0) and the
    IP variant (privacy address / spelling) the session used."""
    n = len(s.t)
    ep = np.maximum(s.ep, 0)
    size = np.where(s.ep >= 0, size_of[ep], rng.integers(5_000_000, 50_000_000, n))
    dur = dur_of[ep]
    listened = listened_bytes(rng, size, s.stype)
    listened = np.where(s.stype == FULL, size, listened)
    ranged = s.stype == RANGED
    probe = (ranged & (rng.random(n) < 0.30)) | ((s.stype == FULL) & (rng.random(n) < 0.05))
    suffix = ranged & (rng.random(n) < 0.15)
    chunks = np.where(ranged, 1 + np.minimum(rng.poisson(1.5, n), 5), 1)
    listened = np.where(ranged, np.minimum(size, np.maximum(listened, chunks * 65536)),
                        listened)
    nreq = probe + suffix + chunks
    rep = np.repeat(np.arange(n), nreq)
    j = np.arange(len(rep)) - np.repeat(np.cumsum(nreq) - nreq, nreq)
    is_probe = probe[rep] & (j == 0)
    is_suffix = suffix[rep] & (j == probe[rep])
    c = j - probe[rep] - suffix[rep]
    k, cap, sz, st = chunks[rep], listened[rep], size[rep], s.stype[rep]
    b0 = cap * c // k
    b1 = cap * (c + 1) // k
    overlap = np.where((c > 0) & (rng.random(len(rep)) < 0.3), rng.integers(1, 65536,
                                                                              len(rep)), 0)
    start = np.maximum(b0 - overlap, 0)
    last = c == k - 1
    m = len(rep)
    method = np.zeros(m, dtype=np.int8)
    status = np.full(m, 206, dtype=np.int16)
    rk = np.where(last, 2, 1).astype(np.int8)
    ra, rb = start, b1 - 1
    sent = b1 - start
    full = st == FULL
    status[full] = 200
    rk[full] = 0
    sent = np.where(full, sz, sent)
    aband200 = (st == ABANDON) & (rng.random(m) < 0.5)
    status[aband200] = 200
    rk[aband200] = 0
    status[st == AKAMAI] = 0
    burst = st == BURST
    rk[burst] = 2
    ra = np.where(burst, 0, ra)
    sent = np.where(burst, sz, sent)
    method[st == HEAD] = 1
    status[st == HEAD] = 200
    status[st == NOTMOD] = 304
    status[st == E404] = 404
    status[st == E416] = 416
    status[st == UNMATCHED] = 200
    rk[np.isin(st, [HEAD, NOTMOD, E404, UNMATCHED])] = 0
    e416 = st == E416
    rk[e416] = 2
    ra = np.where(e416, sz + 1000, ra)
    sent = np.where(np.isin(st, [HEAD, NOTMOD, E416]), 0, sent)
    sent = np.where(st == E404, 162, sent)
    sent = np.where(st == UNMATCHED, sz, sent)
    # probes and suffix reads
    status[is_probe | is_suffix] = 206
    rk[is_probe] = 4
    ra = np.where(is_probe, 0, ra)
    rb = np.where(is_probe, 1, rb)
    sent = np.where(is_probe, 2, sent)
    slen = np.minimum(rng.integers(8192, 131073, m), sz)
    rk[is_suffix] = 3
    ra = np.where(is_suffix, slen, ra)
    sent = np.where(is_suffix, slen, sent)
    # timing: chunks follow playback
    gap = (dur[rep] * cap / np.maximum(sz, 1) / k * rng.uniform(0.5, 1.0, m)).astype(np.int64)
    t = s.t[rep] + is_suffix + np.where(c > 0, 1 + c * gap, 0)
    hh = pop.listener_hh[s.listener]
    ipvar = (rng.random(n) * pop.hh_nvar[hh]).astype(np.int64)
    off = rng.choice(len(OFFSETS), n, p=OFFSET_P)
    req = Requests(t=t, listener=s.listener[rep], ipvar=ipvar[rep], ep=s.ep[rep],
                   url=s.url[rep], method=method, status=status, rk=rk, ra=ra, rb=rb,
                   bytes_sent=sent.astype(np.int64), off=off[rep], session=rep)
    extent = np.where(np.isin(s.stype, [FULL, RANGED, ABANDON, AKAMAI]), listened, 0)
    return req, extent, ipvar


def ip_index(pop: Population, listener: np.ndarray, ipvar: np.ndarray) -> np.ndarray:
    return pop.listener_hh[listener] * N_VARIANTS + ipvar
