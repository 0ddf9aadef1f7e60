"""Parse RSS 2.0 with the itunes: and podcast: namespaces into channel and item rows.

Item strings are kept as published (the dbt staging models type them); what Python adds is
`published_at` (the pubDate, or an Atom entry's published, else its updated, read strictly
by `dates.parse_date`: feedparser reads unknown zones as UTC and rolls impossible dates
over), enclosure URLs made absolute, and problems worth a quarantine row:

- not a feed at all (HTML error page, JSON, plain text, empty body): nothing lands;
- a truncated document (the root element never closes): nothing lands, because the items
  it would give are an arbitrary prefix and the last one may be cut in half;
- any other well-formedness error (undefined entity, stray `&`): what feedparser recovers
  lands, with a note;
- bytes that are not the declared encoding: decoded as feedparser's fallback found, a note;
- per item: an unreadable, impossible or ambiguous pubDate or one in an unknown zone (left
  empty), an unreadable itunes:duration, a guid that repeats an earlier item's (the first
  one is the episode, as in dbt), an item with neither guid nor enclosure URL (no episode
  identity; dbt skips it), a relative enclosure URL with nothing to resolve it against.

The enclosure is the first `<enclosure>` with a URL, else the first audio (then video)
`media:content` (its fileSize and duration stand in for the length and a missing
itunes:duration). A relative enclosure URL, or item link, is resolved against the feed's
URL (where redirects ended); a feed read from a local path has no web address, so its
own `<atom:link rel="self">` is used, and without one a relative URL stays as written and is
quarantined (a scheme-relative `//host/...` gets https). xml:base is not read.

A missing guid is *not* a problem: the episode is identified by its enclosure URL, as Apple
does (int_episodes_deduplicated), so the raw row keeps both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from ingest.rss import namespaced
from ingest.rss.dates import AmbiguousDate, DateProblem, ImpossibleDate, UnknownZone, parse_date
from ingest.rss.quirks import duration_seconds

_ROOT_CLOSED = re.compile(rb"</(?:[\w.-]+:)?(?:rss|feed|RDF)\s*>\s*(?:<!--.*?-->\s*)*\Z",
                          re.I | re.S)


@dataclass
class ParsedFeed:
    channel: dict[str, Any] | None  # None: nothing in this body may land
    items: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)  # reasons worth a quarantine row
    encoding: str | None = None  # the encoding the body was read with
    item_problems: list[tuple[int, str]] = field(default_factory=list)  # (item_index, reason)

    @property
    def is_feed(self) -> bool:
        return self.channel is not None

    def text(self, body: bytes) -> str:
        """The raw XML as text, decoded as it was parsed (NULs dropped: Postgres text)."""
        try:
            text = body.decode(self.encoding or "utf-8", errors="replace")
        except LookupError:
            text = body.decode("utf-8", errors="replace")
        return text.replace("\x00", "")


def parse(body: bytes, feed_url: str | None = None) -> ParsedFeed:
    """`feed_url`: where the body came from (an http(s) URL or a local path), the base of
    relative URLs."""
    doc = feedparser.parse(body)
    encoding = doc.get("encoding") or None
    refusal = _refusal(doc, body)
    if refusal:
        return ParsedFeed(None, [], [refusal], encoding)
    problems = _document_problems(doc)
    exact = (namespaced.read(body) if not doc.bozo else None) or namespaced.Namespaced()
    channel = _channel(doc.feed, exact)
    if len(exact.items) != len(doc.entries):
        exact.items = [{} for _ in doc.entries]
    base = _base_url(doc.feed, feed_url)
    items = [_item(i, e, exact.items[i], base) for i, e in enumerate(doc.entries)]
    item_problems = _item_problems(items, doc.entries, channel["language"])
    return ParsedFeed(channel, items, problems, encoding, item_problems)


def _refusal(doc: Any, body: bytes) -> str | None:
    """Why nothing of this body may land, or None."""
    is_feed = bool(doc.get("version")) or bool(doc.entries)
    if not is_feed:
        return f"not an RSS feed: {_what_it_is(doc, body)}"
    if doc.bozo and _is_xml_error(doc.get("bozo_exception")) and not _root_closed(body):
        return (f"truncated feed: the document ends before </rss> "
                f"({_describe(doc.get('bozo_exception'))}); nothing landed, earlier data kept")
    return None


def _document_problems(doc: Any) -> list[str]:
    exc = doc.get("bozo_exception") if doc.bozo else None
    if exc is None:
        return []
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        return [f"wrong encoding: {_describe(exc)}"]
    return [f"feed is not well-formed ({_describe(exc)}); "
            f"{len(doc.entries)} item(s) recovered and landed"]


def _what_it_is(doc: Any, body: bytes) -> str:
    head = body[:2048].lstrip().lower()
    if not head:
        return "the body is empty"
    if b"<html" in head or head.startswith(b"<!doctype html"):
        title = re.search(rb"<title[^>]*>(.*?)</title>", body[:8192], re.I | re.S)
        name = title[1].decode("utf-8", "replace").strip()[:80] if title else ""
        return f"an HTML page{f' ({name!r})' if name else ''}"
    if doc.bozo:
        return f"not XML ({_describe(doc.get('bozo_exception'))})"
    return "XML without an RSS channel or items"


def _is_xml_error(exc: Any) -> bool:
    return exc is not None and not isinstance(exc, feedparser.CharacterEncodingOverride)


def _root_closed(body: bytes) -> bool:
    return bool(_ROOT_CLOSED.search(body[-65536:]))


def _channel(feed: Any, exact: namespaced.Namespaced) -> dict[str, Any]:
    categories = exact.categories or [t.get("term") for t in feed.get("tags", [])]
    return {
        "title": feed.get("title"),
        "author": exact.channel.get("author") or feed.get("author")
        or feed.get("author_detail", {}).get("name"),
        "language": _text(feed.get("language")),
        "categories": "|".join(dict.fromkeys(c for c in categories if c)) or None,
        "explicit": _explicit(exact.channel, feed),
        "podcast_guid": _text(feed.get("podcast_guid")),
        "image_url": (feed.get("image") or {}).get("href"),
        "link": feed.get("link"),
        "description": feed.get("subtitle") or feed.get("summary"),
    }


def _base_url(feed: Any, feed_url: str | None) -> str | None:
    """The feed's web address: where it was fetched from, else its own rel="self" link."""
    if _is_web(feed_url):
        return feed_url
    self_link = next((link.get("href") for link in feed.get("links", [])
                      if link.get("rel") == "self"), None)
    return self_link if _is_web(self_link) else None


