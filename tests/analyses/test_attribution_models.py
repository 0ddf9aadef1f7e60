"""Markov-chain attribution: on the spec's worked example (../shared/fixtures/attribution)
the result must equal `markov_exact`, computed by the fixture's authors; on random chains
the one-solve removal effects must equal one absorbing-chain solve per removed channel
(the definition, kept here as the oracle); and a hand-worked set of journeys shows what a
visit-only non-converting journey changes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from analyses.attribution.markov import (
    CONVERSION,
    NULL,
    START,
    markov_attribution,
    transition_matrix,
    transitions_of_journeys,
)
from core.settings import PROJECT_ROOT
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


# The journeys of sponsor s1 in int_attribution_transitions' unit test
# (test_markov_transitions_by_hand): orders c1 (impression, then UTM visit of A) and c2
# (impression of A); h3 saw A and never bought; h4 visited through A's UTM link only and
# never bought. Non-converting journeys used to hold impressions only: h4 had none.
# Below, I is impression:A and U utm_visit:A.
IMP, UTM = "impression:A", "utm_visit:A"
IMPRESSIONS_ONLY = [([IMP, UTM], True), ([IMP], True), ([IMP], False)]
VISIT_ONLY = [([UTM], False)]
MODELS_YML = PROJECT_ROOT / "dbt/models/intermediate/attribution/_attribution__models.yml"


def _unit_test_transitions(sponsor: str) -> pd.DataFrame:
    """The transitions dbt's unit test expects for `sponsor` (worked out by hand there)."""
    tests = yaml.safe_load(MODELS_YML.read_text())["unit_tests"]
    (test,) = [t for t in tests if t["name"] == "test_markov_transitions_by_hand"]
    rows = [r for r in test["expect"]["rows"] if r["sponsor_id"] == sponsor]
    return pd.DataFrame(rows).drop(columns="sponsor_id")


def _sorted(frame: pd.DataFrame) -> list[tuple]:
    return sorted(frame[["from_state", "to_state", "transitions"]].itertuples(index=False))


def test_a_visit_only_non_converting_journey_changes_the_removal_effects() -> None:
    # Impressions-only rule (no h4): start -> I 3; I -> U, I -> conversion, I -> null 1 each;
    # U -> conversion 1. So P(I -> U) = P(I -> conv) = 1/3 and a visit always converts:
    # P(conv) = 1/3 + 1/3 x 1 = 2/3. Without I nothing converts (effect 1); without U, 1/3
    # (effect 1 - (1/3) / (2/3) = 1/2). Credits of the 2 conversions: I 2 x 1 / 1.5 = 4/3,
    # U 2 x 0.5 / 1.5 = 2/3.
    old = markov_attribution(transitions_of_journeys(IMPRESSIONS_ONLY))
    assert old.conversion_probability == pytest.approx(2 / 3)
    assert old.removal_effect == pytest.approx({IMP: 1, UTM: 1 / 2})
    assert old.attributed_conversions == pytest.approx({IMP: 4 / 3, UTM: 2 / 3})
    # The rule as built adds h4: start -> U 1, U -> null 1.
    transitions = _unit_test_transitions("s1")
    assert _sorted(transitions) == _sorted(transitions_of_journeys(IMPRESSIONS_ONLY + VISIT_ONLY))
    # A visit now converts half the time: P(conv | U) = 1/2, P(conv | I) = 1/3 + 1/3 x 1/2 =
    # 1/2, P(conv) = 3/4 x 1/2 + 1/4 x 1/2 = 1/2 (2 conversions in 4 journeys). Without I:
    # 1/4 x 1/2 = 1/8, effect 1 - (1/8) / (1/2) = 3/4; without U: 3/4 x 1/3 = 1/4, effect
    # 1/2. Credits: I 2 x 0.75 / 1.25 = 6/5, U 2 x 0.5 / 1.25 = 4/5: the impression no
    # longer looks indispensable, the visit gets a fifth more.
    new = markov_attribution(transitions)
    assert new.conversion_probability == pytest.approx(1 / 2)
    assert new.removal_effect == pytest.approx({IMP: 3 / 4, UTM: 1 / 2})
    assert new.attributed_conversions == pytest.approx({IMP: 6 / 5, UTM: 4 / 5})
