"""int_attribution_shapley_values (the Shapley values' closed form, in dbt) against the
definition: on random small sponsors, the exact Shapley value computed by enumerating every
coalition (the oracle, here only); on a sponsor with hundreds of channels, values worked
out by hand. On DuckDB and on Postgres.

The touchpoints are written as the model's input relation (intermediate.int_touchpoints_
matched) and dbt builds that one model, with its tests, on them.
"""

from __future__ import annotations

from itertools import permutations
from math import factorial
from pathlib import Path

import numpy as np
import pytest

from core.settings import Settings
from core.warehouse import connect
from tests.dbt.test_dbt_build import run_dbt

WIDE = 400  # channels of the wide sponsor


def shapley_by_enumeration(sets: dict[frozenset[str], float]) -> dict[str, float]:
    """The oracle: phi_i = sum over coalitions S without i of |S|! (n - |S| - 1)! / n! x
    (v(S + i) - v(S)), v(S) = the conversions whose channel set lies inside S, over all 2^n
    coalitions (as the product computed it before the closed form)."""
    channels = sorted(set().union(*sets))
    n = len(channels)
    bit = {c: 1 << i for i, c in enumerate(channels)}
    value = np.zeros(1 << n)
    for channel_set, conversions in sets.items():
        value[sum(bit[c] for c in channel_set)] += conversions
    for i in range(n):  # v(S) = sum over the subsets of S (zeta transform)
        halves = value.reshape(-1, 2, 1 << i)
        halves[:, 1, :] += halves[:, 0, :]
    coalitions = np.arange(1 << n)
    size = np.zeros(1 << n, dtype=np.int64)
    for i in range(n):
        size += (coalitions >> i) & 1
    weight = np.array([factorial(k) * factorial(n - k - 1) / factorial(n) for k in range(n)])
    phi = {}
    for i, c in enumerate(channels):
        without = coalitions[((coalitions >> i) & 1) == 0]
        phi[c] = float(np.sum(weight[size[without]] * (value[without | (1 << i)] - value[without])))
    return phi


def test_the_oracle_is_the_textbook_definition() -> None:
    """The enumeration equals the average marginal contribution over every arrival order."""
    sets = {frozenset("ABC"): 2.0, frozenset("AC"): 1.0, frozenset("B"): 1.0}

    def value(coalition: set[str]) -> float:
        return sum(n for s, n in sets.items() if s <= coalition)

    orders = list(permutations("ABC"))
    phi = dict.fromkeys("ABC", 0.0)
    for order in orders:
        present: set[str] = set()
        for c in order:
            before = value(present)
            present.add(c)
            phi[c] += (value(present) - before) / len(orders)
    assert shapley_by_enumeration(sets) == pytest.approx(phi)


def _random_sponsors(rng: np.random.Generator) -> dict[str, list[list[str]]]:
    """Sponsor -> its conversions' touches (channel names, repeats allowed)."""
    sponsors = {}
    for s in range(30):
        channels = [f"{t}:k{s}_{i}" for i, t in
                    enumerate(rng.choice(["impression", "utm_visit", "promo_code"],
                                         int(rng.integers(1, 9))))]
        sponsors[f"s{s:02d}"] = [list(rng.choice(channels, int(rng.integers(1, 6))))
                                 for _ in range(int(rng.integers(1, 25)))]
    return sponsors


def _wide_sponsor() -> list[list[str]]:
    """Conversion j touched channels j and j + 1 (mod WIDE), each twice; three conversions
    touched all of them; five touched w000 only."""
    ring = [f"impression:w{i:03d}" for i in range(WIDE)]
    return ([[ring[j], ring[j], ring[(j + 1) % WIDE], ring[(j + 1) % WIDE]]
             for j in range(WIDE)] + [list(ring)] * 3 + [[ring[0]]] * 5)


def _write_touchpoints(settings: Settings, sponsors: dict[str, list[list[str]]]) -> None:
    rows = [(sponsor, f"{sponsor}-c{k}", channel)
            for sponsor, conversions in sponsors.items()
            for k, touches in enumerate(conversions) for channel in touches]
    wh = connect(settings)
    try:
        wh.execute("create schema if not exists intermediate")
        wh.execute("create table intermediate.int_touchpoints_matched (sponsor_id text, "
                   "conversion_id text, channel text, touch_type text, campaign_id text)")
        wh.execute("insert into intermediate.int_touchpoints_matched values " + ", ".join(
            f"('{s}', '{c}', '{ch}', '{ch.partition(':')[0]}', '{ch.partition(':')[2]}')"
            for s, c, ch in rows))
    finally:
        wh.close()


def test_shapley_closed_form_equals_the_enumeration(settings: Settings, tmp_path: Path) -> None:
    sponsors = _random_sponsors(np.random.default_rng(17))
    sponsors["wide"] = _wide_sponsor()
    _write_touchpoints(settings, sponsors)
    # the model, its key and value tests, and the check that each sponsor's values add up
    run_dbt(["build", "--select", "int_attribution_shapley_values"], settings.dbt_env(),
            tmp_path)
    wh = connect(settings)
    try:
        rows = wh.fetchall("select sponsor_id, channel, touch_type, campaign_id, "
                           "shapley_value, conversions "
                           "from intermediate.int_attribution_shapley_values")
    finally:
        wh.close()
    got: dict[str, dict[str, float]] = {}
    for sponsor, channel, touch_type, campaign, value, conversions in rows:
        assert f"{touch_type}:{campaign}" == channel
        assert conversions == sum(channel in touches for touches in sponsors[sponsor])
        got.setdefault(sponsor, {})[channel] = float(value)
    assert set(got) == set(sponsors)
    for sponsor, conversions in sponsors.items():
        if sponsor == "wide":
            continue
        sets: dict[frozenset[str], float] = {}
        for touches in conversions:
            sets[frozenset(touches)] = sets.get(frozenset(touches), 0.0) + 1
        assert got[sponsor] == pytest.approx(shapley_by_enumeration(sets), abs=1e-9), sponsor
    # by hand: the ring gives each channel 1/2 + 1/2, the three full conversions 3/400 each,
    # the five single ones 5 to w000 (2^400 coalitions: no enumeration)
    wide = {f"impression:w{i:03d}": 1 + 3 / WIDE for i in range(WIDE)}
    wide["impression:w000"] += 5
    assert got["wide"] == pytest.approx(wide, abs=1e-9)
    assert sum(got["wide"].values()) == pytest.approx(WIDE + 3 + 5)
