from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from synth import WorldConfig, generate_world


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path: Path, small_world: Path) -> None:
    a = _hashes(small_world)
    generate_world(tmp_path / "b", WorldConfig(seed=7))
    assert _hashes(tmp_path / "b") == a
    generate_world(tmp_path / "c", WorldConfig(seed=8))
    c = _hashes(tmp_path / "c")
    differing = [k for k in a if k in c and a[k] != c[k]]
    assert any(k.startswith("landing/access_logs/") for k in differing)
    assert "ground_truth/downloads_daily.csv" in differing


def test_gzip_has_zero_mtime(small_world: Path) -> None:
    gz = list((small_world / "landing").rglob("*.gz"))
    assert gz
    for p in gz:
        assert p.read_bytes()[4:8] == b"\0\0\0\0"


@pytest.mark.parametrize("days", [1, 3, 5])
def test_worlds_of_a_few_days(tmp_path: Path, days: int) -> None:
    """The anomalies and flights fit in a short world."""
    generate_world(tmp_path, WorldConfig(seed=3, shows=4, days=days, listeners=300))
    campaigns = pd.read_csv(tmp_path / "landing" / "bookings" / "campaigns.csv")
    assert len(campaigns) and (campaigns["end_date"] >= campaigns["start_date"]).all()
