"""Traffic quality: invalid traffic the IAB filters let through, scored per show x day.

The IAB filters drop bots the OPAWG lists name, probes, duplicates and IPs over a volume
cap; what passes is counted. Four signals look beyond them, each over what a listener key
(IP prefix x user agent) did for a show on a day (the mart fct_listener_key_daily, where
the request-level work is done in SQL):

- binge: many distinct episodes downloaded within a short span (a whole back catalogue in
  minutes; a person plays one episode at a time);
- scripted user agent: a headless browser, emulator or server HTTP stack in the user
  agent, or a user agent no OPAWG list knows coming from an IP that many keys share;
- regular timing: requests spaced too evenly for a person (coefficient of variation of
  the gaps between a key's requests near 0);
- repeat downloads: a key downloading again, day after day, episodes it had downloaded
  one or two days before;

and one over the show's day: downloads per listener jumping against the show's own recent
history while listeners stay flat (`ratio_jump`).

A show x day's suspicious downloads are the downloads of its flagged keys (each counted
once, whatever fired), or the downloads above the show's usual ratio when that jumped,
whichever is more. The score combines the suspicious share (full at `full_share`) and the
jump's strength by a noisy OR: 1 - (1 - share part) x (1 - jump part), in [0, 1].
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyses.tables import TENANT_ID, AnalysisTable, Column

KEY_SIGNALS = ("binge", "scripted_ua", "regular_timing", "repeat")
# Tokens of clients no person listens with: headless / automated browsers, emulators and
# server-side HTTP libraries (the OPAWG lists name some as bots; these often slip through,
# or hide behind an app's name, as in "Podcasts/1.0 python-httpx").
SCRIPTED_UA = re.compile(
    r"headless|phantomjs|slimerjs|puppeteer|playwright|selenium|webdriver|electron/|"
    r"python|aiohttp|httpx|requests/|urllib|curl/|wget|okhttp|go-http|java/|node-fetch|"
    r"axios|undici|libwww|scrapy|guzzle|sdk_gphone|emulator|x86_64; server", re.I)

# What the analysis reads: per show x day totals, and the key rows that can fire a signal.
SHOW_DAYS = """
    select tenant_id, show_id, activity_date, sum(requests) as requests,
        sum(downloads) as downloads,
        sum(case when downloads > 0 then 1 else 0 end) as listeners
    from {fct_listener_key_daily}
    group by tenant_id, show_id, activity_date
