"""A/B readouts on the insights world against the generator's truth: the warehouse finds
the randomised households, each true difference lies inside its 95 % interval, and the
decision is right wherever the sample has the power to make it."""

from __future__ import annotations

import pandas as pd
import pytest
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from analyses import experiments as xp
from tests.insights.conftest import InsightsWorld


@pytest.fixture(scope="module")
def readouts(insights_world: InsightsWorld) -> pd.DataFrame:
    got = insights_world.read("select * from analyses.experiment_readouts")
    truth = pd.read_csv(insights_world.truth / "experiments.csv")
    control = truth[truth["is_control"]].set_index("experiment_id")
    variants = truth[~truth["is_control"]].join(
        control[["true_conversion_rate", "units"]], on="experiment_id", rsuffix="_control")
    return got.merge(variants, on=["experiment_id", "variant_id"], validate="one_to_one")


def _true_power(r: pd.Series) -> float:
    """Power of this comparison's sample against the true rates."""
    es = abs(proportion_effectsize(r["true_conversion_rate"],
                                   r["true_conversion_rate_control"]))
    if es == 0:
        return 0.0
    return float(NormalIndPower().power(es, nobs1=r["control_units"], alpha=r["alpha"],
                                        ratio=r["variant_units"] / r["control_units"]))


def test_every_declared_variant_is_read_out(readouts: pd.DataFrame,
                                            insights_world: InsightsWorld) -> None:
    truth = pd.read_csv(insights_world.truth / "experiments.csv")
    assert len(readouts) == (~truth["is_control"]).sum() >= 4
    assert readouts["tenant_id"].notna().all()


def test_units_are_the_randomised_households(readouts: pd.DataFrame) -> None:
    # counted impressions reach nearly every household whose session played the ad
    for got, want in [("control_units", "units_control"), ("variant_units", "units")]:
        ratio = readouts[got] / readouts[want]
        assert ratio.between(0.9, 1.02).all(), readouts[[got, want]]
    assert (readouts["mixed_units"] == 0).all()  # one variant per household


def test_true_difference_inside_the_interval(readouts: pd.DataFrame) -> None:
    tested = readouts[readouts["ci_low"].notna()]
    assert len(tested) == len(readouts)
    inside = tested["true_difference"].between(tested["ci_low"], tested["ci_high"])
    assert inside.all(), tested[["experiment_id", "variant_id", "true_difference",
                                 "ci_low", "ci_high"]]
    seq = tested["true_difference"].between(tested["sequential_ci_low"],
                                            tested["sequential_ci_high"])
    assert seq[tested["z_score"].notna()].all()


def test_decisions_are_right_where_power_allows(readouts: pd.DataFrame) -> None:
    power = readouts.apply(_true_power, axis=1)
    powered = readouts[(power >= 0.8) & readouts["is_final"]]
    assert len(powered) >= 1, "the world has no experiment with the power to decide"
    for _, r in powered.iterrows():
        want = xp.WIN if r["true_difference"] > 0 else xp.HARM
        assert r["decision"] == want, r
    # no call against the truth's sign anywhere, and none where there is no effect
    null = readouts["true_difference"] == 0
    assert not readouts.loc[null, "decision"].isin([xp.WIN, xp.HARM]).any()
    wrong = ((readouts["decision"] == xp.WIN) & (readouts["true_difference"] < 0)) | (
        (readouts["decision"] == xp.HARM) & (readouts["true_difference"] > 0))
    assert not wrong.any()
