"""Injected invalid traffic: only in long worlds, every kind present, and its truth adds up
with the reference counting."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from synth import WorldConfig, generate_world


@pytest.fixture(scope="module")
def long_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fraud")
    generate_world(out, WorldConfig(seed=11, shows=6, days=28, listeners=400))
    return out


def test_short_worlds_have_no_fraud(tmp_path: Path) -> None:
    generate_world(tmp_path, WorldConfig(seed=3, shows=4, days=7, listeners=300))
    assert not (tmp_path / "ground_truth" / "traffic_quality.csv").exists()
    assert "traffic_quality" not in json.loads((tmp_path / "world.json").read_text())["notes"]


def test_every_kind_is_injected_and_counted(long_world: Path) -> None:
    t = pd.read_csv(long_world / "ground_truth" / "traffic_quality.csv")
    kinds = set("|".join(t["kinds"]).split("|"))
    assert {"binge", "scripted", "redownload", "regular"} <= kinds
    # complete single-request downloads that pass the filters: each kind is counted
    assert (t["fraud_downloads"] <= t["fraud_requests"]).all()
    for kind in ("binge", "scripted", "redownload", "regular"):
        assert t.loc[t["kinds"] == kind, "fraud_downloads"].sum() > 0, kind
    assert (t["fraud_downloads"] <= t["downloads"]).all()
    assert t["fraud_share"].between(0, 1).all()
    # the truth's downloads are those of downloads_daily.csv (default window type)
    daily = pd.read_csv(long_world / "ground_truth" / "downloads_daily.csv")
    window = json.loads((long_world / "world.json").read_text())["counting"][
        "default_window_type"]
    total = daily[daily["window_type"] == window].groupby(
        ["show_id", "download_date"])["downloads"].sum()
    for row in t.itertuples():
        assert row.downloads == total.get((row.show_id, row.date), 0)
