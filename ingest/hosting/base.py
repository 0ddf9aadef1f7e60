"""What every hosting client returns: one row per host episode x day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from ingest.hosting.http import HostingResponseError


@dataclass(frozen=True)
class EpisodeDay:
    """Downloads the host reports for one of its episodes on one (UTC) day."""

    provider_episode_id: str
    episode_title: str | None
    guid: str | None  # the RSS guid, when the host's API exposes it
    media_url: str | None  # the enclosure URL, to find the guid in the feed otherwise
    day: dt.date
    downloads: int


class HostingClient(Protocol):
    provider: str

    def daily_downloads(self, start: dt.date, end: dt.date) -> Iterator[EpisodeDay]:
        """Per-episode daily downloads for the days start..end (inclusive)."""
        ...


def parse_day(value: Any, provider: str, show_id: str) -> dt.date:
    """A day as hosts write it: YYYY-MM-DD (optionally with a time) or dd-mm-yyyy."""
    text = str(value or "").strip()
    try:
        if len(text) >= 10 and text[4] == "-":
            return dt.date.fromisoformat(text[:10])
        if len(text) == 10 and text[2] == "-" and text[5] == "-":
            return dt.datetime.strptime(text, "%d-%m-%Y").date()
    except ValueError:
        pass
    raise HostingResponseError(f"{provider} returned an unreadable date {text!r} for show "
                               f"{show_id}")


def parse_count(value: Any, provider: str, show_id: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise HostingResponseError(f"{provider} returned a non-numeric count {value!r} for "
                                   f"show {show_id}")
    try:
        count = int(value)
    except ValueError:
        raise HostingResponseError(f"{provider} returned a non-numeric count {value!r} for "
                                   f"show {show_id}") from None
    if count < 0:
        raise HostingResponseError(f"{provider} returned a negative count {count} for show "
                                   f"{show_id}")
    return count


def require(doc: Any, path: tuple[str, ...], provider: str, show_id: str) -> Any:
    """doc[path[0]][path[1]]..., or a HostingResponseError naming what is missing."""
    node = doc
    for key in path:
        if not isinstance(node, dict) or key not in node:
            raise HostingResponseError(
                f"{provider} response for show {show_id} lacks {'.'.join(path)} "
                f"(unexpected shape)"
            )
        node = node[key]
    return node
