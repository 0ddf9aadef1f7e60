"""Expected audience and ad delivery, for sizing bookings before any traffic exists.

A network books what its shows can deliver: sales forecasts each line item's impressions
from the shows' audience (subscribers, release schedule, the download curve), the fill rate
and the share of listening that reaches the ad. Here the forecast uses the generator's own
demand model (`traffic.expected_rates`) and listening model (`traffic.listened_bytes`),
so booked and delivered impressions agree up to chance, at any world size.
"""

from __future__ import annotations

import math

import numpy as np

from synth import traffic
from synth.catalog import Catalog
from synth.listeners import Population

# The listening model of traffic.listened_bytes / traffic.expand: session types in the
# proportions of traffic.LISTEN_P; a session reads the whole file (FULL), or a fraction f
# (RANGED and AKAMAI: whole with probability 0.35, else Beta(1.2, 1.5)); an abandoned
# session stops at U(0.0005, 0.04) of the file. tests/synth checks these against it.
P_COMPLETE = 0.35
BETA_A, BETA_B = 1.2, 1.5
ABANDON_LO, ABANDON_HI = 0.0005, 0.04
P_HAS_USER_AGENT = 0.99  # listeners.build_population: ~1% of clients send none
_GRID = np.linspace(0.0, 1.0, 20_001)
# Delivered ads per listening session that plays the slot, by ad type and position
# (pre, mid, post), measured on generated worlds (seeds 7, 11, 42; 200,000 listeners):
# requests of one listener and episode within a day make one download, which carries a
# host read once (fewer impressions than sessions) but delivers an inserted ad of any of
# its sessions whose bytes the download covers as a whole (more).
PER_SESSION = {"baked": (0.905, 0.905, 0.905), "dynamic": (1.025, 1.05, 1.09)}


def _beta_cdf(x: np.ndarray) -> np.ndarray:
    """CDF of Beta(1.2, 1.5) by the trapezoid rule on a fine grid (no scipy needed)."""
    inner = _GRID[1:-1]
    pdf = np.concatenate([[0.0], inner ** (BETA_A - 1) * (1 - inner) ** (BETA_B - 1), [0.0]])
    cdf = np.concatenate([[0.0], np.cumsum((pdf[1:] + pdf[:-1]) / 2 * np.diff(_GRID))])
    norm = math.gamma(BETA_A) * math.gamma(BETA_B) / math.gamma(BETA_A + BETA_B)
    return np.interp(x, _GRID, np.minimum(cdf / norm, 1.0))


def reach_probability(frac: np.ndarray) -> np.ndarray:
    """P(a listening session reads the file's first `frac` bytes), frac in [0, 1]."""
    full, ranged, abandon, akamai = traffic.LISTEN_P
    frac = np.asarray(frac, dtype=float)
    partial = P_COMPLETE + (1 - P_COMPLETE) * (1 - _beta_cdf(frac))
    partial = np.where(frac >= 1.0, P_COMPLETE, partial)
    stopped = np.clip((ABANDON_HI - frac) / (ABANDON_HI - ABANDON_LO), 0.0, 1.0)
    return full + (ranged + akamai) * partial + abandon * stopped


def expected_sessions(cat: Catalog, subs: np.ndarray, logged: np.ndarray,
                      spike: tuple[int, int, float], outage: tuple[int, int],
                      shocks: list[tuple[int, int, float]] = ()) -> np.ndarray:
    """(episodes, days) expected listening sessions counted from the access logs: the
    demand model, the planned spike and shocks (show, day, factor: synth/injected.py),
    nothing from a show's logs on its outage day."""
    show_of = cat.episodes["show_idx"].to_numpy()
    lam = np.stack([traffic.expected_rates(cat, subs, d) for d in range(cat.days)], axis=1)
    lam[~logged[show_of]] = 0.0
    for show, day, factor in [spike, *shocks]:
        lam[show_of == show, day] *= factor
    lam[show_of == outage[0], outage[1]] = 0.0
    return lam


def delivery_probability(slot_end: np.ndarray, need: np.ndarray,
                         size: np.ndarray) -> np.ndarray:
    """(episodes, 3) P(a listening session is a counted download that carried the slot's
    ad): it reads past the ad's last byte and past the download threshold."""
    reach = np.maximum(slot_end, need[:, None]) / np.maximum(size, 1)[:, None]
    p = reach_probability(np.minimum(reach, 1.0)) * P_HAS_USER_AGENT
    return np.where(slot_end > 0, p, 0.0)


