"""A/B readouts against hand calculations and published tables: a 2 x 2 table worked by
hand, O'Brien-Fleming boundaries (Jennison & Turnbull 2000, table 2.3), power and sample
size against Cohen's arcsine formula and tables, and the peeking guard's error rate."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from analyses import experiments as xp

Z975 = 1.959963984540054


def _wilson(x: int, n: int) -> tuple[float, float]:
    """Wilson score interval, by its textbook formula."""
    p, z2 = x / n, Z975 ** 2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z975 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return centre - half, centre + half


def test_two_by_two_by_hand() -> None:
    # control 10 of 100 converted, variant 20 of 100
    c = xp.compare((10, 100), (20, 100))
    assert c.diff == pytest.approx(0.10)
    assert c.relative == pytest.approx(1.0)
    # pooled rate 30/200 = 0.15: se = sqrt(0.15 * 0.85 * (1/100 + 1/100)) = 0.0504975
    assert c.z == pytest.approx(0.10 / math.sqrt(0.15 * 0.85 * 0.02))
    assert c.z == pytest.approx(1.98030, abs=1e-5)
    assert c.p_value == pytest.approx(0.04767, abs=1e-5)
    # Newcomb (1998) method 10: Wilson limits of each arm combined
    l1, u1 = _wilson(20, 100)  # 0.13337, 0.28883
    l2, u2 = _wilson(10, 100)  # 0.05523, 0.17437
    assert c.ci_low == pytest.approx(0.10 - math.hypot(0.20 - l1, u2 - 0.10))
    assert c.ci_high == pytest.approx(0.10 + math.hypot(u1 - 0.20, 0.10 - l2))
    assert (round(c.ci_low, 5), round(c.ci_high, 5)) == (0.00015, 0.19947)
    # unpooled se for the repeated interval: sqrt(.1 * .9 / 100 + .2 * .8 / 100) = 0.05
    assert c.se == pytest.approx(0.05)


def test_no_conversions_gives_no_test_but_an_interval() -> None:
    c = xp.compare((0, 50), (0, 60))
    assert c.z is None and c.p_value is None
    assert c.ci_low < 0 < c.ci_high


@pytest.mark.parametrize(("looks", "published"), [
    (1, 1.960), (2, 1.977), (3, 2.004), (4, 2.024), (5, 2.040)])
def test_obrien_fleming_constant_matches_jennison_turnbull(looks: int,
                                                           published: float) -> None:
    assert xp.obf_constant(looks, 0.05) == pytest.approx(published, abs=5e-4)


def test_obrien_fleming_boundaries_for_five_looks() -> None:
    # C_B(5, 0.05) sqrt(5 / k): 4.562, 3.226, 2.634, 2.281, 2.040
    assert xp.obf_boundaries(5, 0.05) == pytest.approx(
        [4.562, 3.226, 2.634, 2.281, 2.040], abs=2e-3)


def test_the_guard_keeps_the_error_rate_that_peeking_breaks() -> None:
    """A/A tests read at five equally spaced looks: stopping at the first |z| > 1.96
    rejects about 14 % of the time (Armitage et al. 1969); the boundaries keep 5 %."""
    rng = np.random.default_rng(0)
    walks = rng.standard_normal((40000, 5)).cumsum(axis=1)
    z = walks / np.sqrt(np.arange(1, 6))
    naive = (np.abs(z) > Z975).any(axis=1).mean()
    guarded = (np.abs(z) >= xp.obf_boundaries(5, 0.05)).any(axis=1).mean()
    assert naive == pytest.approx(0.142, abs=0.01)
    assert guarded == pytest.approx(0.05, abs=0.005)


def _h(p1: float, p2: float) -> float:
    return abs(2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2)))


def test_sample_size_and_power_by_cohen() -> None:
    # 10 % -> 15 % (MDE +50 %): n = 2 ((z_.975 + z_.8) / h)^2 per arm, h = 0.1519
    h = _h(0.15, 0.10)
    assert h == pytest.approx(0.1519, abs=1e-4)
    need = xp.units_needed(0.10, 0.5, 0.05, 0.8)
    assert need == math.ceil(2 * ((Z975 + norm.ppf(0.8)) / h) ** 2) == 681
    # power at n = 681 per arm is 0.80; Cohen (1988) table 6.3.5: h = .20, n = 100,
    # alpha .05 two-sided -> power .29
    assert xp.power_for(0.10, 0.5, 681, 681, 0.05) == pytest.approx(0.80, abs=0.002)
    p2 = math.sin(math.asin(math.sqrt(0.3)) + 0.1) ** 2  # h = 0.20 exactly from 30 %
    assert xp.power_for(0.3, p2 / 0.3 - 1, 100, 100, 0.05) == pytest.approx(0.29, abs=0.005)


def test_power_needs_a_control_rate() -> None:
    assert xp.power_for(0.0, 0.5, 100, 100, 0.05) is None
    assert xp.units_needed(0.0, 0.5, 0.05, 0.8) is None


@pytest.mark.parametrize(("units", "planned", "looks", "look"), [
    (0, 1000, 5, 0), (199, 1000, 5, 0), (200, 1000, 5, 1), (999, 1000, 5, 4),
    (1000, 1000, 5, 5), (5000, 1000, 5, 5), (10, None, 3, 3)])
def test_looks_reached(units: int, planned: int | None, looks: int, look: int) -> None:
    assert xp.look_reached(units, planned, looks) == look


def test_an_early_peek_is_not_called() -> None:
    # z = 2.5 would be 'significant' at p = 0.012, but look 1 of 5 needs 4.56
    assert xp.decide(2.5, 1, 5, 4.562, False, True)[0] == xp.RUNNING
    assert xp.decide(4.7, 1, 5, 4.562, False, True)[0] == xp.WIN
    assert xp.decide(-4.7, 1, 5, 4.562, False, True)[0] == xp.HARM
    assert xp.decide(2.5, 5, 5, 2.040, True, True)[0] == xp.WIN
    assert xp.decide(1.5, 5, 5, 2.040, True, True)[0] == xp.NONE
    assert xp.decide(1.5, 5, 5, 2.040, True, False)[0] == xp.INCONCLUSIVE
    assert xp.decide(None, 0, 5, None, False, False) == (
        xp.RUNNING, "before the first planned look")


def _experiments(looks: int = 4, planned: int = 400, arms: str = "AB") -> pd.DataFrame:
    return pd.DataFrame([{
        "tenant_id": "t", "experiment_id": "ex1", "variant_id": v, "campaign_id": "c1",
        "test_type": "creative", "is_control": v == "A", "allocation_share": 1 / len(arms),
        "start_date": "2026-03-01", "end_date": "2026-03-31",
        "minimum_detectable_effect": 0.5, "planned_units_per_variant": planned,
        "planned_looks": looks, "attribution_window_days": 30} for v in arms])


def _counts(arms: dict[str, tuple[int, int]], until: str = "2026-03-20") -> pd.DataFrame:
    return pd.DataFrame([{"experiment_id": "ex1", "variant_id": v, "units": n,
                          "conversions": x, "mixed_units": 1, "observed_until": until}
                         for v, (n, x) in arms.items()])


def test_readout_at_an_interim_look() -> None:
    out = xp.readouts(_experiments(), _counts({"A": (210, 20), "B": (205, 36)}))
    assert len(out) == 1
    r = out.iloc[0]
    assert (r["variant_id"], r["control_variant_id"], r["look_number"]) == ("B", "A", 2)
    assert r["mixed_units"] == 2 and not r["is_final"]
    assert r["boundary_z"] == pytest.approx(xp.obf_constant(4, 0.05) * math.sqrt(2))
    c = xp.compare((20, 210), (36, 205))
    assert r["z_score"] == pytest.approx(c.z) and r["ci_low"] == pytest.approx(c.ci_low)
    # z 2.37: a fixed-sample test would call it (p 0.018); look 2 of 4 needs 2.88
    assert 2.3 < r["z_score"] < r["boundary_z"] and r["p_value"] < 0.05
    assert r["decision"] == xp.RUNNING and r["status"] == "ok"
    assert r["sequential_ci_low"] < 0 < r["ci_low"]
    assert r["information_fraction"] == pytest.approx(205 / 400)


def test_readout_at_the_final_look_and_when_the_test_is_over() -> None:
    final = xp.readouts(_experiments(), _counts({"A": (400, 38), "B": (410, 64)})).iloc[0]
    assert final["is_final"] and final["look_number"] == 4
    assert final["decision"] == xp.WIN
    # ended short of the plan once the flight and every window are over (March 31 + 30)
    over = xp.readouts(_experiments(), _counts({"A": (100, 10), "B": (100, 11)},
                                               until="2026-05-01")).iloc[0]
    assert over["is_final"] and over["look_number"] == 1
    assert over["decision"] == xp.INCONCLUSIVE and "underpowered" in over["reason"]


def test_small_arms_and_missing_controls_get_a_reason() -> None:
    few = xp.readouts(_experiments(), _counts({"A": (12, 1), "B": (9, 0)})).iloc[0]
    assert few["status"] == "too few units" and few["decision"] == xp.RUNNING
    assert pd.isna(few["z_score"]) and "9 < 30" in few["reason"]
    no_ctrl = _experiments().assign(is_control=False)
    rows = xp.readouts(no_ctrl, _counts({"A": (300, 3), "B": (300, 5)}))
    assert set(rows["status"]) == {"no control"}
    empty = xp.readouts(_experiments(), _counts({}).reindex(
        columns=["experiment_id", "variant_id", "units", "conversions", "mixed_units",
                 "observed_until"]))
    assert empty.iloc[0]["status"] == "too few units"


def test_alpha_is_split_among_variants() -> None:
    out = xp.readouts(_experiments(arms="ABC"),
                      _counts({"A": (400, 40), "B": (400, 50), "C": (400, 40)}))
    assert list(out["variant_id"]) == ["B", "C"]
    assert set(out["alpha"]) == {0.025}
    assert out.iloc[0]["boundary_z"] == pytest.approx(xp.obf_constant(4, 0.025))
