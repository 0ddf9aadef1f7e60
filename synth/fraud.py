"""Invalid traffic that passes the IAB filters, with its ground truth.

Every request here survives the exclusion rules of PRODUCT.md (GET, 200, a user agent no
OPAWG bot pattern matches, a matched URL, far under the abusive-IP threshold), so its
complete downloads are counted: that is what makes it fraud rather than filtered noise.
Four kinds, each from actors of their own (households appended to the population, so no
real listener's traffic changes):

- `binge`: one household downloads a show's whole back catalogue within minutes (download
  farms and "subscribe to inflate" services; a real app auto-downloads a few episodes).
- `scripted`: a few data-centre IPs, each cycling through several user agents of headless
  browsers, emulators and server HTTP stacks that the OPAWG lists do not name: many
  listener keys, few IPs.
- `redownload`: a dozen keys re-download the same recent episodes of one show every day
  for ten days: downloads jump, listeners hardly move.
- `regular`: a client fetches a show's episodes one after another at a fixed interval,
  day and night (a scheduler, not a person).

The truth (`truth`) also lists the bursts of the world's abusive IPs (kind `ip_burst`,
synth/world.py's anomalies) on the day one of them stays exactly at the threshold and so
passes. Only worlds of MIN_DAYS or more get fraud (a show needs a history to jump from); all
randomness comes from stream(seed, "fraud"), so the rest of the world is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from synth import agents, traffic
from synth.catalog import Catalog
from synth.listeners import N_VARIANTS, V4_HOMES, Population, ipv4_strings
from synth.rng import stream
from synth.traffic import FULL, N_URL_VARIANTS, Sessions

MIN_DAYS = 28
KINDS = ("binge", "scripted", "redownload", "regular", "ip_burst")
V4_DATACENTRE = 0x2D000000  # 45.0.0.0/8: hosting providers, outside the households' /4
N_BINGES = 6
N_SCRIPTED_IPS, SCRIPTED_DAYS, SCRIPTED_PER_KEY = 3, 10, 3.0
N_REDOWNLOADERS, REDOWNLOAD_DAYS, REDOWNLOAD_EPISODES = 12, 10, 8
REGULAR_INTERVALS = (37 * 60, 53 * 60)  # seconds between a scheduler's fetches
REGULAR_DAYS = 7
# each kind's downloads as a share of its show's expected downloads (bigger worlds get more
# actors; the base counts above are the minimum)
BINGE_SHARE, REDOWNLOAD_SHARE, REGULAR_SHARE, SCRIPTED_SHARE = 0.15, 0.3, 0.2, 0.15


@dataclass
class Actor:
    listener: int
    kind: str
    show: int
    first_day: int
    last_day: int  # inclusive
    interval: int = 0  # regular: seconds between fetches
    phase: int = 0  # binge: second of the day it starts; regular: first fetch


@dataclass
class Fraud:
    population: Population  # the world's population with the fraud actors appended
    actors: list[Actor]

    def keys(self) -> tuple[np.ndarray, np.ndarray]:
        """Listener keys (household x agent, as synth.truth) and their kinds."""
        lsn = np.array([a.listener for a in self.actors], dtype=np.int64)
        pop = self.population
        key = pop.listener_hh[lsn] * agents.N_AGENTS + pop.listener_ua[lsn]
        return key, np.array([a.kind for a in self.actors])


def _append(pop: Population, ips: np.ndarray, uas: np.ndarray,
            hh_of: np.ndarray) -> Population:
    """`pop` with IPv4 households `ips` and one listener per (hh_of[i], uas[i])."""
    n_hh = len(pop.hh_v6)
    strings = ipv4_strings(ips.astype(np.int64))
    rep = pa.array(np.repeat(np.arange(len(ips)), N_VARIANTS))
    return Population(
        n_households=pop.n_households,
        hh_v6=np.concatenate([pop.hh_v6, np.zeros(len(ips), dtype=bool)]),
        hh_nvar=np.concatenate([pop.hh_nvar, np.ones(len(ips), dtype=pop.hh_nvar.dtype)]),
        hh_addr=np.concatenate([pop.hh_addr, ips.astype(np.uint64)]),
        ip_strings=pa.concat_arrays([pop.ip_strings, strings.take(rep)]),
        listener_hh=np.concatenate([pop.listener_hh, n_hh + hh_of]),
        listener_ua=np.concatenate([pop.listener_ua, uas]),
        listener_watch=np.concatenate([pop.listener_watch, np.full(len(uas), -1)]),
        n_regular=pop.n_regular, sub_listener=pop.sub_listener, sub_start=pop.sub_start,
        bot_listeners=pop.bot_listeners, abusive_listeners=pop.abusive_listeners)


def _home_ips(rng: np.random.Generator, n: int, taken: np.ndarray) -> np.ndarray:
    """Addresses in the households' block that no real household uses."""
    pick = V4_HOMES[0] + rng.choice(1 << V4_HOMES[1], 2 * n, replace=False)
    return pick[~np.isin(pick, taken.astype(np.int64))][:n]


