"""Dynamic ad insertion per served session, and who was exposed to which campaign.

The ad server fills `bookings.FILL_RATE` of the dynamic slots during a campaign's flight,
choosing evenly among the line items live on the slot. The ad fills a pre-allocated slot,
so the file size does not change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.bookings import FILL_RATE, Bookings
from synth.listeners import N_VARIANTS, Population
from synth.traffic import AKAMAI, Sessions


def deliveries(rng: np.random.Generator, s: Sessions, extent: np.ndarray, ipvar: np.ndarray,
               show_of: np.ndarray, b: Bookings, table: np.ndarray,
               count: np.ndarray) -> pd.DataFrame:
    """One row per inserted ad: session index, line item index, bytes."""
    served = np.flatnonzero((s.stype <= AKAMAI) & (s.ep >= 0))
    ep = s.ep[served]
    show = show_of[ep]
    parts = []
    for p in range(3):
        cnt = count[show, p]
        ok = (cnt > 0) & (b.slot_end[ep, p] > 0) & (b.baked_li[ep, p] < 0)
        ok &= rng.random(len(ep)) < FILL_RATE
        pick = (rng.random(len(ep)) * np.maximum(cnt, 1)).astype(np.int64)
        li = table[show, p, np.minimum(pick, table.shape[2] - 1)]
        i = np.flatnonzero(ok)
        parts.append(pd.DataFrame({"sess": served[i], "li": li[i], "pos": p,
                                   "bs": b.slot_start[ep[i], p], "be": b.slot_end[ep[i], p]}))
    df = pd.concat(parts, ignore_index=True).sort_values(["sess", "pos"], kind="stable")
    df["ipx"] = ipvar[df["sess"].to_numpy()]
    df["extent"] = extent[df["sess"].to_numpy()]
    return df.reset_index(drop=True)


def exposures(s: Sessions, extent: np.ndarray, dl: pd.DataFrame, pop: Population,
              b: Bookings, camp_of_li: np.ndarray) -> pd.DataFrame:
    """(household, campaign, time) for people whose session played an ad's bytes."""
    people = s.listener < pop.n_regular
    parts = []
    d_ok = people[dl["sess"].to_numpy()] & (dl["extent"].to_numpy() >= dl["be"].to_numpy())
    sess = dl["sess"].to_numpy()[d_ok]
    parts.append(pd.DataFrame({"hh": pop.listener_hh[s.listener[sess]],
                               "campaign": camp_of_li[dl["li"].to_numpy()[d_ok]],
                               "t": s.t[sess]}))
    ep = np.maximum(s.ep, 0)
    for p in range(3):
        lid = b.baked_li[ep, p]
        ok = people & (s.ep >= 0) & (lid >= 0) & (extent >= b.slot_end[ep, p])
        parts.append(pd.DataFrame({"hh": pop.listener_hh[s.listener[ok]],
                                   "campaign": camp_of_li[lid[ok]], "t": s.t[ok]}))
    return pd.concat(parts, ignore_index=True)


def delivery_ip_index(pop: Population, s: Sessions, dl: pd.DataFrame) -> np.ndarray:
    sess = dl["sess"].to_numpy()
    return pop.listener_hh[s.listener[sess]] * N_VARIANTS + dl["ipx"].to_numpy()
