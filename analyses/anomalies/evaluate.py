"""Precision and recall of the flagged anomalies against the generator's injected ones
(ground_truth/anomalies.csv), as dbt/METHODOLOGY.md (Anomalies) defines them.

Evaluated: high-severity flags at day grain on downloads (show, episode, tenant),
impressions (campaign, tenant) and conversions (sponsor, tenant), either method, one
flag per entity x metric x day. An injected anomaly (downloads spike or drop, the
access-log outage: metric downloads; delivered_impressions: impressions; conversions)
is recalled when a flag of its metric falls on its date on its entity, on an episode of
its show, or on its tenant. The burst exactly at the abusive-IP threshold (entity
all_shows: counted, as IAB rules say, one download per episode of every show) is recalled
by a downloads flag on any show or tenant that day. A flag is a true positive when it
matches an injected anomaly the same way, or is an impressions flag of a campaign on a
show (or of the tenant) whose downloads anomaly falls that day, or any impressions flag on
the day of the counted burst: the injected anomaly's knock-on effect on delivery (it does
not recall anything).

Invalid traffic that passes the IAB filters (synth/fraud.py,
ground_truth/traffic_quality.csv: binges, scripted agents, a redownload ring, regular
fetchers, the counted abusive-IP burst, with their counted downloads per show-day) is
injected too: its downloads are really counted, so a downloads flag on such a show-day
(its show, an episode of it, its tenant), or an impressions flag knocked on by it, is a
true positive. Those show-days are not in the recall: most are built to
blend in (a regular fetcher adds a dozen downloads), and catching them is the traffic
quality analysis's job.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

TRUTH_METRIC = {"downloads": "downloads", "access_log_rows": "downloads",
                "delivered_impressions": "impressions", "conversions": "conversions"}
EVALUATED = {"downloads": {"show", "episode", "tenant"},
             "impressions": {"campaign", "tenant"},
             "conversions": {"sponsor", "tenant"}}


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    flags: int
    true_flags: int
    injected: int
    recalled: int


def evaluated_flags(anomalies: pd.DataFrame) -> pd.DataFrame:
    """The high-severity daily flags the evaluation counts, one per entity x metric x day."""
    a = anomalies[(anomalies["status"] == "anomaly") & (anomalies["severity"] == "high")
                  & (anomalies["grain"] == "day")]
    a = a[[et in EVALUATED.get(m, set()) for m, et in zip(a["metric"], a["entity_type"],
                                                          strict=True)]]
    cols = ["tenant_id", "entity_type", "entity_id", "show_id", "metric", "period_date"]
    out = a[cols].drop_duplicates().reset_index(drop=True)
    out["period_date"] = pd.to_datetime(out["period_date"]).dt.date
    return out


def injected(truth: pd.DataFrame, owners: pd.DataFrame) -> pd.DataFrame:
    """The injected anomalies on evaluated metrics with their tenant. `owners`:
    entity_type, entity_id, tenant_id for shows, campaigns and sponsors."""
    t = truth[truth["metric"].isin(TRUTH_METRIC)].copy()
    t["metric"] = t["metric"].map(TRUTH_METRIC)
    t["period_date"] = pd.to_datetime(t["date"]).dt.date
    return t.merge(owners, on=["entity_type", "entity_id"], how="left")[
        ["tenant_id", "entity_type", "entity_id", "metric", "period_date"]]


def invalid_traffic(quality: pd.DataFrame) -> pd.DataFrame:
    """The show-days with counted invalid traffic (ground_truth/traffic_quality.csv:
    tenant_id, show_id, date, fraud_downloads), as download departures in the frame of
    `injected`."""
    q = quality[quality["fraud_downloads"] > 0]
    return pd.DataFrame({"tenant_id": q["tenant_id"].to_numpy(), "entity_type": "show",
                         "entity_id": q["show_id"].to_numpy(), "metric": "downloads",
                         "period_date": pd.to_datetime(q["date"]).dt.date.to_numpy()})


def _matches(flag: pd.Series, inj: pd.Series) -> bool:
    if flag["metric"] != inj["metric"] or flag["period_date"] != inj["period_date"]:
        return False
    if inj["entity_type"] == "all_shows":  # a counted burst on every show
        return flag["entity_type"] in ("show", "tenant")
    if flag["entity_type"] == "tenant":
        return flag["entity_id"] == inj["tenant_id"]
    if flag["entity_type"] == "episode":
        return inj["entity_type"] == "show" and flag["show_id"] == inj["entity_id"]
    return (flag["entity_type"], flag["entity_id"]) == (inj["entity_type"], inj["entity_id"])


def _knock_on(flag: pd.Series, inj: pd.Series, campaign_shows: set[tuple[str, str]]) -> bool:
    """An impressions flag the same day as a download anomaly of a show the campaign runs
    on (or of the tenant's): more or fewer downloads deliver more or fewer ads, and
    repeated listening in a spike delivers more ads per counted download."""
    if (flag["metric"], inj["metric"]) != ("impressions", "downloads") or (
            flag["period_date"] != inj["period_date"]):
        return False
    if inj["entity_type"] == "all_shows":  # the counted burst: every show's downloads
        return True
    if flag["entity_type"] == "tenant":
        return flag["entity_id"] == inj["tenant_id"]
    return (flag["entity_id"], inj["entity_id"]) in campaign_shows


def score(flags: pd.DataFrame, inj: pd.DataFrame,
          campaign_shows: set[tuple[str, str]] = frozenset(),
          invalid: pd.DataFrame | None = None) -> Score:
    """`campaign_shows`: (campaign_id, show_id) of the line items, for knock-on flags;
    `invalid`: the invalid-traffic show-days (`invalid_traffic`), true but not recalled."""
    hit = [[_matches(f, i) for _, i in inj.iterrows()] for _, f in flags.iterrows()]
    causes = inj if invalid is None else pd.concat([inj, invalid], ignore_index=True)
    other = causes.iloc[len(inj):]
    explained = [any(_matches(f, i) for _, i in other.iterrows())
                 or any(_knock_on(f, i, campaign_shows) for _, i in causes.iterrows())
                 for _, f in flags.iterrows()]
    true_flags = sum(any(row) or e for row, e in zip(hit, explained, strict=True))
    recalled = sum(any(row[j] for row in hit) for j in range(len(inj)))
    return Score(true_flags / len(flags) if len(flags) else 1.0,
                 recalled / len(inj) if len(inj) else 1.0,
                 len(flags), true_flags, len(inj), recalled)
