"""Parse RSS 2.0 with the itunes: and podcast: namespaces into channel and item rows."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser


@dataclass
class ParsedFeed:
    channel: dict[str, Any] | None
    items: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)  # reasons worth a quarantine row


def parse(body: bytes) -> ParsedFeed:
    doc = feedparser.parse(body)
    problems = []
    is_feed = bool(doc.get("version")) or bool(doc.entries)
    if doc.bozo:
        exc = doc.get("bozo_exception")
        if not is_feed:
            return ParsedFeed(None, [], [f"not an RSS feed: {_describe(exc)}"])
        if not isinstance(exc, feedparser.CharacterEncodingOverride):
            problems.append(f"feed is not well-formed ({_describe(exc)}); "
                            f"{len(doc.entries)} item(s) recovered")
    elif not is_feed:
        return ParsedFeed(None, [], ["not an RSS feed: no channel or items found"])
    items = [_item(i, e) for i, e in enumerate(doc.entries)]
    for item in items:
        if item["pub_date"] and item["published_at"] is None:
            problems.append(f"item {item['item_index']} ({item['guid'] or item['title']}): "
                            f"unparseable pubDate {item['pub_date']!r}")
    return ParsedFeed(_channel(doc.feed), items, problems)


def _channel(feed: Any) -> dict[str, Any]:
    categories = [t.get("term") for t in feed.get("tags", []) if t.get("term")]
    return {
        "title": feed.get("title"),
        "author": feed.get("author_detail", {}).get("name") or feed.get("author"),
        "language": feed.get("language"),
        "categories": "|".join(dict.fromkeys(categories)) or None,
        "explicit": _text(feed.get("itunes_explicit")),
        "podcast_guid": _text(feed.get("podcast_guid")),
        "image_url": (feed.get("image") or {}).get("href"),
        "link": feed.get("link"),
        "description": feed.get("subtitle") or feed.get("summary"),
    }


def _item(index: int, entry: Any) -> dict[str, Any]:
    enclosure = next(iter(entry.get("enclosures", [])), {})
    return {
        "item_index": index,
        "guid": entry.get("id") or None,
        "title": entry.get("title"),
        "pub_date": entry.get("published"),
        "published_at": _utc(entry.get("published_parsed")),
        "duration": _text(entry.get("itunes_duration")),
        "enclosure_url": enclosure.get("href"),
        "enclosure_length": _text(enclosure.get("length")),
        "enclosure_type": enclosure.get("type"),
        "season": _text(entry.get("itunes_season")),
        "episode_number": _text(entry.get("itunes_episode") or entry.get("podcast_episode")),
        "episode_type": _text(entry.get("itunes_episodetype")),
        "explicit": _text(entry.get("itunes_explicit")),
        "transcript_url": _attr(entry.get("podcast_transcript"), "url"),
        "chapters_url": _attr(entry.get("podcast_chapters"), "url"),
        "description": entry.get("summary"),
    }


def _utc(parsed: Any) -> datetime | None:
    """feedparser gives pubDate as a UTC struct_time when it could parse it."""
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC).replace(tzinfo=None)


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value).strip()


def _attr(value: Any, key: str) -> str | None:
    return value.get(key) if isinstance(value, dict) else None


def _describe(exc: Any) -> str:
    return str(getattr(exc, "getMessage", lambda: exc)()) if exc else "unknown error"
