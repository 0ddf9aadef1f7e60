"""Opt-in bad deliveries (`podwh-synth --bad-landing`): landing files every row of which
passes the loader's row checks, but which break the landing data's contract in aggregate.

Each file is listed, with the contract expectation it breaks, in
`ground_truth/bad_landing.json`: the data contracts (ingest/load/contracts.py) must report
exactly these. A world with them is for testing the contracts: its counting and
attribution truth leave them out.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

TRUTH_FILE = "bad_landing.json"
UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"


def _at(day: dt.date, minute: int) -> str:
    return (dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
            + dt.timedelta(minutes=minute)).isoformat()


def _csv(path: Path, rows: list[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return len(rows)


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return len(rows)


def inject(landing: Path, ground_truth: Path, start: dt.date, days: int) -> dict[str, int]:
    """Write the bad files into `landing` and their truth into `ground_truth`; returns the
    rows of each file written, by path relative to `landing`."""
    mid = start + dt.timedelta(days=days // 2)
    truth: list[dict[str, Any]] = []
    files: dict[str, int] = {}

    def bad(rel: str, n: int, table: str, expectations: list[str], blocking: bool,
            why: str) -> None:
        files[rel] = n
        truth.extend({"table": table, "file": rel, "expectation": e, "blocking": blocking,
                      "rows": n, "why": why} for e in expectations)

    # Refunds exported as orders with negative revenue: ROAS would go down by them.
    rel = "conversions/orders_refunds.csv"
    bad(rel, _csv(landing / rel, [
        {"sponsor_id": "sp001", "order_id": f"r{i:07d}", "ordered_at": _at(mid, i),
         "revenue": -25.0 - i, "currency": "USD", "discount_code": "", "landing_url": "",
         "buyer_ip": ""} for i in range(3)]),
        "orders", ["revenue:range"], True, "refunds (negative revenue) delivered as orders")
    # A price in cents below zero: a sign error in a billing export.
    rel = "engagement/subscriptions_billing_export.csv"
    bad(rel, _csv(landing / rel, [
        {"tenant_id": "", "subscription_id": f"bx{i:05d}", "show_id": "s-any",
         "user_id": f"bx-u{i}", "started_at": _at(mid, i), "ended_at": "",
         "plan": "supporter", "monthly_price": -500, "currency": "USD"} for i in range(2)]),
        "subscriptions", ["monthly_price:range"], True, "negative monthly price")
    # A new app version's event names the models don't know.
    rel = "engagement/events_app_v2.jsonl"
    bad(rel, _jsonl(landing / rel, [
        {"tenant_id": "", "event_at": _at(mid, i), "event_type": ("like", "FOLLOW")[i % 2],
         "show_id": "s-any", "episode_guid": "", "user_id": f"v2-u{i}"} for i in range(20)]),
        "engagement_events", ["event_type:values"], False, "unknown event types")
    # Last season's pixel export delivered again: 200 days older than the world.
    rel = "conversions/pixel_visits_backfill.jsonl"
    old = start - dt.timedelta(days=200)
    bad(rel, _jsonl(landing / rel, [
        {"sponsor_id": "sp001", "visited_at": _at(old, i), "ip": f"198.51.100.{i + 1}",
         "user_agent": UA, "url": "https://example.com/", "referer": ""} for i in range(10)]),
        "pixel_visits", ["visited_at:freshness"], False, "a stale delivery")
    # A CDN edge's partial export that lost its user-agent column.
    rel = "access_logs/edge-partial.jsonl"
    bad(rel, _jsonl(landing / rel, [
        {"timestamp": _at(mid, i), "ip": f"198.51.100.{i + 1}", "user_agent": "",
         "method": "GET", "url": "https://cdn.example/a.mp3", "status": 200, "range": "",
         "bytes_sent": 1000, "referer": ""} for i in range(40)]),
        "access_logs", ["user_agent:empty_share", "volume"], False,
        "a partial file without user agents")
    ground_truth.mkdir(parents=True, exist_ok=True)
    (ground_truth / TRUTH_FILE).write_text(json.dumps(truth, indent=2) + "\n")
    return files
