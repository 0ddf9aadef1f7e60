"""Fetch the transcripts a feed's items link (`podcast:transcript`) into raw.rss_transcripts.

A transcript link is resolved like an enclosure: an absolute http(s) URL as it is, a
relative one against the feed's URL (where redirects ended); a feed read from a local path
resolves it against that path, so `transcripts/e1.vtt` in `feeds/show.xml` is the file
`feeds/transcripts/e1.vtt` of the landing directory. Where it may be read from is
guard.py's call, as for feeds. WebVTT, SRT, the Podcasting 2.0 JSON format, HTML and
plain text are read to plain text (cue numbers, timings, tags and speaker markup dropped).

Transcripts are fetched only when their feed changed, each capped at
`MAX_TRANSCRIPT_BYTES`; of web links, at most `MAX_WEB_PER_FEED` new ones per feed and poll
(the newest items come first in a feed: a long back catalogue arrives over later changes),
local files all at once. A link already landed with text is not fetched again. A link that
does not resolve lands a row with the error and no text, replaced by the next attempt.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from core.contract import table
from core.ddl import arrow_batch
from core.warehouse import Warehouse
from ingest.rss.fetch import Fetch

MAX_WEB_PER_FEED = 100
MAX_TRANSCRIPT_BYTES = 4 * 1024 * 1024
ERROR_CHARS = 500
_TIMING = re.compile(r"^\s*(\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3}\s*-->")
_TAG = re.compile(r"<[^>]+>")
_BLOCKS = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_SPACE = re.compile(r"\s+")


def resolve(transcript_url: str, feed_url: str) -> str:
    """The transcript's location: absolute as it is, else relative to the feed's."""
    if urlsplit(transcript_url).scheme:
        return transcript_url
    if transcript_url.startswith("//"):
        return f"https:{transcript_url}"
    return urljoin(feed_url, transcript_url)


def to_text(body: bytes) -> str:
    """A transcript file's words as one line of plain text."""
    raw = body.decode("utf-8", errors="replace").lstrip("\ufeff").replace("\x00", "")
    head = raw.lstrip()[:200]
    if head.startswith(("{", "[")):
        words = _json_text(raw)
        if words is not None:
            return words
    if head.upper().startswith("WEBVTT") or _looks_like_srt(raw):
        return _cue_text(raw)
    if head.startswith("<"):
        return _squash(html.unescape(_TAG.sub(" ", _BLOCKS.sub(" ", raw))))
    return _squash(raw)


def _looks_like_srt(raw: str) -> bool:
    return any(_TIMING.match(line) for line in raw.splitlines()[:6])


def _cue_text(raw: str) -> str:
    """Cue payloads of WebVTT/SRT: no header, NOTE/STYLE blocks, cue ids or timings."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", raw.replace("\r\n", "\n")):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        if not lines or lines[0].upper().startswith(("WEBVTT", "NOTE", "STYLE", "REGION")):
            continue
        timed = next((i for i, ln in enumerate(lines) if _TIMING.match(ln)), None)
        payload = lines[timed + 1:] if timed is not None else lines
        out += [html.unescape(_TAG.sub("", ln)) for ln in payload]
    return _squash(" ".join(out))


def _json_text(raw: str) -> str | None:
    """The Podcasting 2.0 JSON transcript: `segments[].body`."""
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    segments = doc.get("segments") if isinstance(doc, dict) else doc
    if not isinstance(segments, list):
        return None
    return _squash(" ".join(str(s.get("body", "")) for s in segments if isinstance(s, dict)))


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def landed(wh: Warehouse, show_id: str) -> set[str]:
    """Transcript links of the show already landed with text."""
    rows = wh.fetchall("select distinct transcript_url from raw.rss_transcripts "
                       "where show_id = ? and transcript_text is not null", [show_id])
    return {r[0] for r in rows}


def wanted(items: Iterable[dict[str, Any]], done: set[str],
           feed_url: str) -> list[tuple[str, str]]:
    """(episode identity, transcript link) of items whose link is not landed yet, each
    once, web links up to the first `MAX_WEB_PER_FEED`."""
    out: dict[str, str] = {}
    web = 0
    for item in items:
        url = (item.get("transcript_url") or "").strip()
        # the episode key as stg_rss__items builds it: a blank guid is no guid
        guid, enclosure = item.get("guid") or "", item.get("enclosure_url") or ""
        identity = guid if guid.strip() else enclosure if enclosure.strip() else ""
        if not url or not identity or url in done or url in out:
            continue
        is_web = bool(urlsplit(resolve(url, feed_url)).scheme)
        if is_web and web >= MAX_WEB_PER_FEED:
            continue
        web += is_web
        out[url] = identity
    return [(identity, url) for url, identity in out.items()]


def land_transcripts(wh: Warehouse, show_id: str, feed_url: str,
                     items: Iterable[dict[str, Any]], fetch: Callable[..., Fetch],
                     now: datetime) -> int:
    """Fetch the feed's new transcript links; the number landed with text."""
    rows = []
    for identity, url in wanted(items, landed(wh, show_id), feed_url):
        location = resolve(url, feed_url)
        result = fetch(location, max_bytes=MAX_TRANSCRIPT_BYTES)
        text = to_text(result.body or b"") if result.ok else None
        error = None if result.ok else (result.error or f"HTTP {result.status}")
        rows.append({
            "show_id": show_id, "episode_identity": identity, "transcript_url": url,
            "resolved_url": location, "fetched_at": now, "http_status": result.status,
            "content_sha256": hashlib.sha256(result.body).hexdigest() if result.ok
            and result.body is not None else None,
            "transcript_text": text, "error": error[:ERROR_CHARS] if error else None,
            "_source_file": location, "_source_line": None, "_loaded_at": now})
    if not rows:
        return 0
    with wh.transaction():
        for r in rows:  # a new attempt replaces an earlier failed one
            wh.execute("delete from raw.rss_transcripts where show_id = ? and "
                       "transcript_url = ?", [show_id, r["transcript_url"]])
        wh.append("rss_transcripts", [arrow_batch(table("rss_transcripts"), rows)])
    return sum(r["transcript_text"] is not None for r in rows)