def household_subscriptions(pop: Population, n_shows: int, rng: np.random.Generator,
                            sample: int = 200_000) -> tuple[np.ndarray, np.ndarray]:
    """Who listens to what: the distinct rows (households x shows: how many of a
    household's listeners subscribe to each show) and how many households have each, over
    all households or a random sample of them in a large world."""
    hh = pop.listener_hh[pop.sub_listener]
    show = np.repeat(np.arange(n_shows), np.diff(pop.sub_start))
    pick = np.arange(pop.n_households)
    if pop.n_households > sample:
        pick = np.sort(rng.choice(pop.n_households, sample, replace=False))
    row = np.searchsorted(pick, hh)
    ok = (row < len(pick)) & (pick[np.minimum(row, len(pick) - 1)] == hh)
    counts = np.zeros((len(pick), n_shows), dtype=np.int64)
    np.add.at(counts, (row[ok], show[ok]), 1)
    rows, weight = np.unique(counts, axis=0, return_counts=True)
    return rows.astype(float), weight.astype(float)


def multi_campaign_share(households: tuple[np.ndarray, np.ndarray], daily: np.ndarray,
                         li_campaign: np.ndarray, li_show: np.ndarray, subs: np.ndarray,
                         camp_sponsor: np.ndarray, window_days: np.ndarray,
                         response: np.ndarray, organic: np.ndarray,
                         delay_pmf: np.ndarray) -> float:
    """Expected share of converters with a touch from two or more of their sponsor's
    campaigns (impressions within each campaign's window before the order).

    A subscriber of a show hears a campaign's ads there as a Poisson process: the line
    items' daily forecast spread over the show's subscribers. A household responds to
    each campaign it heard with the sponsor's `response` probability, ordering `delay_pmf`
    days after an exposure; it also orders organically (`organic`, per day);
    the order is multi-campaign when another campaign's ad reached it within that one's
    window before the order. `households`: distinct subscription rows and their counts
    (`household_subscriptions`)."""
    rows, weight = households
    n_days = daily.shape[1]
    rate = np.zeros((len(camp_sponsor), len(subs), n_days))
    np.add.at(rate, (li_campaign, li_show), daily)
    rate /= np.maximum(subs, 1)[None, :, None]
    exp_hcd = np.einsum("hs,csd->hcd", rows, rate)  # expected exposures per day
    days = np.arange(n_days)
    # lag[d, t] = P(an exposure on day d brings an order on day t)
    lag = np.where(days[None, :] >= days[:, None],
                   delay_pmf[np.maximum(days[None, :] - days[:, None], 0)], 0.0)
    num = den = 0.0
    for sp in np.unique(camp_sponsor):
        cs = np.flatnonzero(camp_sponsor == sp)
        a = exp_hcd[:, cs, :]
        total = a.sum(axis=2)
        cum = np.concatenate([np.zeros((*a.shape[:2], 1)), np.cumsum(a, axis=2)], axis=2)
        in_window = np.stack([cum[:, j, days + 1] - cum[:, j, np.maximum(
            days - window_days[c] + 1, 0)] for j, c in enumerate(cs)], axis=1)
        touched = 1 - np.exp(-in_window)  # (households, campaigns, order day)
        for j in range(len(cs)):
            first = a[:, j, :] / np.maximum(total[:, j], 1e-12)[:, None]
            order_day = first @ lag
            w = (weight * response[sp] * (1 - np.exp(-total[:, j])))[:, None] * order_day
            others = np.delete(in_window, j, axis=1).sum(axis=1)
            num += (w * (1 - np.exp(-others))).sum()
            den += w.sum()
        none = np.prod(1 - touched, axis=1)
        one = (touched * np.prod(1 - touched, axis=1, keepdims=True)
               / np.maximum(1 - touched, 1e-12)).sum(axis=1)
        num += organic[sp] * (weight[:, None] * (1 - none - one)).sum()
        den += organic[sp] * (weight[:, None] * (1 - none)).sum()
    return float(num / den) if den else 0.0