def _is_web(url: str | None) -> bool:
    return bool(url) and urlsplit(url or "").scheme.lower() in ("http", "https")


def _absolute(url: str | None, base: str | None) -> str | None:
    """`url` resolved against `base`; without a base, only a scheme-relative URL is."""
    if not url or urlsplit(url).scheme:
        return url
    if base:
        return urljoin(base, url)
    return f"https:{url}" if url.startswith("//") else url


def _enclosure(entry: Any) -> dict[str, Any]:
    """The first <enclosure> with a URL, else the best media:content (audio, then video)."""
    enclosure = next((e for e in entry.get("enclosures", []) if _text(e.get("href"))), None)
    if enclosure is not None:
        return dict(enclosure)
    media = [m for m in entry.get("media_content") or [] if _text(m.get("url"))]
    ranked = sorted(((_media_rank(m), i, m) for i, m in enumerate(media)),
                    key=lambda r: r[:2])
    if not ranked or ranked[0][0] > 2:
        return {}
    best = ranked[0][2]
    return {"href": best.get("url"), "length": best.get("filesize"), "type": best.get("type"),
            "duration": best.get("duration")}


def _media_rank(media: dict[str, Any]) -> int:
    """0 audio, 1 video, 2 unknown, 3 what is no episode file (an image, a document)."""
    medium, kind = (media.get("medium") or "").lower(), (media.get("type") or "").lower()
    if medium == "audio" or kind.startswith("audio/"):
        return 0
    if medium == "video" or kind.startswith("video/"):
        return 1
    if medium or kind.startswith(("image/", "text/", "application/pdf")):
        return 3
    return 2


def _link(entry: Any, base: str | None) -> str | None:
    """The item's own <link> (feedparser's entry.link falls back to a permalink guid)."""
    href = next((link.get("href") for link in entry.get("links", [])
                 if link.get("rel") == "alternate"), None)
    return _absolute(_text(href), base)


