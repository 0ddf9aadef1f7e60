"""Why revenue changed: every show's week-over-week revenue change and every
high-severity anomaly, decomposed exactly over the metric tree of fct_show_revenue_weekly,

    revenue = downloads x ad_slots_per_download x fill_rate x effective_cpm / 1000
              + subscription_revenue + partner_payouts,

the ad-revenue chain by LMDI-I (lmdi.py), the additive lines as their own change, so the
six effects add up to the revenue change exactly; with the listening segment (app, device
category, country) and the episode whose downloads moved most, and one sentence an
account manager can read.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analyses.anomalies.lmdi import lmdi

CHAIN = ("downloads", "ad_slots_per_download", "fill_rate", "effective_cpm")
EFFECTS = {"downloads": "downloads_effect", "ad_slots_per_download": "ad_slots_effect",
           "fill_rate": "fill_rate_effect", "effective_cpm": "cpm_effect",
           "subscription_revenue": "subscription_effect",
           "partner_payouts": "partner_effect"}
LABELS = {"downloads": "downloads", "ad_slots_per_download": "ad slots per download",
          "fill_rate": "fill rate", "effective_cpm": "CPM",
          "subscription_revenue": "subscriptions", "partner_payouts": "partner payouts"}
DIMENSIONS = {"app_name": "on", "device_category": "on", "country_code": "in"}
WEEK = pd.Timedelta(days=7)


def _money(x: float) -> str:
    return f"{'-' if x < 0 else '+'}${abs(x):,.2f}"


def _count(x: float) -> str:
    return f"{'-' if x < 0 else '+'}{abs(x):,.0f}"


def _num(v: Any) -> float:
    return float("nan") if v is None or pd.isna(v) else float(v)


def decompose(before: pd.Series | None, after: pd.Series) -> dict[str, float]:
    """The six effects of a show's change from week `before` (None: nothing that week) to
    week `after` (rows of fct_show_revenue_weekly); they add up to the revenue change."""
    def get(row: pd.Series | None, col: str) -> float:
        return 0.0 if row is None else _num(row[col])
    chain = lmdi([get(before, c) for c in CHAIN], [get(after, c) for c in CHAIN],
                 get(before, "ad_revenue") or 0.0, get(after, "ad_revenue") or 0.0)
    out = {EFFECTS[c]: e for c, e in zip(CHAIN, chain, strict=True)}
    for line in ("subscription_revenue", "partner_payouts"):
        out[EFFECTS[line]] = (get(after, line) or 0.0) - (get(before, line) or 0.0)
    return out


def top_move(changes: pd.DataFrame, direction: float) -> pd.Series | None:
    """The row of `changes` (dimension, segment, change) that moved most in `direction`
    (the sign of the total's change; 0: either way)."""
    if changes.empty:
        return None
    signed = changes["change"] * (np.sign(direction) if direction else 1.0)
    key = signed if direction else changes["change"].abs()
    order = changes.assign(_k=key).sort_values(["_k", "dimension", "segment"],
                                               ascending=[False, True, True])
    best = order.iloc[0]
    return None if best["change"] == 0 else best


def _segment_phrase(seg: pd.Series | None) -> str:
    if seg is None:
        return ""
    verb = "rose" if seg["change"] > 0 else "fell"
    return (f"; downloads {DIMENSIONS.get(seg['dimension'], 'on')} {seg['segment']} "
            f"{verb} most ({_count(seg['change'])})")


def revenue_sentence(effects: dict[str, float], before: float, after: float) -> str:
    change = after - before
    if abs(change) < 0.005:
        return f"Revenue was flat week over week (${after:,.2f})"
    verb = "rose" if change > 0 else "fell"
    pct = f" ({change / before:+.0%})" if before else " (from nothing)"
    main = max(EFFECTS, key=lambda k: abs(effects[EFFECTS[k]]))
    return (f"Revenue {verb} ${abs(change):,.2f}{pct} week over week, mostly from "
            f"{LABELS[main]} ({_money(effects[EFFECTS[main]])})")


def week_row(show: pd.Series, before: pd.Series | None, after: pd.Series,
             segments: pd.DataFrame, episodes: pd.DataFrame) -> dict[str, Any]:
    """One show's change into week `after`: effects, top segment and episode, sentence.
    `segments` / `episodes`: dimension, segment, change (downloads, this week - last)."""
    effects = decompose(before, after)
    rev0 = 0.0 if before is None else _num(before["revenue"])
    rev1 = _num(after["revenue"])
    ddl = _num(after["downloads"]) - (0.0 if before is None else _num(before["downloads"]))
    seg, ep = top_move(segments, ddl), top_move(episodes, ddl)
    complete = bool(after["is_complete"]) and (before is None or bool(before["is_complete"]))
    main = max(EFFECTS, key=lambda k: abs(effects[EFFECTS[k]]))
    return {
        "tenant_id": show["tenant_id"], "trigger": "week_over_week", "entity_type": "show",
        "entity_id": show["show_id"], "show_id": show["show_id"], "metric": "revenue",
        "period_date": after["period_date"], "week_start_date": after["period_date"],
        "previous_week_start_date": after["period_date"] - WEEK,
        "revenue_before": rev0, "revenue_after": rev1, "revenue_change": rev1 - rev0,
        "revenue_change_pct": (rev1 - rev0) / rev0 if rev0 else None, **effects,
        "main_driver": LABELS[main] if abs(rev1 - rev0) >= 0.005 else None,
        "segment_dimension": None if seg is None else seg["dimension"],
        "segment": None if seg is None else seg["segment"],
        "segment_change": None if seg is None else float(seg["change"]),
        "top_episode_id": None if ep is None else ep["segment"],
        "top_episode_change": None if ep is None else float(ep["change"]),
        "status": "ok" if complete else "partial week: the access logs cover part of it",
        "why": revenue_sentence(effects, rev0, rev1) + _segment_phrase(seg) + ".",
    }


def weekly_changes(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """show_id, week (period_date), dimension, segment, change: this week's downloads of
    the segment minus last week's. `frame`: show_id, period_date (week), `by` values in
    columns named after DIMENSIONS or `by`, downloads."""
    w = frame.groupby(["show_id", "period_date", by], as_index=False)["downloads"].sum()
    prev = w.assign(period_date=w["period_date"] + WEEK).rename(
        columns={"downloads": "previous"})
    m = w.merge(prev, on=["show_id", "period_date", by], how="outer").fillna(
        {"downloads": 0.0, "previous": 0.0})
    m = m[m["period_date"].isin(w["period_date"])]
    return pd.DataFrame({"show_id": m["show_id"], "period_date": m["period_date"],
                         "dimension": by, "segment": m[by].astype(str),
                         "change": m["downloads"] - m["previous"]})


def week_over_week(revenue: pd.DataFrame, segments: pd.DataFrame,
                   episodes: pd.DataFrame) -> list[dict[str, Any]]:
    """A row per show and week that has a previous week in the mart (the week before it,
    or nothing then: a show's first week there has no change to explain).
    `revenue`: fct_show_revenue_weekly with period_date = week_start_date; `segments`:
    show_id, period_date (week), app_name, device_category, country_code, downloads;
    `episodes`: show_id, period_date (week), episode_id, downloads."""
    if revenue.empty:
        return []
    seg = (pd.concat([weekly_changes(segments, d) for d in DIMENSIONS], ignore_index=True)
           if len(segments) else pd.DataFrame(columns=["show_id", "period_date",
                                                        "dimension", "segment", "change"]))
    eps = (weekly_changes(episodes, "episode_id") if len(episodes)
           else seg.iloc[0:0])
    seg_by = {k: g for k, g in seg.groupby(["show_id", "period_date"])}
    eps_by = {k: g for k, g in eps.groupby(["show_id", "period_date"])}
    rows = []
    rev = revenue.sort_values(["show_id", "period_date"])
    for _, weeks in rev.groupby("show_id", sort=True):
        by_date = {r["period_date"]: r for _, r in weeks.iterrows()}
        first = min(by_date)
        for date, after in by_date.items():
            if date == first:
                continue
            key = (after["show_id"], date)
            rows.append(week_row(after, by_date.get(date - WEEK), after,
                                 seg_by.get(key, seg.iloc[0:0]),
                                 eps_by.get(key, eps.iloc[0:0])))
    return rows

