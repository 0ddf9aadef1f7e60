"""The injected anomalies: planned only in worlds long enough to judge them, after the
warm-up, spaced, on shows with access logs, and the same for the same seed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from synth import injected
from synth.catalog import build_catalog
from synth.listeners import build_population


def _plan(days: int, seed: int = 5) -> list[tuple[int, int, float]]:
    cat = build_catalog(seed, 2, 12, dt.date(2026, 3, 2), days)
    pop = build_population(seed, 3000, cat.shows["audience"].to_numpy())
    logged = (cat.shows["hosting_provider"] == "").to_numpy()
    plan = injected.download_shocks(seed, cat, np.diff(pop.sub_start).astype(float), logged,
                                    [(0, 20)])
    for show, _, _ in plan:
        assert logged[show]
    return plan


def test_a_short_world_gets_no_extra_anomalies():
    assert _plan(14) == []


@pytest.mark.parametrize("seed", [5, 11])
def test_a_long_world_gets_spaced_spikes_and_drops_after_the_warm_up(seed):
    plan = _plan(56, seed)
    assert plan == _plan(56, seed)  # its own stream: the same plan for the same seed
    assert sum(x > 1 for _, _, x in plan) == injected.SPIKES
    assert sum(x < 1 for _, _, x in plan) == injected.DROPS
    taken = [(0, 20)]
    for show, day, _ in plan:
        assert injected.WARMUP_DAYS <= day < 55
        assert injected._free(taken, show, day)
        taken.append((show, day))