def _item(index: int, entry: Any, exact: dict[str, str | None],
          base: str | None) -> dict[str, Any]:
    enclosure = _enclosure(entry)
    return {
        "item_index": index,
        "guid": _text(entry.get("id")),
        "title": entry.get("title"),
        "link": _link(entry, base),
        # an Atom entry without <published> (or an RSS item with only dc:date): <updated>
        "pub_date": entry.get("published") or entry.get("updated"),
        "published_at": None,  # read by _date_problems
        "duration": _text(entry.get("itunes_duration")) or _text(enclosure.get("duration")),
        "enclosure_url": _absolute(_text(enclosure.get("href")), base),
        "enclosure_length": _text(enclosure.get("length")),
        "enclosure_type": enclosure.get("type"),
        "season": _text(entry.get("itunes_season")) or _podcast(exact, entry, "season"),
        "episode_number": _text(entry.get("itunes_episode"))
        or _podcast(exact, entry, "episode"),
        "episode_type": _text(entry.get("itunes_episodetype")),
        "explicit": _explicit(exact, entry),
        "transcript_url": exact.get("transcript_url")
        or _attr(entry.get("podcast_transcript"), "url"),
        "chapters_url": _attr(entry.get("podcast_chapters"), "url"),
        "description": entry.get("summary"),
    }


def _item_problems(items: list[dict[str, Any]], entries: list[Any],
                   language: str | None) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []
    first_with_guid: dict[str, int] = {}
    for item, entry in zip(items, entries, strict=True):
        index, name = item["item_index"], _name(item)
        for reason in _date_problems(item, entry, language):
            problems.append((index, f"item {name}: {reason}"))
        if item["duration"] and duration_seconds(item["duration"]) is None:
            problems.append((index, f"item {name}: unreadable itunes:duration "
                                    f"{item['duration']!r} (seconds, MM:SS or HH:MM:SS)"))
        guid = item["guid"]
        if guid and guid in first_with_guid:
            problems.append((index, f"item {name} at position {index}: duplicate guid, same "
                                    f"as the item at position {first_with_guid[guid]}; "
                                    f"the first is the episode"))
        elif guid:
            first_with_guid[guid] = index
        if not guid and not item["enclosure_url"]:
            problems.append((index, f"item {name} at position {index}: neither guid nor "
                                    f"enclosure URL, so it is no episode"))
        url = item["enclosure_url"]
        if url and not urlsplit(url).scheme:
            problems.append((index, f"item {name}: relative enclosure URL {url!r} and no "
                                    f"address to resolve it against (a local feed file "
                                    f"without <atom:link rel=\"self\">); kept as written"))
    return problems


def _date_problems(item: dict[str, Any], entry: Any, language: str | None) -> list[str]:
    """Fills `published_at`: the date read strictly, or left empty with the reason."""
    text = item["pub_date"]
    if not text:
        return []
    label = "pubDate" if entry.get("published") else "updated"
    try:
        item["published_at"] = parse_date(text, language)
    except AmbiguousDate as exc:
        return [f"ambiguous {label} {text!r}: {exc}; left empty"]
    except ImpossibleDate as exc:
        return [f"impossible {label} {text!r} ({exc}); left empty, not rolled over"]
    except UnknownZone as exc:
        return [f"{label} {text!r}: {exc}; left empty rather than read as UTC"]
    except DateProblem as exc:
        return [f"unreadable {label} {text!r}: {exc}; left empty"]
    if item["published_at"] is None:
        return [f"unparseable {label} {text!r}"]
    return []


def _name(item: dict[str, Any]) -> str:
    return repr(item["guid"] or item["enclosure_url"] or item["title"] or "(untitled)")


def _podcast(exact: dict[str, str | None], entry: Any, name: str) -> str | None:
    """podcast:season / podcast:episode text (feedparser gives the attributes instead)."""
    if name in exact:
        return exact[name]
    value = entry.get(f"podcast_{name}")
    return _text(value) if isinstance(value, str) else None


def _explicit(exact: dict[str, str | None], parsed: Any) -> str | None:
    """itunes:explicit as published; feedparser's True/False/None only as a fallback."""
    if "explicit" in exact:
        return exact["explicit"]
    value = parsed.get("itunes_explicit")
    return None if value is None else str(value).lower()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _attr(value: Any, key: str) -> str | None:
    return value.get(key) if isinstance(value, dict) else None


def _describe(exc: Any) -> str:
    return str(getattr(exc, "getMessage", lambda: exc)()) if exc else "unknown error"
