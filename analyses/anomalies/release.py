"""What a show's downloads should be on a day, given its releases.

Podcast downloads follow releases: an episode brings most of its downloads in its first
days, so a show's daily series jumps on every release (daily, every 3 or 7 days) and a
z-score on it flags each one. Here each episode-day is expected from the show's own
release curve and the weekday:

    expected(e, d) = P_show(min(age, MAX_AGE)) * W_tenant(weekday(d))

P_show(a): the 20%-trimmed mean, over the show's episodes, of their weekday-adjusted
downloads at age a (days since release), so one spiked day of one episode barely moves
it; ages from MAX_AGE on share one value (the back catalogue). W: the tenant's weekday
factors (mean 1), the median ratio of observed to release-expected show-days per weekday.
Two rounds of fitting P then W. A show-day's baseline is the sum over its released
episodes; the detectors then score observed / baseline, which a release leaves flat.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import trim_mean

MAX_AGE = 14
TRIM = 0.2
ROUNDS = 2
UNDATED_SHARE = 0.1


def _first_busy_day(d: pd.DataFrame) -> pd.Series:
    """For an episode without a valid pubDate: its release, as far as downloads tell, the
    first day they reach UNDATED_SHARE of its best day (a stray early download is not a
    release)."""
    best = d.groupby("episode_id")["downloads"].transform("max")
    busy = d["period_date"].where(d["downloads"] >= UNDATED_SHARE * best)
    return busy.groupby(d["episode_id"]).transform("min")


def episode_days(daily: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Every episode x covered date from its release on, downloads zero-filled.
    `daily`: tenant_id, show_id, episode_id, period_date, days_since_release, downloads."""
    d = daily.assign(period_date=pd.to_datetime(daily["period_date"]))
    release = d["period_date"] - pd.to_timedelta(d["days_since_release"], unit="D")
    release = release.fillna(_first_busy_day(d))
    eps = (d.assign(release=release)
           .groupby(["tenant_id", "show_id", "episode_id"], as_index=False)["release"].min())
    grid = eps.merge(pd.DataFrame({"period_date": dates}), how="cross")
    grid = grid[grid["period_date"] >= grid["release"]]
    out = grid.merge(d[["episode_id", "period_date", "downloads"]],
                     on=["episode_id", "period_date"], how="left")
    out["downloads"] = out["downloads"].fillna(0.0).astype(float)
    out["age"] = np.minimum((out["period_date"] - out["release"]).dt.days, MAX_AGE)
    out["weekday"] = out["period_date"].dt.day_of_week
    return out.reset_index(drop=True)


def _profile(ed: pd.DataFrame, weekday: pd.Series) -> pd.Series:
    """P_show(age), indexed like `ed`."""
    adjusted = ed["downloads"] / weekday
    prof = (adjusted.groupby([ed["show_id"], ed["age"]])
            .agg(lambda v: trim_mean(v.to_numpy(), TRIM)).rename("p"))
    return ed[["show_id", "age"]].join(prof, on=["show_id", "age"])["p"]


def _weekday(ed: pd.DataFrame, profile: pd.Series) -> pd.Series:
    """W_tenant(weekday), indexed like `ed`."""
    show_day = (ed.assign(p=profile)
                .groupby(["tenant_id", "show_id", "period_date", "weekday"], as_index=False)
                [["downloads", "p"]].sum())
    show_day = show_day[show_day["p"] > 0]
    ratio = show_day["downloads"] / show_day["p"]
    w = ratio.groupby([show_day["tenant_id"], show_day["weekday"]]).median()
    w = w / w.groupby(level=0).transform("mean")
    w = w.replace(0.0, np.nan).rename("w")
    joined = ed[["tenant_id", "weekday"]].join(w, on=["tenant_id", "weekday"])["w"]
    return joined.fillna(1.0)


def expected_episode_days(ed: pd.DataFrame) -> pd.Series:
    """expected(e, d) for the rows of `episode_days`."""
    weekday = pd.Series(1.0, index=ed.index)
    for _ in range(ROUNDS):
        profile = _profile(ed, weekday)
        weekday = _weekday(ed, profile)
    return _profile(ed, weekday) * weekday
