"""The guidelines' worked example and threshold arithmetic."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from synth.truth import build_windows, threshold_bytes

MON = int(dt.datetime(2026, 3, 2, tzinfo=dt.UTC).timestamp())  # a Monday
H = 3600
REQ = np.array([MON + 22 * H, MON + 27 * H, MON + 46 * H + 900, MON + 71 * H + 900])


@pytest.mark.parametrize(("wtype", "expected"), [
    ("calendar", [1, 1, 0, 1]), ("first_touch", [1, 0, 1, 1]), ("last_touch", [1, 0, 0, 1])])
def test_guidelines_example(wtype: str, expected: list[int]) -> None:
    z = np.zeros(4, dtype=np.int64)
    w = build_windows(z, z, REQ, z, np.full(4, 1000), 1, MON, wtype)
    opened = [int(t in set(w.first_t.tolist())) for t in REQ]
    assert opened == expected
    # the day a download belongs to is the UTC day of its window's first request
    days = sorted(((w.first_t - MON) // 86400).tolist())
    assert days == [d for d, e in zip([0, 1, 1, 2], expected, strict=True) if e]


def test_exactly_24h_opens_new_first_touch_window() -> None:
    z = np.zeros(2, dtype=np.int64)
    one = np.ones(2, dtype=np.int64)
    t = np.array([MON, MON + 86400])
    assert len(build_windows(z, z, t, z, one, 1, MON, "first_touch").first_t) == 2
    t = np.array([MON, MON + 86399])
    assert len(build_windows(z, z, t, z, one, 1, MON, "first_touch").first_t) == 1


def test_coverage_is_union_of_intervals() -> None:
    z = np.zeros(3, dtype=np.int64)
    t = np.array([MON, MON + 10, MON + 20])
    w = build_windows(z, z, t, np.array([0, 50, 60]), np.array([100, 120, 80]), 1, MON,
                      "first_touch")
    assert w.coverage.tolist() == [120]


def test_threshold() -> None:
    size = np.array([60_000_000, 60_000_000, 500_000, 9_000_000])
    dur = np.array([3600, 3600, 45, 3600])
    hdr = np.array([0, 131072, 0, 0])
    whole = np.array([False, False, False, True])
    need = threshold_bytes(size, dur, hdr, whole)
    assert need[0] == 1_000_000
    assert need[1] == 131072 + -(-60 * (60_000_000 - 131072) // 3600)
    assert need[2] == 500_000 and need[3] == 9_000_000