"""
KEY_COLUMNS = ("tenant_id, show_id, activity_date, listener_key, user_agent, "
               "is_unclassified_user_agent, keys_on_ip, requests, downloads, "
               "episodes_downloaded, repeat_downloads, download_span_seconds, gap_count, gap_cv")
USER_AGENTS = "select distinct user_agent_id, user_agent from {dim_apps}"

TRAFFIC_QUALITY = AnalysisTable(
    "traffic_quality", "tenant x show x day",
    "Invalid traffic the IAB filters let through, per show and day: the downloads of "
    "listener keys that binge a back catalogue, use a scripted user agent, request at "
    "regular intervals or re-download what they had, and downloads per listener jumping "
    "with flat listeners; their share and a score from 0 (clean) to 1.",
    {"tenant_id": TENANT_ID,
     "show_id": Column("text", "The show."),
     "activity_date": Column("date", "The UTC day (downloads by the day their window opened)."),
     "requests": Column("bigint", "Candidate requests (those the IAB filter kept) for the "
                                  "show's episodes that day."),
     "downloads": Column("bigint", "Counted downloads of the show that day."),
     "listeners": Column("bigint", "Listener keys with a counted download of the show."),
     "suspicious_requests": Column("bigint", "Candidate requests of the flagged keys."),
     "suspicious_downloads": Column("bigint", "Downloads of the flagged keys (each once), or "
                                              "the downloads above the show's usual ratio "
                                              "when it jumped, whichever is more."),
     "suspicious_share": Column("double", "suspicious_downloads / downloads (0 without "
                                          "downloads)."),
     "suspicious_request_share": Column("double", "suspicious_requests / requests."),
     "binge_downloads": Column("bigint", "Downloads of keys that downloaded at least "
                                         "binge_min_episodes episodes within "
                                         "binge_max_span_seconds."),
     "scripted_ua_downloads": Column("bigint", "Downloads of keys whose user agent is "
                                               "scripted (headless, emulator, server HTTP "
                                               "library) or unknown to OPAWG on an IP shared "
                                               "by shared_ip_min_keys keys or more."),
     "regular_timing_downloads": Column("bigint", "Downloads of keys whose requests' gaps "
                                                  "have a coefficient of variation at most "
                                                  "regular_max_cv (regular_min_gaps gaps or "
                                                  "more)."),
     "repeat_downloads": Column("bigint", "Downloads of keys with repeat_min_downloads or "
                                          "more repeats of earlier days' downloads."),
     "flagged_keys": Column("bigint", "Listener keys any key signal flagged."),
     "download_ratio": Column("double", "downloads / listeners."),
     "expected_ratio": Column("double", "The median ratio of the show's previous "
                                        "history_days days (null without enough history)."),
     "ratio_z": Column("double", "(ratio - expected) / (1.4826 x MAD of those days), the "
                                 "MAD floored at 5% of the expected ratio."),
     "listener_growth": Column("double", "listeners / the median listeners of those days - 1."),
     "ratio_jump": Column("bool", "ratio_z >= jump_min_z, the ratio up by jump_min_lift or "
                                  "more and listener_growth below jump_max_listener_growth."),
     "score": Column("double", "0 (clean) to 1: 1 - (1 - min(1, share / full_share)) x "
                               "(1 - jump part); the jump part is min(1, ratio_z / (2 x "
                               "jump_min_z)) when ratio_jump, else 0."),
     "is_flagged": Column("bool", "score >= flag_threshold."),
     "signals": Column("text", "The signals that fired and their values, e.g. 'binge=14; "
                               "ratio_jump z=6.2 ratio 2.10 vs 1.30'; empty when none."),
     "status": Column("text", "'ok'; 'short_history' (the ratio jump not evaluated); "
                              "'no_downloads'."),
     "reason": Column("text", "Why the status is not 'ok' (e.g. 'history too short: 9 days "
                              "< 14'); null when ok.")})


@dataclass(frozen=True)
class Thresholds:
    binge_min_episodes: int = 5
    binge_max_span_seconds: int = 3600
    binge_day_min_episodes: int = 8
    regular_min_gaps: int = 5
    regular_max_cv: float = 0.1
    repeat_min_downloads: int = 4
    shared_ip_min_keys: int = 3
    history_days: int = 28
    min_history_days: int = 14
    jump_min_z: float = 4.0
    jump_min_lift: float = 0.3
    jump_max_listener_growth: float = 0.25
    jump_min_excess: int = 10
    full_share: float = 0.10
    flag_threshold: float = 0.5


def scripted_user_agents(user_agents: pd.Series) -> pd.Series:
    """Whether each user agent names a headless browser, emulator or server HTTP stack."""
    return user_agents.fillna("").map(lambda ua: bool(SCRIPTED_UA.search(ua))).astype(bool)


def key_rows_sql(scripted_ids: list[str], th: Thresholds) -> str:
    """The key rows that can fire a signal (the rest can't, and stay in the warehouse)."""
    ids = ", ".join("'" + i.replace("'", "''") + "'" for i in scripted_ids) or "''"
    min_episodes = int(min(th.binge_min_episodes, th.binge_day_min_episodes))
    return (f"select {KEY_COLUMNS} from {{fct_listener_key_daily}} "
            f"where episodes_downloaded >= {min_episodes} "
            f"or gap_count >= {int(th.regular_min_gaps)} "
            f"or repeat_downloads >= {int(th.repeat_min_downloads)} "
            f"or is_unclassified_user_agent or user_agent_id in ({ids})")


def flag_keys(keys: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    """`keys` (rows of fct_listener_key_daily) with a boolean column per key signal and
    `suspicious` (any of them)."""
    k = keys.copy()
    unknown_shared = (k["is_unclassified_user_agent"].astype(bool)
                      & (k["keys_on_ip"] >= th.shared_ip_min_keys))
    cv = pd.to_numeric(k["gap_cv"], errors="coerce")
    span = pd.to_numeric(k["download_span_seconds"], errors="coerce")
    k["binge"] = (((k["episodes_downloaded"] >= th.binge_min_episodes)
                   & (span <= th.binge_max_span_seconds))
                  | (k["episodes_downloaded"] >= th.binge_day_min_episodes))
    k["scripted_ua"] = scripted_user_agents(k["user_agent"]) | unknown_shared
    k["regular_timing"] = (k["gap_count"] >= th.regular_min_gaps) & (cv <= th.regular_max_cv)
    k["repeat"] = k["repeat_downloads"] >= th.repeat_min_downloads
    k["suspicious"] = k[list(KEY_SIGNALS)].any(axis=1)
    return k


def ratio_history(days: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    """Per show x day: downloads per listener against the show's previous `history_days`
    days (median, MAD), listener growth and whether the ratio jumped."""
    d = days.sort_values(["show_id", "activity_date"]).copy()
    d["activity_date"] = pd.to_datetime(d["activity_date"])
    d["download_ratio"] = np.where(d["listeners"] > 0,
                                   d["downloads"] / d["listeners"].clip(lower=1), np.nan)
    parts = [_show_history(g, th) for _, g in d.groupby("show_id", sort=True)]
    out = pd.concat(parts) if parts else d.assign(
        expected_ratio=np.nan, mad=np.nan, expected_listeners=np.nan, history=0)
    scale = np.maximum(1.4826 * out["mad"], 0.05 * out["expected_ratio"])
    out["ratio_z"] = (out["download_ratio"] - out["expected_ratio"]) / scale
    out["listener_growth"] = out["listeners"] / out["expected_listeners"] - 1
    out["ratio_jump"] = ((out["history"] >= th.min_history_days)
                         & (out["ratio_z"] >= th.jump_min_z)
                         & (out["download_ratio"] >= (1 + th.jump_min_lift)
                            * out["expected_ratio"])
                         & (out["listener_growth"] < th.jump_max_listener_growth)
                         & (out["downloads"] - out["listeners"] * out["expected_ratio"]
                            >= th.jump_min_excess)).fillna(False)
    return out


def _show_history(g: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    """One show's days with the statistics of its previous `history_days` calendar days."""
    s = g.set_index("activity_date")
    window = f"{th.history_days}D"
    roll = s["download_ratio"].rolling(window, closed="left")
    med = roll.median()
    mad = s["download_ratio"].rolling(window, closed="left").apply(
        lambda x: float(np.median(np.abs(x - np.median(x)))) if len(x) else np.nan, raw=True)
    lis = s["listeners"].astype(float).rolling(window, closed="left").median()
    hist = s["download_ratio"].rolling(window, closed="left").count()
    return g.assign(expected_ratio=med.to_numpy(), mad=mad.to_numpy(),
                    expected_listeners=lis.to_numpy(), history=hist.fillna(0).to_numpy())


def score(days: pd.DataFrame, keys: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    """The traffic_quality rows: `days` (tenant_id, show_id, activity_date, requests,
    downloads, listeners per show x day) and flagged `keys` (flag_keys' output)."""
    by = ["show_id", "activity_date"]
    k = keys.assign(activity_date=pd.to_datetime(keys["activity_date"]))
    sus = k[k["suspicious"]]
    agg = sus.groupby(by).agg(suspicious_requests=("requests", "sum"),
                              key_downloads=("downloads", "sum"),
                              flagged_keys=("listener_key", "nunique"))
    for sig in KEY_SIGNALS:
        col = "repeat_downloads" if sig == "repeat" else f"{sig}_downloads"
        agg[col] = k[k[sig]].groupby(by)["downloads"].sum()
    out = ratio_history(days, th).merge(agg.reset_index(), on=by, how="left")
    counts = ["suspicious_requests", "key_downloads", "flagged_keys",
              *(c for c in agg.columns if c.endswith("_downloads") and c != "key_downloads")]
    out[counts] = out[counts].fillna(0).astype("int64")
    excess = np.where(out["ratio_jump"], np.floor(
        out["downloads"] - out["listeners"] * out["expected_ratio"]), 0)
    out["suspicious_downloads"] = np.minimum(
        np.maximum(out["key_downloads"], np.nan_to_num(excess)), out["downloads"]).astype("int64")
    out["suspicious_share"] = _share(out["suspicious_downloads"], out["downloads"])
    out["suspicious_request_share"] = _share(out["suspicious_requests"], out["requests"])
    jump_part = np.where(out["ratio_jump"],
                         np.minimum(1.0, out["ratio_z"] / (2 * th.jump_min_z)), 0.0)
    share_part = np.minimum(1.0, out["suspicious_share"] / th.full_share)
    out["score"] = 1 - (1 - share_part) * (1 - jump_part)
    out["is_flagged"] = out["score"] >= th.flag_threshold
    out["signals"] = _signals(out)
    out["status"], out["reason"] = _status(out, th)
    out["activity_date"] = out["activity_date"].dt.date
    return out.sort_values(["tenant_id", "show_id", "activity_date"]).reset_index(drop=True)


def _share(part: pd.Series, whole: pd.Series) -> np.ndarray:
    return np.where(whole > 0, part / whole.clip(lower=1), 0.0)


def _signals(out: pd.DataFrame) -> list[str]:
    parts = [pd.Series(np.where(out[f"{s}_downloads"] > 0,
                                s + "=" + out[f"{s}_downloads"].astype(str), ""))
             for s in ("binge", "scripted_ua", "regular_timing", "repeat")]
    jump = pd.Series(np.where(
        out["ratio_jump"],
        "ratio_jump z=" + out["ratio_z"].round(1).astype(str) + " ratio "
        + out["download_ratio"].round(2).astype(str) + " vs "
        + out["expected_ratio"].round(2).astype(str), ""))
    return ["; ".join(x for x in row if x) for row in zip(*parts, jump, strict=True)]


def _status(out: pd.DataFrame, th: Thresholds) -> tuple[list[str], list[str | None]]:
    status = np.where(out["downloads"] <= 0, "no_downloads",
                      np.where(out["history"] < th.min_history_days, "short_history", "ok"))
    reason = np.where(
        status == "no_downloads", "no counted downloads that day",
        np.where(status == "short_history",
                 "history too short: " + out["history"].astype(int).astype(str)
                 + f" days < {th.min_history_days}; ratio jump not evaluated", None))
    return status.tolist(), reason.tolist()


KEY_NUMBERS = ("keys_on_ip", "requests", "downloads", "episodes_downloaded",
               "repeat_downloads", "download_span_seconds", "gap_count", "gap_cv")
DAY_NUMBERS = ("requests", "downloads", "listeners")


def traffic_quality(days: pd.DataFrame, keys: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    """The traffic_quality table from SHOW_DAYS' rows (`days`) and key_rows_sql's (`keys`),
    either possibly empty; numbers as the warehouse gave them (Postgres: decimals)."""
    columns = list(TRAFFIC_QUALITY.columns)
    if days.empty:
        return pd.DataFrame(columns=columns)
    days = days.astype({c: "int64" for c in DAY_NUMBERS})
    if keys.empty:
        keys = pd.DataFrame(columns=[c.strip() for c in KEY_COLUMNS.split(",")])
    keys = keys.assign(**{c: pd.to_numeric(keys[c], errors="coerce").astype(float)
                          for c in KEY_NUMBERS})
    keys["is_unclassified_user_agent"] = keys["is_unclassified_user_agent"].astype(bool)
    return score(days, flag_keys(keys, th), th)[columns]
