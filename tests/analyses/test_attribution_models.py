"""Markov-chain attribution: on the spec's worked example (../shared/fixtures/attribution)
the result must equal `markov_exact`, computed by the fixture's authors; on random chains
the one-solve removal effects must equal one absorbing-chain solve per removed channel
(the definition, kept here as the oracle)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analyses.attribution.markov import (
    CONVERSION,
    NULL,
    START,
    markov_attribution,
    transition_matrix,
    transitions_of_journeys,
)
from tests.conftest import SHARED

FIXTURE = SHARED / "fixtures" / "attribution"


@pytest.fixture(scope="module")
def journeys() -> list[tuple[list[str], bool]]:
    touches = pd.read_csv(FIXTURE / "touches.csv", parse_dates=["ts"])
    touches = touches.sort_values(["user_id", "ts"], kind="stable")
    return [(list(g["channel"]), bool(g["converted"].any()))
            for _, g in touches.groupby("user_id", sort=False)]


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((FIXTURE / "expected.json").read_text())["markov_exact"]


def test_markov_matches_the_exact_absorbing_chain(journeys, expected) -> None:
    result = markov_attribution(transitions_of_journeys(journeys))
    assert result.conversion_probability == pytest.approx(expected["p_conv"], abs=1e-9)
    assert result.removal_effect == pytest.approx(expected["removal_effect"], abs=1e-9)
    assert result.attributed_conversions == pytest.approx(
        expected["attributed_conversions_total_x_share"], abs=1e-6)


def test_markov_credits_sum_to_the_conversions(journeys) -> None:
    result = markov_attribution(transitions_of_journeys(journeys))
    assert sum(result.attributed_conversions.values()) == pytest.approx(
        sum(converted for _, converted in journeys))


def test_markov_single_channel_takes_everything() -> None:
    result = markov_attribution(transitions_of_journeys([(["A"], True), (["A"], False)]))
    assert result.conversion_probability == pytest.approx(0.5)
    assert result.removal_effect == {"A": pytest.approx(1.0)}
    assert result.attributed_conversions == {"A": pytest.approx(1.0)}


def _absorption_without(p: np.ndarray, states: list[str], removed: str | None) -> float:
    """The oracle: P(absorbed in conversion | start) with `removed` (if any) made to lead to
    null, by one linear solve of the chain it leaves."""
    transient = [s for s in states if s not in (CONVERSION, NULL)]
    t = [states.index(s) for s in transient]
    q = p[np.ix_(t, t)].copy()
    r = p[t, states.index(CONVERSION)].copy()
    if removed is not None:
        k = transient.index(removed)
        q[k, :] = 0.0  # the removed channel absorbs: whatever reaches it is lost
        r[k] = 0.0
    return float(np.linalg.solve(np.eye(len(t)) - q, r)[transient.index(START)])


def _random_journeys(rng: np.random.Generator) -> list[tuple[list[str], bool]]:
    """Journeys over a few channels, with repeats (self-loops), some channels seen on
    non-converting journeys only, at least one conversion."""
    channels = [f"c{i}" for i in range(int(rng.integers(1, 13)))]
    journeys = [(list(rng.choice(channels, int(rng.integers(1, 6)))), bool(rng.random() < 0.4))
                for _ in range(int(rng.integers(1, 40)))]
    journeys.append(([*rng.choice(channels, 1), "never_converts"], False))
    journeys.append((list(rng.choice(channels, 2)), True))
    return journeys


@pytest.mark.parametrize("seed", range(40))
def test_markov_one_solve_equals_one_solve_per_channel(seed: int) -> None:
    journeys = _random_journeys(np.random.default_rng(seed))
    transitions = transitions_of_journeys(journeys)
    result = markov_attribution(transitions)
    states, p = transition_matrix(transitions)
    base = _absorption_without(p, states, None)
    assert result.conversion_probability == pytest.approx(base, rel=1e-12)
    expected = {c: 1 - _absorption_without(p, states, c) / base for c in states[1:-2]}
    assert result.removal_effect == pytest.approx(expected, abs=1e-9)
    assert result.removal_effect["never_converts"] == pytest.approx(0)
    assert sum(result.attributed_conversions.values()) == pytest.approx(
        sum(converted for _, converted in journeys))


def test_markov_matrix_from_the_counts() -> None:
    transitions = pd.DataFrame({"from_state": [START, START, "A", "A", "B"],
                                "to_state": ["A", "B", CONVERSION, NULL, NULL],
                                "transitions": [3, 1, 1, 2, 1]})
    states, p = transition_matrix(transitions)
    assert states == [START, "A", "B", CONVERSION, NULL]
    assert p.tolist() == [[0, 0.75, 0.25, 0, 0], [0, 0, 0, 1 / 3, 2 / 3], [0, 0, 0, 0, 1],
                          [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]
