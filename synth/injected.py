"""More injected anomalies, so that a detector's precision and recall can be measured.

The world's original anomalies (world._anomalies: one download spike, one outage, one
conversion spike) stay as they were; a world of at least MIN_DAYS days also gets, from a
random stream of its own:

- download spikes (x3 or x4) and drops (x0.15) on show-days: the demand of every episode
  of the show that day is multiplied, so the extra or missing traffic goes through the
  normal request paths (and the bookings, sold on expected traffic, include it);
- campaign delivery drops: the ad server inserts none (DELIVERY_KEPT) of one dynamic
  campaign's ads on one day (an ad-server fault: the listening is unchanged);
- conversion spikes: extra organic visitors of one sponsor on one day, enough for about
  CONVERSION_EXTRA_ORDERS extra orders.

Each lies in [WARMUP_DAYS, days - 1) so a trailing window has history before it, on a show
with enough expected traffic to tell the shock from Poisson noise, and at least
SPACING_DAYS from any other anomaly of the same show, campaign or sponsor.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from synth import traffic
from synth.catalog import Catalog
from synth.rng import stream

MIN_DAYS = 28
WARMUP_DAYS = 14
SPACING_DAYS = 7
SPIKES, DROPS, DELIVERY_DROPS, CONVERSION_SPIKES = 4, 4, 2, 3
SPIKE_FACTORS = (3.0, 4.0)
DROP_FACTOR = 0.15
# expected listening sessions a show-day needs (~0.8 counted download each): a x0.15
# drop of 60 sessions is ~40 downloads below ~48, about 6 Poisson sd; a x3 spike of 25
# is ~40 above ~20, about 9 sd
MIN_SPIKE_SESSIONS, MIN_DROP_SESSIONS = 25.0, 60.0
DELIVERY_KEPT = 0.0  # none served: a partial drop of ~20 a day is within noise
MIN_DAILY_IMPRESSIONS = 40.0  # forecast per flight day (about 20 to 30 are delivered)
CONVERSION_EXTRA_ORDERS = 12


@dataclass
class Injected:
    downloads: list[tuple[int, int, float]] = field(default_factory=list)  # show, day, x
    delivery_drops: list[tuple[int, int, float]] = field(default_factory=list)  # campaign
    conversions: list[tuple[int, int, int]] = field(default_factory=list)  # sponsor, visits

    def download_factors(self, day: int) -> list[tuple[int, float]]:
        return [(show, x) for show, d, x in self.downloads if d == day]


def _free(taken: list[tuple[int, int]], entity: int, day: int) -> bool:
    return all(e != entity or abs(d - day) >= SPACING_DAYS for e, d in taken)


def download_shocks(seed: int, cat: Catalog, subs: np.ndarray, logged: np.ndarray,
                    taken: list[tuple[int, int]]) -> list[tuple[int, int, float]]:
    """Spikes and drops on show-days; `taken`: (show, day) of anomalies already planned."""
    if cat.days < MIN_DAYS:
        return []
    rng = stream(seed, "injected-downloads")
    show_of = cat.episodes["show_idx"].to_numpy()
    days = np.arange(WARMUP_DAYS, cat.days - 1)
    sessions = np.stack([np.bincount(show_of, traffic.expected_rates(cat, subs, d),
                                     minlength=len(logged)) for d in days], axis=1)
    taken = list(taken)
    out: list[tuple[int, int, float]] = []
    for n, floor, factor in ((SPIKES, MIN_SPIKE_SESSIONS, None),
                             (DROPS, MIN_DROP_SESSIONS, DROP_FACTOR)):
        show, col = np.nonzero((sessions >= floor) & logged[:, None])
        placed = 0
        for i in rng.permutation(len(show)):
            s, d = int(show[i]), int(days[col[i]])
            if placed == n:
                break
            if _free(taken, s, d):
                x = factor if factor is not None else float(rng.choice(SPIKE_FACTORS))
                out.append((s, d, x))
                taken.append((s, d))
                placed += 1
    return sorted(out, key=lambda o: (o[1], o[0]))


def delivery_drops(seed: int, days: int, campaigns: pd.DataFrame,
                   line_items: pd.DataFrame) -> list[tuple[int, int, float]]:
    """(campaign index, day, share of its inserted ads kept) for dynamic-only campaigns
    forecast to deliver enough a day to tell the drop from noise."""
    if days < MIN_DAYS:
        return []
    rng = stream(seed, "injected-delivery")
    baked = set(line_items.loc[line_items["ad_type"] != "dynamic", "campaign_id"])
    forecast = line_items.groupby("campaign_id")["forecast"].sum()
    out = []
    for ci in rng.permutation(len(campaigns)):
        c = campaigns.iloc[ci]
        lo = max(WARMUP_DAYS, int(c.start_day) + SPACING_DAYS)
        hi = min(days - 2, int(c.end_day))
        daily = forecast.get(c.campaign_id, 0.0) / (int(c.end_day) - int(c.start_day) + 1)
        if c.campaign_id in baked or lo > hi or daily < MIN_DAILY_IMPRESSIONS:
            continue
        out.append((int(ci), int(rng.integers(lo, hi + 1)), DELIVERY_KEPT))
        if len(out) == DELIVERY_DROPS:
            break
    return sorted(out, key=lambda o: (o[1], o[0]))


def conversion_spikes(seed: int, days: int, sponsors: pd.DataFrame,
                      taken: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(sponsor index, day, extra organic visits) for sponsors not spiked already near."""
    if days < MIN_DAYS:
        return []
    rng = stream(seed, "injected-conversions")
    out: list[tuple[int, int, int]] = []
    for si in rng.permutation(len(sponsors)):
        day = int(rng.integers(WARMUP_DAYS, days - 1))
        if not _free(taken, int(si), day):
            continue
        p_order = float(sponsors["p_order"].iat[si])
        out.append((int(si), day, math.ceil(CONVERSION_EXTRA_ORDERS / max(p_order, 0.01))))
        if len(out) == CONVERSION_SPIKES:
            break
    return sorted(out, key=lambda o: (o[1], o[0]))


def conversion_visits(seed: int, t0: int, spikes: list[tuple[int, int, int]],
                      n_households: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The spikes' extra organic visits: times, households, sponsor indexes."""
    rng = stream(seed, "injected-conversion-visits")
    t, hh, sp = [], [], []
    for si, day, visits in spikes:
        t.append(t0 + day * 86400 + rng.integers(0, 86400, visits))
        hh.append(rng.integers(0, n_households, visits))
        sp.append(np.full(visits, si))
    if not t:
        return (np.zeros(0, np.int64),) * 3
    return np.concatenate(t), np.concatenate(hh), np.concatenate(sp)


def truth_rows(inj: Injected, shows: np.ndarray, campaigns: np.ndarray, sponsors: np.ndarray,
               day: Callable[[int], str]) -> list[tuple[str, str, str, str, float]]:
    """ground_truth/anomalies.csv rows: metric, entity type, entity id, date, size."""
    rows = [("downloads", "show", str(shows[s]), day(d), x) for s, d, x in inj.downloads]
    rows += [("delivered_impressions", "campaign", str(campaigns[c]), day(d), x)
             for c, d, x in inj.delivery_drops]
    rows += [("conversions", "sponsor", str(sponsors[s]), day(d), float(v))
             for s, d, v in inj.conversions]
    return rows
