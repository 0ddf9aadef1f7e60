"""Poll every registered feed and land what changed in raw.rss_fetches/channels/items.

An unchanged feed adds nothing: HTTP feeds are asked conditionally (ETag/Last-Modified, so
they cost one 304), and any feed whose body hashes as the latest landed fetch is skipped
(local files, and servers that ignore validators; the fresh validators are stored so the
next poll can be a 304). A feed that can't be fetched, or whose body is not a feed or is
truncated, lands nothing and gets a quarantine row naming the show and the reason; what was
landed before stays (raw tables are append-only: nothing here deletes an earlier fetch).
Per-item problems (dates, durations, duplicate or missing identities) are quarantined too,
while the items themselves land as published.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from core.contract import QUARANTINE, table
from core.ddl import arrow_batch
from core.warehouse import Warehouse
from ingest.registry import latest_shows
from ingest.rss import fetch as fetching
from ingest.rss.guard import IPNetwork
from ingest.rss.parse import ParsedFeed, parse
from ingest.rss.quirks import utc_now
from ingest.rss.transcripts import land_transcripts

log = logging.getLogger(__name__)
RAW_RECORD_CHARS = 4000  # how much of a rejected body the quarantine row keeps


@dataclass
class FeedReport:
    fetched: int = 0  # feeds with new content, landed
    unchanged: int = 0  # 304, or the same bytes as the latest landed fetch
    new_items: int = 0
    failed: int = 0  # the fetch itself failed (network, HTTP error, unreadable file)
    rejected: int = 0  # fetched, but not a feed or truncated: nothing landed
    transcripts: int = 0  # transcripts landed with text
    problems: list[str] = field(default_factory=list)  # one per quarantine row written
    notices: list[str] = field(default_factory=list)  # e.g. permanent redirects

    def summary(self) -> str:
        return (f"feeds: {self.fetched} changed, {self.unchanged} unchanged, {self.failed} "
                f"failed, {self.rejected} rejected; {self.new_items} items landed; "
                f"{len(self.problems)} quarantined")


@dataclass(frozen=True)
class Show:
    tenant_id: str | None
    show_id: str
    feed_url: str | None


@dataclass(frozen=True)
class Previous:
    """The latest landed fetch of a show: its id, validators and content hash."""

    fetch_id: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None


def registered_feeds(wh: Warehouse) -> list[tuple[str, str, str]]:
    """(tenant_id, show_id, feed_url) per show, from its most recently loaded registry row."""
    return [(s["tenant_id"], s["show_id"], s["feed_url"]) for s in latest_shows(wh)]


def last_fetches(wh: Warehouse) -> dict[str, Previous]:
    rows = wh.fetchall(
        """
        select show_id, fetch_id, etag, last_modified, content_sha256 from (
            select *, row_number() over (
                partition by show_id order by fetched_at desc, _loaded_at desc
            ) as rn
            from raw.rss_fetches
        ) as latest where rn = 1
        """
    )
    return {show: Previous(fid, etag, modified, sha) for show, fid, etag, modified, sha in rows}


def land_feeds(wh: Warehouse, landing_dir: Path, now: datetime | None = None,
               max_bytes: int = fetching.MAX_FEED_BYTES,
               allowed_networks: tuple[IPNetwork, ...] = ()) -> FeedReport:
    """Poll every registered feed. Feeds are read from http(s) URLs on public addresses
    (or `allowed_networks`) and from paths inside `landing_dir` only (ingest/rss/guard.py)."""
    now = now or utc_now()
    report = FeedReport()
    previous = last_fetches(wh)
    fetch = functools.partial(fetching.fetch, landing_dir=landing_dir, max_bytes=max_bytes,
                              allowed_networks=allowed_networks)
    for tenant_id, show_id, feed_url in registered_feeds(wh):
        show = Show(tenant_id, show_id, feed_url)
        _poll(wh, show, fetch, previous.get(show_id, Previous()), now, report)
    log.info(report.summary())
    return report


def _poll(wh: Warehouse, show: Show, fetch: Callable[..., fetching.Fetch],
          previous: Previous, now: datetime, report: FeedReport) -> None:
    if not (show.feed_url or "").strip():
        report.failed += 1
        _feed_problem(wh, show, "no feed_url in the shows registry", now, report)
        return
    result = fetch(show.feed_url or "", etag=previous.etag,
                   last_modified=previous.last_modified)
    _note_redirect(show, result, report)
    if result.status == 304 or (result.ok and result.sha256 == previous.sha256):
        report.unchanged += 1
        _refresh_validators(wh, previous, result)
        return
    if not result.ok:
        report.failed += 1
        error = result.error or f"HTTP {result.status} without a body"
        _feed_problem(wh, show, f"{error}; earlier data kept", now, report)
        return
    body = result.body or b""
    feed = _parse(body, result.final_url or result.url)
    if not feed.is_feed:
        report.rejected += 1
        _feed_problem(wh, show, feed.problems[0], now, report, feed.text(body))
        return
    report.fetched += 1
    report.new_items += _land_fetch(wh, show, result, feed, now, report)
    report.transcripts += land_transcripts(wh, show.show_id, result.final_url or result.url,
                                           feed.items, fetch, now)


def _parse(body: bytes, feed_url: str) -> ParsedFeed:
    try:
        return parse(body, feed_url)
    except Exception as exc:  # bad input never stops the run: any parser crash is a problem
        return ParsedFeed(None, [], [f"cannot parse the feed: {type(exc).__name__}: {exc}"])


def _note_redirect(show: Show, result: fetching.Fetch, report: FeedReport) -> None:
    if result.moved_permanently and result.final_url:
        notice = (f"show {show.show_id}: feed moved permanently to {result.final_url}; "
                  f"update its feed_url in the shows registry")
        log.warning(notice)
        report.notices.append(notice)


def _refresh_validators(wh: Warehouse, previous: Previous, result: fetching.Fetch) -> None:
    """Same content, new ETag/Last-Modified: keep them, so the next poll can get a 304."""
    fresh = (result.etag or previous.etag, result.last_modified or previous.last_modified)
    if previous.fetch_id and fresh != (previous.etag, previous.last_modified):
        wh.execute("update raw.rss_fetches set etag = ?, last_modified = ? where fetch_id = ?",
                   [*fresh, previous.fetch_id])


def _land_fetch(wh: Warehouse, show: Show, result: fetching.Fetch, feed: ParsedFeed,
                now: datetime, report: FeedReport) -> int:
    fetch_id = f"{show.show_id}:{(result.sha256 or '')[:16]}"  # same content, same id
    lineage = {"_source_file": result.url, "_source_line": None, "_loaded_at": now}
    fetch_row = {
        "fetch_id": fetch_id, "tenant_id": show.tenant_id, "show_id": show.show_id,
        "feed_url": result.url, "fetched_at": now, "http_status": result.status,
        "etag": result.etag, "last_modified": result.last_modified,
        "content_sha256": result.sha256, "body": feed.text(result.body or b""), **lineage}
    items = [_clean({"fetch_id": fetch_id, "show_id": show.show_id, **item, **lineage,
                     "_source_line": item["item_index"] + 1}) for item in feed.items]
    with wh.transaction():
        for name in ("rss_items", "rss_channels", "rss_fetches"):  # a rerun replaces itself
            wh.execute(f"delete from raw.{name} where fetch_id = ?", [fetch_id])
        wh.append("rss_fetches", [arrow_batch(table("rss_fetches"), [fetch_row])])
        if feed.channel is not None:
            channel = _clean({"fetch_id": fetch_id, "show_id": show.show_id, **feed.channel,
                              **lineage})
            wh.append("rss_channels", [arrow_batch(table("rss_channels"), [channel])])
        wh.append("rss_items", [arrow_batch(table("rss_items"), items)])
        for problem in feed.problems:
            _feed_problem(wh, show, problem, now, report, source=result.url)
        for index, problem in feed.item_problems:
            _quarantine(wh, "rss_items", result.url, index + 1, f"show {show.show_id}: "
                        f"{problem}", None, now)
            report.problems.append(f"{show.show_id}: {problem}")
    return len(items)


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """NUL characters can't be stored in Postgres text; feeds occasionally carry them."""
    return {k: v.replace("\x00", "") if isinstance(v, str) else v for k, v in row.items()}


def _feed_problem(wh: Warehouse, show: Show, problem: str, now: datetime,
                  report: FeedReport, raw: str | None = None,
                  source: str | None = None) -> None:
    reason = f"show {show.show_id}: {problem}"
    raw_record = raw[:RAW_RECORD_CHARS] if raw is not None else None
    _quarantine(wh, "rss_fetches", source or show.feed_url or "", None, reason, raw_record,
                now)
    report.problems.append(f"{show.show_id}: {problem}")
    log.warning(reason)


def _quarantine(wh: Warehouse, source_table: str, source_file: str, line: int | None,
                reason: str, raw_record: str | None, now: datetime) -> None:
    # A feed that stays broken is reported once per distinct reason, not once per poll.
    wh.execute("delete from raw.quarantine where source_table = ? and source_file = ? "
               "and reason = ?", [source_table, source_file, reason])
    row = {"source_table": source_table, "source_file": source_file, "source_line": line,
           "reason": reason, "raw_record": raw_record, "quarantined_at": now}
    wh.append(QUARANTINE.name, [arrow_batch(QUARANTINE, [_clean(row)], lineage=False)])
