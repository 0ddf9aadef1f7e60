"""Listener churn: show subscriptions begin and end during the world, at a hazard that
depends on behaviour the warehouse observes, so a model can learn it.

Each regular subscription (a listener x show of `Population`) gets an affinity (how much
of the show it listens to: LogNormal, mean ~1) and a daily hazard of ending:
BASE_HAZARD x affinity^-AFFINITY_EFFECT x the app's factor (web players churn more,
Apple Podcasts on iPhone less: habitual, auto-downloading listeners). Its end day is drawn
from that constant hazard (memoryless, so subscriptions older than the world follow the same
law) and may fall after the world's last day: the truth knows the future. In the FADE_DAYS
before the end the subscription listens less and less (down to FADE_FLOOR of its usual
rate): interest fades before a listener stops, which is what a churn model sees. A share of
subscriptions (JOIN_SHARE) begins during the world instead of before it, so a show's audience
stays about level while some of it leaves.

Traffic: the generator's demand model is unchanged (an episode's sessions per day are still
subscribers x decay x weekday, so bookings sized on it stay right); churn only decides WHO
listens: a session of a show goes to one of its subscriptions active that day, in
proportion to affinity x fade (`Churn.pick`), instead of uniformly. Counting truth comes from
the requests generated, so it is unaffected.

The truth (`truth_frame`) has a row per listener key x show with a subscription, and one per
key x show of the invalid-traffic actors (synth/fraud.py: households appended to the
population the logs see, never subscribers), marked with their kind in `invalid_traffic`
(empty for subscribers): every key the warehouse can score is in it, and says what it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from synth import agents
from synth.listeners import Population
from synth.rng import stream

if TYPE_CHECKING:  # synth.fraud imports synth.traffic, which imports this module
    from synth.fraud import Fraud

BASE_HAZARD = 0.006  # per day at affinity 1: ~4% of subscriptions end per week
AFFINITY_SIGMA = 0.7  # log-sd of affinity
AFFINITY_EFFECT = 0.8  # hazard ~ affinity^-0.8: light listeners leave sooner
BROWSER_FACTOR, APPLE_IPHONE_FACTOR = 2.0, 0.6
FADE_DAYS, FADE_FLOOR = 21, 0.15
JOIN_SHARE = 0.2  # of subscriptions, beginning on a uniform day of the world
NEVER = 10**6  # end day of a subscription that outlives any horizon


@dataclass
class Churn:
    """Per subscription, in the order of `Population.sub_listener` (sorted by show)."""

    sub_start: np.ndarray  # CSR offsets per show (Population.sub_start)
    affinity: np.ndarray
    hazard: np.ndarray  # daily
    start_day: np.ndarray  # world day it begins (0: before the world)
    end_day: np.ndarray  # first world day it no longer listens (may be >= days)

    def weights(self, day: int) -> np.ndarray:
        """Each subscription's share of its show's listening on `day` (unnormalised)."""
        left = self.end_day - day
        fade = np.clip(FADE_FLOOR + (1 - FADE_FLOOR) * left / FADE_DAYS, FADE_FLOOR, 1.0)
        active = (self.start_day <= day) & (left > 0)
        return np.where(active, self.affinity * fade, 0.0)

    def pick(self, u: np.ndarray, show: np.ndarray, day: int) -> np.ndarray:
        """The subscription (index into sub_listener) of each session of `show` on `day`,
        given a uniform draw `u` per session: inverse CDF of the day's weights within the
        show. A show with no active subscription falls back to any of its subscribers."""
        cum = np.concatenate([[0.0], np.cumsum(self.weights(day))])
        first, last = self.sub_start[show], self.sub_start[show + 1]
        lo, hi = cum[first], cum[last]
        idx = np.searchsorted(cum, lo + u * (hi - lo), side="right") - 1
        idx = np.clip(idx, first, np.maximum(last - 1, first))
        uniform = first + (u * (last - first)).astype(np.int64)
        return np.where(hi > lo, idx, uniform)


def _app_factor(ua: np.ndarray) -> np.ndarray:
    browser = np.array([a.kind == "browser" for a in agents.ALL])
    factor = np.where(browser[ua], BROWSER_FACTOR, 1.0)
    return np.where(np.isin(ua, agents.IPHONE_IDS), APPLE_IPHONE_FACTOR, factor)


def build_churn(seed: int, pop: Population, days: int) -> Churn:
    rng = stream(seed, "churn")
    n = len(pop.sub_listener)
    affinity = rng.lognormal(-AFFINITY_SIGMA ** 2 / 2, AFFINITY_SIGMA, n)
    hazard = (BASE_HAZARD * affinity ** -AFFINITY_EFFECT
              * _app_factor(pop.listener_ua[pop.sub_listener]))
    joins = rng.random(n) < JOIN_SHARE
    start = np.where(joins, rng.integers(1, max(days, 2), n), 0)
    life = np.floor(rng.exponential(1.0 / hazard)).astype(np.int64)
    end = np.minimum(start + 1 + life, NEVER)
    return Churn(pop.sub_start, affinity, hazard, start, end)


def listener_prefix(pop: Population, hh: np.ndarray) -> np.ndarray:
    """The household's listener part of its IP, as the warehouse hashes it: the IPv4
    address, or the IPv6 /64 as four lowercase hextets without leading zeros."""
    addr = pop.hh_addr[hh].astype(np.uint64)
    v4 = [f"{a >> 24 & 255}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}" for a in addr.tolist()]
    v6 = [":".join(f"{a >> s & 0xFFFF:x}" for s in (48, 32, 16, 0)) for a in addr.tolist()]
    return np.where(pop.hh_v6[hh], v6, v4)


def truth_frame(ch: Churn, pop: Population, shows: pd.DataFrame, start: dt.date,
                fr: Fraud | None = None) -> pd.DataFrame:
    """One row per listener key (household x user agent) x show with a subscription: when
    it began and when its last subscription there ended (the first day without listening;
    empty when it outlives any horizon). The key's IP part is given as the warehouse hashes
    it, so a test can rebuild the salted key. With `fr`, the invalid-traffic actors' keys x
    shows follow (`invalid_traffic`: their kind; active from their first to their last
    day, so churned_at is the day after it)."""
    show = np.repeat(np.arange(len(ch.sub_start) - 1), np.diff(ch.sub_start))
    lsn = pop.sub_listener
    frame = pd.DataFrame({"show_idx": show, "household": pop.listener_hh[lsn],
                          "ua": pop.listener_ua[lsn], "start_day": ch.start_day,
                          "end_day": ch.end_day, "affinity": ch.affinity,
                          "hazard": ch.hazard})
    key = frame.groupby(["show_idx", "household", "ua"], sort=True).agg(
        start_day=("start_day", "min"), end_day=("end_day", "max"),
        affinity=("affinity", "sum"), hazard=("hazard", "min")).reset_index()
    day0 = pd.Timestamp(start)
    ends = key["end_day"].where(key["end_day"] < NEVER)
    subscribers = pd.DataFrame({
        "tenant_id": shows["tenant_id"].to_numpy()[key["show_idx"]],
        "show_id": shows["show_id"].to_numpy()[key["show_idx"]],
        "household": key["household"],
        "user_agent": [agents.ALL[u].ua for u in key["ua"]],
        "listener_ip_prefix": listener_prefix(pop, key["household"].to_numpy()),
        "subscribed_from": (day0 + pd.to_timedelta(key["start_day"], unit="D")).dt.date,
        "churned_at": (day0 + pd.to_timedelta(ends, unit="D")).dt.date,
        "affinity": key["affinity"].round(4),
        "daily_hazard": key["hazard"].round(6),
        "invalid_traffic": "",
    })
    return subscribers if fr is None else pd.concat(
        [subscribers, _invalid_traffic(fr, shows, day0)], ignore_index=True)


def _invalid_traffic(fr: Fraud, shows: pd.DataFrame, day0: pd.Timestamp) -> pd.DataFrame:
    """The fraud actors' keys x shows: not subscribers, so no affinity or hazard."""
    fp = fr.population
    lsn = np.array([a.listener for a in fr.actors], dtype=np.int64)
    frame = pd.DataFrame({"show_idx": [a.show for a in fr.actors],
                          "household": fp.listener_hh[lsn], "ua": fp.listener_ua[lsn],
                          "first_day": [a.first_day for a in fr.actors],
                          "last_day": [a.last_day for a in fr.actors],
                          "kind": [a.kind for a in fr.actors]})
    key = frame.groupby(["show_idx", "household", "ua"], sort=True).agg(
        first_day=("first_day", "min"), last_day=("last_day", "max"),
        kind=("kind", lambda k: "|".join(sorted(set(k))))).reset_index()
    return pd.DataFrame({
        "tenant_id": shows["tenant_id"].to_numpy()[key["show_idx"]],
        "show_id": shows["show_id"].to_numpy()[key["show_idx"]],
        "household": key["household"],
        "user_agent": [agents.ALL[u].ua for u in key["ua"]],
        "listener_ip_prefix": listener_prefix(fp, key["household"].to_numpy()),
        "subscribed_from": (day0 + pd.to_timedelta(key["first_day"], unit="D")).dt.date,
        "churned_at": (day0 + pd.to_timedelta(key["last_day"] + 1, unit="D")).dt.date,
        "affinity": np.nan, "daily_hazard": np.nan, "invalid_traffic": key["kind"]})
