"""The declared A/B tests: every delivered ad of an experiment's campaign carries one of
its variants' creatives, each household (IP) sees one variant, the arms follow the
declared allocation, and the truth's difference follows the arms' multipliers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def _deliveries(world: Path) -> pd.DataFrame:
    folder = world / "landing" / "ad_delivery"
    con = duckdb.connect()
    parts = [con.sql(f"select ip, campaign_id, line_item_id, creative_id "
                     f"from read_{'json' if p.suffix == '.jsonl' else 'parquet'}('{p}')").df()
             for p in sorted(folder.iterdir())]
    return pd.concat(parts, ignore_index=True)


def test_experiment_campaigns_serve_one_variant_per_household(small_world: Path) -> None:
    exp = pd.read_csv(small_world / "landing" / "bookings" / "experiments.csv")
    assert len(exp) and exp.groupby("experiment_id")["is_control"].sum().eq(1).all()
    dl = _deliveries(small_world)
    ours = dl[dl["campaign_id"].isin(exp["campaign_id"])]
    assert ours["creative_id"].isin(exp["creative_id"]).all()
    others = dl[~dl["campaign_id"].isin(exp["campaign_id"])]
    assert (others["creative_id"] == "cr" + others["line_item_id"]).all()
    # an IP belongs to one household: it is served one variant per experiment
    assert ours.groupby(["campaign_id", "ip"])["creative_id"].nunique().eq(1).all()
    for eid, arms in exp.groupby("experiment_id"):
        served = ours[ours["creative_id"].isin(arms["creative_id"])]
        share = served.drop_duplicates("ip")["creative_id"].value_counts(normalize=True)
        want = arms.set_index("creative_id")["allocation_share"]
        assert (share.reindex(want.index, fill_value=0) - want).abs().max() < 0.12, eid


def test_truth_follows_the_multipliers(small_world: Path) -> None:
    truth = pd.read_csv(small_world / "ground_truth" / "experiments.csv")
    control = truth[truth["is_control"]].set_index("experiment_id")["true_conversion_rate"]
    t = truth.join(control.rename("control"), on="experiment_id")
    same = (t["visit_multiplier"] == 1) & (t["order_multiplier"] == 1)
    assert (t.loc[same, "true_difference"] == 0).all()
    up = t["visit_multiplier"] * t["order_multiplier"] > 1
    assert (t.loc[up, "true_difference"] > 0).all()
    assert (t["true_difference"] - (t["true_conversion_rate"] - t["control"])).abs().max() < 1e-7
