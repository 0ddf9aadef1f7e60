"""Transistor.fm analytics API client: per-episode daily downloads of one show.

Docs: https://developers.transistor.fm/ (API reference: Authentication, Rate Limits,
Analytics, Episodes). What this client relies on:

- Auth: header `x-api-key: <key>` on every request.
- Rate limit: 10 requests per 10 s; over it the API answers HTTP 429 and blocks for 10 s
  (retried, honouring `Retry-After` when sent, else backing off).
- `GET /v1/analytics/:show_id/episodes?start_date=dd-mm-yyyy&end_date=dd-mm-yyyy`: a
  JSON:API document whose `data.attributes.episodes` lists `{id, title, published_at,
  downloads: [{date: "dd-mm-yyyy", downloads: n}, ...]}` for the range (one request per
  window: this endpoint is not paginated).
- `GET /v1/episodes?show_id=:id&pagination[page]=n&pagination[per]=m`: the show's episodes,
  `data: [{id, attributes: {title, media_url, ...}}]`, paginated with
  `meta: {currentPage, totalPages, totalCount}`. Used to map a Transistor episode id to its
  RSS guid: the analytics rows carry no guid and the episode attributes carry the
  `media_url` (the feed's enclosure URL), which the puller looks up in the show's feed.
  A `guid` attribute, should Transistor add one, is used directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from ingest.hosting.base import EpisodeDay, parse_count, parse_day, require
from ingest.hosting.http import ApiSession, HostingResponseError, RetryPolicy

PROVIDER = "transistor"
PAGE_SIZE = 50


def _ddmmyyyy(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


@dataclass
class TransistorClient:
    base_url: str
    api_key: str = field(repr=False)
    hosting_show_id: str = ""
    show_id: str = ""  # ours, for messages
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    page_size: int = PAGE_SIZE
    provider: str = PROVIDER

    def __post_init__(self) -> None:
        self.http = ApiSession(PROVIDER, self.show_id, {"x-api-key": self.api_key},
                               self.policy)

    def daily_downloads(self, start: dt.date, end: dt.date) -> Iterator[EpisodeDay]:
        doc = self.http.get_json(
            f"{self.base_url}/analytics/{self.hosting_show_id}/episodes",
            {"start_date": _ddmmyyyy(start), "end_date": _ddmmyyyy(end)},
        )
        episodes = require(doc, ("data", "attributes", "episodes"), PROVIDER, self.show_id)
        if not isinstance(episodes, list):
            raise HostingResponseError(f"transistor: episodes is not a list for show "
                                       f"{self.show_id}")
        if not episodes:
            return
        meta = self.episode_index()
        for ep in episodes:
            ep_id = str(require(ep, ("id",), PROVIDER, self.show_id))
            guid, media_url, title = meta.get(ep_id, (None, None, None))
            title = ep.get("title") or title
            for point in require(ep, ("downloads",), PROVIDER, self.show_id) or []:
                day = parse_day(require(point, ("date",), PROVIDER, self.show_id), PROVIDER,
                                self.show_id)
                if start <= day <= end:
                    yield EpisodeDay(ep_id, title, guid, media_url, day, parse_count(
                        require(point, ("downloads",), PROVIDER, self.show_id), PROVIDER,
                        self.show_id))

    def episode_index(self) -> dict[str, tuple[str | None, str | None, str | None]]:
        """Transistor episode id -> (guid, media_url, title), over every page."""
        index: dict[str, tuple[str | None, str | None, str | None]] = {}
        page = 1
        while True:
            doc = self.http.get_json(f"{self.base_url}/episodes", {
                "show_id": self.hosting_show_id,
                "pagination[page]": page,
                "pagination[per]": self.page_size,
            })
            for item in require(doc, ("data",), PROVIDER, self.show_id) or []:
                attrs = item.get("attributes") or {}
                index[str(require(item, ("id",), PROVIDER, self.show_id))] = (
                    attrs.get("guid") or None, attrs.get("media_url") or None,
                    attrs.get("title") or None)
            meta = doc.get("meta") or {}
            total = meta.get("totalPages")
            if not isinstance(total, int) or page >= total:
                return index
            page += 1