def _daily_downloads(cat: Catalog, pop: Population) -> np.ndarray:
    """Each show's expected listening sessions per day (about its downloads), on average."""
    subs = np.diff(pop.sub_start).astype(float)
    show_of = cat.episodes["show_idx"].to_numpy()
    total = sum(np.bincount(show_of, traffic.expected_rates(cat, subs, d),
                            minlength=len(cat.shows)) for d in range(cat.days))
    return np.asarray(total) / cat.days


def _actors(rng: np.random.Generator, cat: Catalog, pop: Population,
            shows: np.ndarray) -> list[Actor]:
    """Who does what, where and when; listener ids are filled in by `plan`. Each kind is
    sized to a share of its show's expected downloads (at least its base count), so a
    large world's fraud is as visible as a small one's."""
    days, history = cat.days, 14  # every kind starts after two weeks of organic history
    daily = _daily_downloads(cat, pop)

    def count(base: int, show: int, per_actor: float, share: float) -> int:
        return max(base, int(np.ceil(share * daily[show] / per_actor)))

    # scripted and redownload traffic hide in the bigger half of the shows (a jump of a
    # few hundred downloads on a tiny show is no puzzle); schedulers and binges elsewhere
    by_size = shows[np.argsort(-daily[shows], kind="stable")]
    half = len(by_size) // 2
    big, rest = rng.permutation(by_size[:half]), rng.permutation(by_size[half:])
    out: list[Actor] = []
    for _ in range(N_BINGES):
        show, day = int(rng.choice(rest)), int(rng.integers(history, days))
        n_eps = max(1, len(_released(cat, show, cat.t0 + day * 86400)))
        out += [Actor(-1, "binge", show, day, day, phase=int(rng.integers(0, 86400 - 3600)))
                for _ in range(count(1, show, n_eps, BINGE_SHARE))]
    start = int(rng.integers(history, days - REDOWNLOAD_DAYS + 1))
    out += [Actor(-1, "redownload", int(big[1]), start, start + REDOWNLOAD_DAYS - 1)
            for _ in range(count(N_REDOWNLOADERS, int(big[1]), REDOWNLOAD_EPISODES / 2,
                                 REDOWNLOAD_SHARE))]
    for k in range(count(len(REGULAR_INTERVALS), int(rest[0]), 8, REGULAR_SHARE)):
        interval = REGULAR_INTERVALS[k % len(REGULAR_INTERVALS)] + 60 * (k // 2)
        day = int(rng.integers(history, days - REGULAR_DAYS + 1))
        out.append(Actor(-1, "regular", int(rest[0]), day, day + REGULAR_DAYS - 1, interval,
                         int(rng.integers(0, interval))))
    start = int(rng.integers(history, days - SCRIPTED_DAYS + 1))
    n_ips = count(N_SCRIPTED_IPS, int(big[0]), SCRIPTED_PER_KEY * len(agents.SCRIPTED),
                  SCRIPTED_SHARE)
    out += [Actor(-1, "scripted", int(big[0]), start, start + SCRIPTED_DAYS - 1)
            for _ in range(n_ips * len(agents.SCRIPTED))]
    return out


def plan(seed: int, cat: Catalog, pop: Population, logged: np.ndarray) -> Fraud | None:
    """The fraud actors of a world (None when the world is shorter than MIN_DAYS)."""
    shows = np.flatnonzero(logged)
    if cat.days < MIN_DAYS or len(shows) < 4:
        return None
    rng = stream(seed, "fraud")
    actors = _actors(rng, cat, pop, shows)
    home = [a for a in actors if a.kind != "scripted"]
    n_ips = (len(actors) - len(home)) // len(agents.SCRIPTED)
    # a household per home actor; a data-centre IP per group of scripted user agents
    uas = np.concatenate([rng.choice(agents.APP_IDS, len(home), p=agents.app_probabilities()),
                          np.tile(agents.SCRIPTED_IDS, n_ips)])
    hh_of = np.concatenate([np.arange(len(home)),
                            len(home) + np.repeat(np.arange(n_ips), len(agents.SCRIPTED))])
    ips = np.concatenate([_home_ips(rng, len(home), pop.hh_addr),
                          V4_DATACENTRE + rng.choice(1 << 24, n_ips, replace=False)])
    ordered = home + [a for a in actors if a.kind == "scripted"]
    for i, a in enumerate(ordered):
        a.listener = pop.n_listeners + i
    return Fraud(_append(pop, ips, uas, hh_of), ordered)


def _released(cat: Catalog, show: int, t: int) -> np.ndarray:
    ep = cat.episodes
    return np.flatnonzero((ep["show_idx"].to_numpy() == show) & (ep["pub_ts"].to_numpy() <= t))


def _actor_day(rng: np.random.Generator, cat: Catalog, a: Actor,
               d: int) -> tuple[np.ndarray, np.ndarray]:
    """Episodes and request times of one actor on world day d."""
    day0 = cat.t0 + d * 86400
    if a.kind == "binge":  # the whole back catalogue, one file after another, in minutes
        t0 = day0 + a.phase
        eps = _released(cat, a.show, t0)
        return eps, t0 + np.cumsum(rng.integers(2, 12, len(eps)))
    if a.kind == "regular":  # a fixed schedule from its first fetch, round-robin
        t_first = cat.t0 + a.first_day * 86400 + a.phase
        k = np.arange((REGULAR_DAYS * 86400 - a.phase) // a.interval)
        k = k[(t_first + k * a.interval) // 86400 == day0 // 86400]
        eps = _released(cat, a.show, day0)
        return eps[k % len(eps)], t_first + k * a.interval + rng.integers(0, 2, len(k))
    eps = _released(cat, a.show, day0)
    if a.kind == "redownload":  # the latest episodes, again, every day
        eps = eps[-REDOWNLOAD_EPISODES:]
    else:  # scripted: a few random episodes per key
        eps = rng.choice(eps, min(len(eps), 1 + rng.poisson(SCRIPTED_PER_KEY - 1)),
                         replace=False)
    return eps, day0 + np.sort(rng.integers(0, 86400 - 600, len(eps)))


def day_sessions(seed: int, cat: Catalog, fraud: Fraud, d: int) -> Sessions:
    """Complete single-request downloads (200, the plain enclosure URL) of day d."""
    rng = stream(seed, "fraud", d)
    lsn, eps, ts = [], [], []
    for a in fraud.actors:
        if a.first_day <= d <= a.last_day:
            e, t = _actor_day(rng, cat, a, d)
            lsn.append(np.full(len(e), a.listener))
            eps.append(e)
            ts.append(t)
    if not eps:
        return Sessions(*(np.zeros(0, dtype=np.int64) for _ in range(5)))
    ep = np.concatenate(eps).astype(np.int64)
    return Sessions(np.concatenate(lsn), ep, np.concatenate(ts).astype(np.int64),
                    np.full(len(ep), FULL), ep * N_URL_VARIANTS)


def truth(fraud: Fraud, cat: Catalog, other: dict[int, str], req_key: np.ndarray,
          req_t: np.ndarray, req_ep: np.ndarray, req_passed: np.ndarray,
          counted_key: np.ndarray, counted_cell: np.ndarray,
          downloads: pd.DataFrame) -> pd.DataFrame:
    """Per show x day with invalid traffic that passed the filters (fraud's actors and the
    `other` keys with their kind): its requests that passed, its counted downloads (default
    window type), the day's downloads and the fraud share, and the kinds present."""
    keys, kinds = fraud.keys()
    keys = np.concatenate([keys, np.array(list(other), dtype=np.int64)])
    kinds = np.concatenate([kinds, np.array(list(other.values()), dtype=kinds.dtype)])
    ep = cat.episodes
    show_ids = ep["show_id"].to_numpy()
    kind_of = dict(zip(keys.tolist(), kinds.astype(str).tolist(), strict=True))
    rq = pd.DataFrame({"key": req_key, "show_id": show_ids[np.maximum(req_ep, 0)],
                       "day": (req_t - cat.t0) // 86400})[np.isin(req_key, keys) & req_passed]
    dl = pd.DataFrame({"key": counted_key, "show_id": show_ids[counted_cell // 100_000],
                       "day": counted_cell % 100_000})[np.isin(counted_key, keys)]
    rq["kind"] = rq["key"].map(kind_of)
    by = ["show_id", "day"]
    out = rq.groupby(by).agg(fraud_requests=("key", "size"),
                             kinds=("kind", lambda k: "|".join(sorted(set(k)))))
    out = out.join(dl.groupby(by).size().rename("fraud_downloads")).fillna(
        {"fraud_downloads": 0}).reset_index()
    out["date"] = (pd.Timestamp(cat.start) + pd.to_timedelta(out["day"], unit="D")
                   ).dt.strftime("%Y-%m-%d")
    total = downloads.groupby(["show_id", "download_date"])["downloads"].sum()
    out["downloads"] = [int(total.get((s, d), 0)) for s, d in
                        zip(out["show_id"], out["date"], strict=True)]
    out["fraud_downloads"] = out["fraud_downloads"].astype(np.int64)
    out["fraud_share"] = np.where(out["downloads"] > 0,
                                  out["fraud_downloads"] / out["downloads"].clip(lower=1), 0.0)
    tenant = dict(zip(ep["show_id"], ep["tenant_id"], strict=False))
    out["tenant_id"] = out["show_id"].map(tenant)
    return out[["tenant_id", "show_id", "date", "kinds", "fraud_requests", "fraud_downloads",
                "downloads", "fraud_share"]].sort_values(["show_id", "date"])
