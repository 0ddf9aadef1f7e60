"""fct_show_listeners' is_complete and growth through incremental runs, on DuckDB and
Postgres: a day of access logs loaded late (with no counted download of its own) completes
its week, which then gets the growth a full build gives it, and so does the week after;
an emptied day makes its week incomplete again.

The model's inputs (fct_downloads, fct_episode_daily and the reconciliation mart, whose days
with requests are the coverage) are written by hand and dbt runs that one model on them.
Expected values are worked out by hand below.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.settings import Settings
from core.warehouse import connect
from tests.dbt.test_dbt_build import run_dbt

D = dt.date
# show s1's counted downloads: (day, listener key). Week of Mon Mar 2: 3 downloads by 3
# listeners; week of Mar 9: 7 downloads by 6 listeners.
DOWNLOADS = [
    (D(2026, 3, 3), "k1"), (D(2026, 3, 3), "k2"), (D(2026, 3, 5), "k3"),
    (D(2026, 3, 10), "k1"), (D(2026, 3, 10), "k2"), (D(2026, 3, 10), "k3"),
    (D(2026, 3, 12), "k4"), (D(2026, 3, 12), "k5"), (D(2026, 3, 12), "k6"),
    (D(2026, 3, 13), "k1"),
]
# the access logs first cover Mar 2-15 but Mar 8 (its file comes late: bots only, no
# download); then Mar 8 arrives; then Mar 15's file is replaced by an empty one
MISSING_DAY, EMPTIED_DAY = D(2026, 3, 8), D(2026, 3, 15)
FIRST_COVERAGE = [D(2026, 3, 2) + dt.timedelta(days=n) for n in range(14) if n != 6]

# (period grain, start) -> (is_complete, listener_growth, download_growth), per stage
WEEK_1, WEEK_2, MARCH = ("week", D(2026, 3, 2)), ("week", D(2026, 3, 9)), ("month", D(2026, 3, 1))
GROWTH = (6 / 3 - 1, 7 / 3 - 1)
EXPECTED = [
    # the gap leaves week 1 incomplete: week 2 is whole, but has nothing whole to grow on
    {WEEK_1: (False, None, None), WEEK_2: (True, None, None), MARCH: (False, None, None)},
    # Mar 8 loaded: week 1 is whole (no growth: the week before has no data), week 2 grows
    {WEEK_1: (True, None, None), WEEK_2: (True, *GROWTH), MARCH: (False, None, None)},
    # Mar 15 emptied: week 2 is no longer whole
    {WEEK_1: (True, None, None), WEEK_2: (False, None, None), MARCH: (False, None, None)},
]
SETUP = [
    "create schema if not exists marts",
    "create table marts.fct_downloads (tenant_id text, show_id text, episode_id text, "
    "listener_key text, download_date date, window_started_at timestamp)",
    "create table marts.fct_episode_daily (tenant_id text, show_id text, episode_id text, "
    "download_date date, downloads integer, _processed_at timestamp)",
    "create table marts.fct_download_reconciliation_daily (report_date date, "
    "requests integer)",
]


def _write_inputs(settings: Settings) -> None:
    wh = connect(settings)
    try:
        for sql in SETUP:
            wh.execute(sql)
        for day, key in DOWNLOADS:
            wh.execute("insert into marts.fct_downloads values ('t', 's1', 'e1', ?, ?, ?)",
                       [key, day, dt.datetime.combine(day, dt.time(9))])
        for day in sorted({day for day, _ in DOWNLOADS}):
            n = sum(1 for d, _ in DOWNLOADS if d == day)
            wh.execute("insert into marts.fct_episode_daily values "
                       "('t', 's1', 'e1', ?, ?, timestamp '2026-01-01 00:00:00')", [day, n])
        for day in FIRST_COVERAGE:
            wh.execute("insert into marts.fct_download_reconciliation_daily values (?, 20)",
                       [day])
    finally:
        wh.close()


def _execute(settings: Settings, sql: str, params: list) -> None:
    wh = connect(settings)
    try:
        wh.execute(sql, params)
    finally:
        wh.close()


def _periods(settings: Settings) -> dict[tuple[str, dt.date], tuple]:
    wh = connect(settings)
    try:
        rows = wh.fetchall("select period_grain, period_start_date, is_complete, "
                           "listener_growth, download_growth from marts.fct_show_listeners")
    finally:
        wh.close()
    return {(grain, start): (complete, growth, dgrowth)
            for grain, start, complete, growth, dgrowth in rows}


def _check(got: dict, expected: dict, stage: int) -> None:
    assert set(got) == set(expected), stage
    for period, (complete, growth, dgrowth) in expected.items():
        assert got[period][0] is complete, (stage, period, got[period])
        assert got[period][1:] == (pytest.approx(growth) if growth is not None else None,
                                   pytest.approx(dgrowth) if dgrowth is not None else None), (
            stage, period, got[period])


def test_incremental_runs_follow_the_coverage(settings: Settings, tmp_path: Path) -> None:
    _write_inputs(settings)
    env = settings.dbt_env()
    select = ["--select", "fct_show_listeners"]
    run_dbt(["run", *select], env, tmp_path, partial_parse=True)  # a first build
    _check(_periods(settings), EXPECTED[0], 0)

    _execute(settings, "insert into marts.fct_download_reconciliation_daily values (?, 5)",
             [MISSING_DAY])
    run_dbt(["run", *select], env, tmp_path, partial_parse=True)  # incremental
    _check(_periods(settings), EXPECTED[1], 1)

    _execute(settings, "delete from marts.fct_download_reconciliation_daily "
             "where report_date = ?", [EMPTIED_DAY])
    run_dbt(["run", *select], env, tmp_path, partial_parse=True)
    incremental = _periods(settings)
    _check(incremental, EXPECTED[2], 2)

    run_dbt(["run", *select, "--full-refresh"], env, tmp_path, partial_parse=True)
    assert _periods(settings) == incremental
