"""The engagement and creator marts against figures computed here, in pandas, straight from
the insights world's landing files (engagement/*, shows/shows.csv): follows and the other
events per show-week, the zero-filled daily span, comments switched on, subscriptions, the
partner funnel with its time to activation, and the revenue cohorts' weeks and payouts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytestmark = [pytest.mark.slow]

STAGES = ["eligible", "applied", "approved", "active", "payout"]
EVENT_COLUMNS = {"follow": "follows", "unfollow": "unfollows", "comment": "comments",
                 "share": "shares"}


def _landing(world, name: str) -> pd.DataFrame:
    path = world.path / "landing" / "engagement" / name
    return pd.read_json(path, lines=True) if name.endswith(".jsonl") else pd.read_csv(path)


def _utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True).dt.tz_localize(None)


def _monday(days: pd.Series) -> pd.Series:
    days = pd.to_datetime(days)
    return (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.normalize()


@pytest.fixture(scope="module")
def events(insights_world) -> pd.DataFrame:
    df = _landing(insights_world, "events.jsonl")
    df["day"] = _utc(df["event_at"]).dt.normalize()
    return df


@pytest.fixture(scope="module")
def daily(insights_world) -> pd.DataFrame:
    df = insights_world.read("select * from marts.fct_show_engagement_daily")
    df["activity_date"] = pd.to_datetime(df["activity_date"])
    return df


@pytest.fixture(scope="module")
def program(insights_world) -> pd.DataFrame:
    df = _landing(insights_world, "partner_program.csv")
    df["at"] = _utc(df["event_at"])
    return df


def test_events_per_show_week_equal_the_landing_events(insights_world, events):
    expected = (events.assign(week=_monday(events["day"]))
                .pivot_table(index=["show_id", "week"], columns="event_type", values="user_id",
                             aggfunc="count", fill_value=0)
                .rename(columns=EVENT_COLUMNS))
    weekly = insights_world.read("select * from marts.fct_show_engagement_weekly")
    weekly["week"] = pd.to_datetime(weekly["week_start_date"])
    got = weekly.set_index(["show_id", "week"])[list(EVENT_COLUMNS.values())]
    joined = got.join(expected, rsuffix="_truth", how="outer").fillna(0)
    assert len(joined) == len(got)  # no week of events outside the mart's rows
    for col in EVENT_COLUMNS.values():
        assert (joined[col] == joined[f"{col}_truth"]).all(), col
    assert (weekly["net_follows"] == weekly["follows"] - weekly["unfollows"]).all()
    assert joined["follows"].sum() > 100  # the check saw real traffic


def test_daily_series_are_continuous_over_every_show(insights_world, daily, events):
    shows = pd.read_csv(insights_world.path / "landing" / "shows" / "shows.csv")
    first, last = daily["activity_date"].min(), daily["activity_date"].max()
    assert first <= events["day"].min() and last >= events["day"].max()
    days = (last - first).days + 1
    assert len(daily) == len(shows) * days
    assert set(daily["show_id"]) == set(shows["show_id"])
    assert (daily.groupby("show_id").size() == days).all()


def test_comments_switch_on_at_the_first_enablement(insights_world, daily, events):
    rollouts = _landing(insights_world, "feature_rollouts.csv")
    rollouts = rollouts[rollouts["feature"] == "comments"]
    first = _utc(rollouts["enabled_at"]).dt.normalize().groupby(rollouts["show_id"]).min()
    expected = daily["activity_date"] >= daily["show_id"].map(first)  # NaT: False
    assert (daily["comments_enabled"].astype(bool) == expected).all()
    assert daily["comments_enabled"].astype(bool).any()
    # comments only ever happen where the mart says they are on
    assert daily.loc[~daily["comments_enabled"].astype(bool), "comments"].sum() == 0


def test_subscriptions_new_and_active(insights_world, daily):
    subs = _landing(insights_world, "subscriptions.csv")
    start = _utc(subs["started_at"]).dt.normalize()
    end = _utc(subs["ended_at"]).dt.normalize()
    sample = daily.sample(n=min(300, len(daily)), random_state=0)
    for row in sample.itertuples():
        mine = subs["show_id"] == row.show_id
        day = row.activity_date
        assert row.new_subscriptions == int((mine & (start == day)).sum())
        active = mine & (start <= day) & (end.isna() | (end >= day))
        assert row.active_subscriptions == int(active.sum())


def test_partner_funnel_counts_and_time_to_activation(insights_world, program):
    shows = pd.read_csv(insights_world.path / "landing" / "shows" / "shows.csv")
    first = program.groupby(["tenant_id", "show_id", "status"])["at"].min().unstack()
    funnel = insights_world.read("select * from marts.fct_partner_program_funnel")
    assert len(funnel) == shows["tenant_id"].nunique() * len(STAGES)
    for row in funnel.itertuples():
        reached = first.loc[row.tenant_id] if row.tenant_id in first.index else None
        n = 0 if reached is None else int(reached[row.program_status].notna().sum())
        assert row.shows_reached == n, (row.tenant_id, row.program_status)
        if reached is None or row.program_status == "eligible":
            continue
        previous = STAGES[STAGES.index(row.program_status) - 1]
        n_prev = int(reached[previous].notna().sum())
        assert row.drop_off_from_previous == n_prev - n
        assert row.conversion_from_previous == pytest.approx(n / n_prev)
        days = ((reached[row.program_status] - reached["eligible"])
                .dt.total_seconds() / 86400).dropna()
        assert row.median_days_from_eligible == pytest.approx(float(np.median(days)))
        assert row.mean_days_from_eligible == pytest.approx(float(days.mean()))
    active = funnel[funnel["program_status"] == "active"]
    # the generator activates shows five days (plus part of a day) after eligibility
    assert active["median_days_from_eligible"].between(4, 7).all()


def test_revenue_cohorts_follow_activation_weeks_and_payouts(insights_world, program):
    cohorts = insights_world.read("select * from marts.fct_creator_revenue_cohorts")
    for col in ("cohort_week_start_date", "week_start_date"):
        cohorts[col] = pd.to_datetime(cohorts[col])
    active = program[program["status"] == "active"].groupby("show_id")["at"].min()
    expected_cohort = _monday(active.dt.normalize())
    got_cohort = cohorts.groupby("show_id")["cohort_week_start_date"].first()
    assert set(got_cohort.index) == set(active.index)
    assert (got_cohort.sort_index() == expected_cohort.sort_index()).all()
    last_week = cohorts["week_start_date"].max()
    weeks = cohorts.groupby("show_id")["weeks_since_joining"].agg(["min", "max", "count"])
    assert (weeks["min"] == 0).all() and (weeks["count"] == weeks["max"] + 1).all()
    assert (weeks["max"] == ((last_week - expected_cohort).dt.days // 7)).all()
    assert weeks["count"].max() >= 8  # early joiners span 8-12+ weeks
    payouts = program[program["status"] == "payout"].copy()
    payouts["week"] = _monday(payouts["at"].dt.normalize())
    payouts = payouts.merge(expected_cohort.rename("cohort").reset_index(), on="show_id")
    payouts = payouts[(payouts["week"] >= payouts["cohort"]) & (payouts["week"] <= last_week)]
    expected_paid = payouts.groupby("show_id")["amount"].sum()
    got_paid = cohorts.groupby("show_id")["partner_payouts"].sum()
    assert np.allclose(got_paid.reindex(expected_paid.index), expected_paid)
    ordered = cohorts.sort_values(["show_id", "weeks_since_joining"])
    running = ordered.groupby("show_id")["revenue"].cumsum()
    assert np.allclose(ordered["cumulative_revenue"], running)
