"""Periods the data covers only in part say so: is_complete of the weekly and monthly marts
(and of the delivery days) against the world's known dates, which the access logs cover day
by day from its start date for its number of days (world.json), on both targets; growth is
null unless the period and the one before are both complete."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import requires_postgres

pytestmark = [pytest.mark.slow]  # xdist group: see conftest.py


def world_days(world: Path) -> set[dt.date]:
    config = json.loads((world / "world.json").read_text())["config"]
    start = dt.date.fromisoformat(config["start_date"])
    return {start + dt.timedelta(days=n) for n in range(config["days"])}


def period_days(grain: str, start: dt.date) -> set[dt.date]:
    """The days of the ISO week (from Monday) or calendar month starting on `start`."""
    if grain == "week":
        assert start.weekday() == 0, start
        return {start + dt.timedelta(days=n) for n in range(7)}
    assert start.day == 1, start
    end = (start + dt.timedelta(days=31)).replace(day=1)
    return {start + dt.timedelta(days=n) for n in range((end - start).days)}


def previous_start(grain: str, start: dt.date) -> dt.date:
    if grain == "week":
        return start - dt.timedelta(days=7)
    return (start - dt.timedelta(days=1)).replace(day=1)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def _null(value: object) -> bool:
    return bool(pd.isna(value)) or value in ("None", "nan")


def check_complete_periods(marts: dict[str, pd.DataFrame], covered: set[dt.date]) -> None:
    """The marts' is_complete and growth against the covered days (frames as mart_frame
    gives them: every value as text, nulls missing)."""
    def complete(grain: str, start: dt.date) -> bool:
        return period_days(grain, start) <= covered

    listeners = marts["fct_show_listeners"]
    seen = set()
    for row in listeners.itertuples():
        grain, start = row.period_grain, _date(row.period_start_date)
        whole = complete(grain, start)
        seen.add(whole)
        assert row.is_complete == str(whole), (grain, start, row.is_complete)
        comparable = whole and complete(grain, previous_start(grain, start))
        has_previous = not _null(row.downloads_previous_period)
        for growth in (row.listener_growth, row.download_growth):
            assert (not _null(growth)) == (comparable and has_previous), (
                grain, start, growth)
    assert seen == {True, False}  # the world has whole and partial periods

    revenue = marts["fct_show_revenue_weekly"]
    assert len(revenue)
    for row in revenue.itertuples():
        assert row.is_complete == str(complete("week", _date(row.week_start_date))), row

    delivery = marts["fct_campaign_delivery_daily"]
    assert len(delivery)
    for row in delivery.itertuples():
        assert row.is_complete == str(_date(row.delivery_date) in covered), row


def test_duckdb_periods_say_whether_they_are_whole(duckdb_marts, world):
    check_complete_periods(duckdb_marts, world_days(world))


@requires_postgres
@pytest.mark.postgres
def test_postgres_periods_say_whether_they_are_whole(postgres_marts, world):
    check_complete_periods(postgres_marts, world_days(world))
