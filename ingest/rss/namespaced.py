"""The few itunes:/podcast: values feedparser reshapes, read as published.

feedparser maps itunes:explicit to True/None (so "false", "no" and "clean" all become
unknown), keeps only the last podcast:transcript of an item (often a captions file in another
language), mixes itunes:keywords into the categories, and may prefer a mangled
managingEditor over itunes:author. For a well-formed document these are read here with the
standard library's XML parser; for a malformed one the parser falls back to feedparser's.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = ("{https://podcastindex.org/namespace/1.0}",
           "{https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md}")


@dataclass
class Namespaced:
    channel: dict[str, str | None] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)  # itunes:category texts, in order
    items: list[dict[str, str | None]] = field(default_factory=list)  # one per <item>


def read(body: bytes) -> Namespaced | None:
    """None when the document is not well-formed XML."""
    found = Namespaced()
    path: list[str] = []
    try:
        for event, elem in ET.iterparse(io.BytesIO(body), events=("start", "end")):
            if event == "start":
                path.append(elem.tag)
                _start(found, path, elem)
                continue
            _end(found, path, elem)
            path.pop()
    except ET.ParseError:
        return None
    return found


def _start(found: Namespaced, path: list[str], elem: ET.Element) -> None:
    if elem.tag == "item":
        found.items.append({})
    elif elem.tag == f"{ITUNES}category" and "item" not in path and elem.get("text"):
        found.categories.append(elem.get("text", "").strip())
    elif elem.tag in {f"{ns}transcript" for ns in PODCAST} and found.items and "item" in path:
        found.items[-1].setdefault("transcript_url", (elem.get("url") or "").strip() or None)


def _end(found: Namespaced, path: list[str], elem: ET.Element) -> None:
    parent = path[-2] if len(path) > 1 else ""
    text = (elem.text or "").strip() or None
    if elem.tag in (f"{ITUNES}explicit", f"{ITUNES}author"):
        key = elem.tag.removeprefix(ITUNES)
        if parent == "channel":
            found.channel.setdefault(key, text)
        elif parent == "item" and found.items:
            found.items[-1].setdefault(key, text)
    for ns in PODCAST:  # feedparser turns <podcast:season name="..."> into the attributes
        if elem.tag in (f"{ns}season", f"{ns}episode") and parent == "item" and found.items:
            found.items[-1].setdefault(elem.tag.removeprefix(ns), text)
    if elem.tag == "item":
        elem.clear()  # keep memory flat on very large feeds
