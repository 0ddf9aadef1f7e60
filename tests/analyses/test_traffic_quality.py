"""Traffic-quality signals on hand-made frames: each fires where it should and not beside."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from analyses import traffic_quality as tq
from synth import agents

TH = tq.Thresholds()
DAY = dt.date(2026, 4, 1)


def key(**over: object) -> dict[str, object]:
    """One ordinary listener key x show x day: one download, one request."""
    row: dict[str, object] = {
        "tenant_id": "t", "show_id": "s1", "activity_date": DAY, "listener_key": "k",
        "user_agent": agents.APPS[0].ua, "is_unclassified_user_agent": False,
        "keys_on_ip": 1, "requests": 1, "downloads": 1, "episodes_downloaded": 1,
        "repeat_downloads": 0, "download_span_seconds": 0, "gap_count": 0, "gap_cv": None}
    row.update(over)
    return row


def flags(*rows: dict[str, object]) -> pd.DataFrame:
    return tq.flag_keys(pd.DataFrame(rows).assign(
        gap_cv=lambda f: pd.to_numeric(f["gap_cv"], errors="coerce")), TH)


def test_binge_is_many_episodes_in_a_short_span_or_very_many_in_a_day() -> None:
    f = flags(key(episodes_downloaded=6, downloads=6, download_span_seconds=600),
              key(episodes_downloaded=6, downloads=6, download_span_seconds=5 * 3600),
              key(episodes_downloaded=8, downloads=8, download_span_seconds=20 * 3600),
              key(episodes_downloaded=4, downloads=4, download_span_seconds=60))
    assert f["binge"].tolist() == [True, False, True, False]


def test_scripted_user_agents_match_tools_not_apps() -> None:
    tools = pd.Series([a.ua for a in agents.SCRIPTED] + [
        "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/124.0 Safari/537.36",
        "python-requests/2.31.0", "Go-http-client/2.0", "curl/8.5.0"])
    assert tq.scripted_user_agents(tools).all()
    people = pd.Series([a.ua for a in (*agents.APPS, *agents.WATCH)] + [None, ""])
    assert not tq.scripted_user_agents(people).any()


def test_an_unknown_user_agent_is_scripted_only_on_a_shared_ip() -> None:
    f = flags(key(user_agent="FooPlayer/1.0", is_unclassified_user_agent=True, keys_on_ip=4),
              key(user_agent="FooPlayer/1.0", is_unclassified_user_agent=True, keys_on_ip=1),
              key(keys_on_ip=6))  # a known app on a busy IP (a family, an office)
    assert f["scripted_ua"].tolist() == [True, False, False]


def test_regular_timing_needs_enough_even_gaps() -> None:
    f = flags(key(gap_count=30, gap_cv=0.002), key(gap_count=3, gap_cv=0.0),
              key(gap_count=30, gap_cv=0.9), key(gap_count=0, gap_cv=None))
    assert f["regular_timing"].tolist() == [True, False, False, False]


def test_repeat_downloads_flag_from_the_threshold() -> None:
    f = flags(key(repeat_downloads=4, downloads=4), key(repeat_downloads=3, downloads=3))
    assert f["repeat"].tolist() == [True, False]
    assert f["suspicious"].tolist() == [True, False]


def _days(downloads: list[int], listeners: list[int], show: str = "s1") -> pd.DataFrame:
    n = len(downloads)
    return pd.DataFrame({"tenant_id": "t", "show_id": show,
                         "activity_date": [DAY - dt.timedelta(days=n - 1 - i) for i in range(n)],
                         "requests": [2 * d for d in downloads], "downloads": downloads,
                         "listeners": listeners})


def _history(n: int, seed: int = 1) -> tuple[list[int], list[int]]:
    rng = np.random.default_rng(seed)
    lis = rng.integers(75, 86, n).tolist()
    return [int(x * rng.uniform(1.15, 1.25)) for x in lis], lis


def test_ratio_jump_with_flat_listeners() -> None:
    d, lis = _history(28)
    out = tq.traffic_quality(_days([*d, 170], [*lis, 82]), pd.DataFrame(), TH)
    last = out.iloc[-1]
    assert last["ratio_jump"] and last["status"] == "ok" and last["is_flagged"]
    # the downloads above the usual ratio are the suspicious ones
    assert last["suspicious_downloads"] == pytest.approx(170 - 82 * last["expected_ratio"], abs=1)
    assert "ratio_jump" in last["signals"]
    assert not out.iloc[:-1]["is_flagged"].any()


def test_no_jump_when_listeners_grow_too() -> None:
    d, lis = _history(28)
    out = tq.traffic_quality(_days([*d, 260], [*lis, 200]), pd.DataFrame(), TH)
    assert not out.iloc[-1]["ratio_jump"] and out.iloc[-1]["score"] == 0


def test_a_short_history_says_so_and_judges_no_jump() -> None:
    d, lis = _history(9)
    out = tq.traffic_quality(_days([*d, 170], [*lis, 82]), pd.DataFrame(), TH)
    assert out["status"].tolist() == ["short_history"] * 10
    assert out.iloc[-1]["reason"] == ("history too short: 9 days < 14; ratio jump not "
                                      "evaluated")
    assert not out["ratio_jump"].any()


def test_a_small_show_jumping_by_a_download_stays_quiet() -> None:
    out = tq.traffic_quality(_days([3] * 20 + [5], [3] * 20 + [3]), pd.DataFrame(), TH)
    assert not out["ratio_jump"].any()


def test_share_and_score_count_each_flagged_key_once() -> None:
    days = _days([100], [90])
    keys = pd.DataFrame([
        key(listener_key="a", downloads=6, episodes_downloaded=6, repeat_downloads=4,
            download_span_seconds=300, requests=7),  # binge and repeat: 6 downloads, once
        key(listener_key="b", downloads=2, gap_count=9, gap_cv=0.01, requests=10),
        key(listener_key="c", downloads=1)])
    row = tq.traffic_quality(days, keys, TH).iloc[0]
    assert row["suspicious_downloads"] == 8 and row["flagged_keys"] == 2
    assert row["binge_downloads"] == 6 and row["repeat_downloads"] == 6
    assert row["regular_timing_downloads"] == 2 and row["scripted_ua_downloads"] == 0
    assert row["suspicious_share"] == pytest.approx(0.08)
    assert row["suspicious_requests"] == 17
    assert row["suspicious_request_share"] == pytest.approx(17 / 200)
    assert row["score"] == pytest.approx(0.8) and row["is_flagged"]
    assert row["signals"] == "binge=6; regular_timing=2; repeat=6"


def test_empty_inputs_and_postgres_decimals() -> None:
    assert list(tq.traffic_quality(pd.DataFrame(), pd.DataFrame(), TH).columns) == list(
        tq.TRAFFIC_QUALITY.columns)
    days = _days([4], [3]).astype(object)
    days["downloads"] = [Decimal(4)]
    keys = pd.DataFrame([key(gap_cv=Decimal("0.01"), gap_count=Decimal(8),
                             downloads=Decimal(2))])
    out = tq.traffic_quality(days, keys, TH)
    assert out.iloc[0]["regular_timing_downloads"] == 2
    assert out.iloc[0]["status"] == "short_history"


def test_no_downloads_is_a_status() -> None:
    out = tq.traffic_quality(_days([0], [0]), pd.DataFrame(), TH)
    assert out.iloc[0]["status"] == "no_downloads" and out.iloc[0]["score"] == 0
