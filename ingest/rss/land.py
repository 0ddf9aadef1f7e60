"""Poll every registered feed and land what changed in raw.rss_fetches/channels/items.

An unchanged feed adds nothing: HTTP feeds are asked conditionally (ETag/Last-Modified, so
they cost one 304), local files are compared by content hash. A feed that can't be fetched
or parsed gets a quarantine row naming the show, the feed and the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ingest.contract import QUARANTINE, table
from ingest.load.ddl import arrow_batch
from ingest.load.warehouse import Warehouse
from ingest.rss import fetch as fetching
from ingest.rss.parse import parse

log = logging.getLogger(__name__)


@dataclass
class FeedReport:
    fetched: int = 0
    unchanged: int = 0
    new_items: int = 0
    failed: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"feeds: {self.fetched} changed, {self.unchanged} unchanged, {self.failed} "
                f"failed; {self.new_items} items landed; {len(self.problems)} quarantined")


def registered_feeds(wh: Warehouse) -> list[tuple[str, str, str]]:
    """(tenant_id, show_id, feed_url) per show, from its most recently loaded registry row."""
    return wh.fetchall(
        """
        select tenant_id, show_id, feed_url from (
            select *, row_number() over (
                partition by show_id order by _loaded_at desc, _source_file, _source_line desc
            ) as rn
            from raw.shows
        ) as latest where rn = 1 order by show_id
        """
    )


def last_fetches(wh: Warehouse) -> dict[str, tuple[str | None, str | None, str | None]]:
    """show_id -> (etag, last_modified, content_sha256) of its latest landed fetch."""
    rows = wh.fetchall(
        """
        select show_id, etag, last_modified, content_sha256 from (
            select *, row_number() over (partition by show_id order by fetched_at desc) as rn
            from raw.rss_fetches
        ) as latest where rn = 1
        """
    )
    return {show: (etag, modified, sha) for show, etag, modified, sha in rows}


def land_feeds(wh: Warehouse, landing_dir: Path, now: datetime | None = None) -> FeedReport:
    now = now or datetime.now(UTC).replace(tzinfo=None)
    report = FeedReport()
    previous = last_fetches(wh)
    for tenant_id, show_id, feed_url in registered_feeds(wh):
        etag, modified, sha = previous.get(show_id, (None, None, None))
        result = fetching.fetch(feed_url, landing_dir, etag, modified)
        if result.status == 304 or (result.body is not None and result.sha256 == sha):
            report.unchanged += 1
            continue
        if result.body is None or result.status != 200:
            report.failed += 1
            _quarantine(wh, show_id, feed_url, result.error or f"HTTP {result.status}", now)
            report.problems.append(f"{show_id}: {result.error}")
            continue
        report.fetched += 1
        report.new_items += _land_fetch(wh, tenant_id, show_id, result, now, report)
    log.info(report.summary())
    return report


def _land_fetch(wh: Warehouse, tenant_id: str, show_id: str, result: fetching.Fetch,
                now: datetime, report: FeedReport) -> int:
    fetch_id = f"{show_id}:{result.sha256[:16]}"  # same content, same id: reruns add nothing
    lineage = {"_source_file": result.url, "_source_line": None, "_loaded_at": now}
    feed = parse(result.body or b"")
    with wh.transaction():
        wh.execute("delete from raw.rss_items where fetch_id = ?", [fetch_id])
        wh.execute("delete from raw.rss_channels where fetch_id = ?", [fetch_id])
        wh.execute("delete from raw.rss_fetches where fetch_id = ?", [fetch_id])
        wh.append("rss_fetches", [arrow_batch(table("rss_fetches"), [{
            "fetch_id": fetch_id, "tenant_id": tenant_id, "show_id": show_id,
            "feed_url": result.url, "fetched_at": now, "http_status": result.status,
            "etag": result.etag, "last_modified": result.last_modified,
            "content_sha256": result.sha256,
            "body": (result.body or b"").decode("utf-8", errors="replace"), **lineage}])])
        if feed.channel is not None:
            wh.append("rss_channels", [arrow_batch(table("rss_channels"), [
                {"fetch_id": fetch_id, "show_id": show_id, **feed.channel, **lineage}])])
        items = [{"fetch_id": fetch_id, "show_id": show_id, **item, **lineage,
                  "_source_line": item["item_index"] + 1} for item in feed.items]
        wh.append("rss_items", [arrow_batch(table("rss_items"), items)])
        for problem in feed.problems:
            _quarantine(wh, show_id, result.url, problem, now)
            report.problems.append(f"{show_id}: {problem}")
    return len(items)


def _quarantine(wh: Warehouse, show_id: str, feed_url: str, reason: str, now: datetime) -> None:
    reason = f"show {show_id}: {reason}"
    # A feed that stays broken is reported once per distinct reason, not once per poll.
    wh.execute("delete from raw.quarantine where source_table = 'rss_items' "
               "and source_file = ? and reason = ?", [feed_url, reason])
    row = {"source_table": "rss_items", "source_file": feed_url, "source_line": None,
           "reason": reason, "raw_record": None, "quarantined_at": now}
    wh.append(QUARANTINE.name, [arrow_batch(QUARANTINE, [row], lineage=False)])
