"""Spreaker API client: per-episode daily plays of one show.

Docs: https://developers.spreaker.com/guides/overview/ (auth, response envelope,
pagination), https://developers.spreaker.com/api/episodes/ (episode object, a show's
episodes) and https://developers.spreaker.com/api/statistics/ (IAB-certified statistics).
What this client relies on:

- Auth: OAuth2 token in `Authorization: Bearer <token>` (statistics of your own shows
  need it); invalid credentials answer 401.
- Every body is wrapped in `{"response": {...}}`; errors carry `response.error`.
- `GET /v2/shows/:show_id/episodes?limit=n`: `response.items` (episode objects with
  `episode_id`, `title`, `published_at`, `download_url`, ...) and `response.next_url`, the
  absolute URL of the next page (null on the last). Only followed when it points at the
  configured API origin, so the token is never sent elsewhere.
- `GET /v2/episodes/:episode_id/statistics/plays?from=YYYY-MM-DD&to=YYYY-MM-DD&group=day`:
  `response.statistics`, one `{date, plays_count, downloads_count, plays_ondemand_count,
  plays_live_count}` per day. `metric` picks the figure written as `downloads`; the default
  `plays_count` is Spreaker's headline (IAB-certified) number.

There is no show-level per-episode daily endpoint, so a pull costs one request per episode
published by the end of the window (plus the episode pages).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ingest.hosting.base import EpisodeDay, parse_count, parse_day, require
from ingest.hosting.http import ApiSession, HostingApiError, HostingResponseError, RetryPolicy

PROVIDER = "spreaker"
PAGE_SIZE = 100


@dataclass(frozen=True)
class SpreakerEpisode:
    episode_id: str
    title: str | None
    guid: str | None
    media_url: str | None
    published: dt.date | None


@dataclass
class SpreakerClient:
    base_url: str
    token: str = field(repr=False)
    hosting_show_id: str = ""
    show_id: str = ""  # ours, for messages
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    page_size: int = PAGE_SIZE
    metric: str = "plays_count"
    provider: str = PROVIDER

    def __post_init__(self) -> None:
        self.http = ApiSession(PROVIDER, self.show_id,
                               {"Authorization": f"Bearer {self.token}"}, self.policy)

    def daily_downloads(self, start: dt.date, end: dt.date) -> Iterator[EpisodeDay]:
        for ep in self.episodes():
            if ep.published is not None and ep.published > end:
                continue  # not out yet in this window: nothing to ask
            doc = self.http.get_json(
                f"{self.base_url}/episodes/{ep.episode_id}/statistics/plays",
                {"from": start.isoformat(), "to": end.isoformat(), "group": "day"},
            )
            stats = require(doc, ("response", "statistics"), PROVIDER, self.show_id)
            if not isinstance(stats, list):
                raise HostingResponseError(f"spreaker: statistics is not a list for show "
                                           f"{self.show_id}")
            for point in stats:
                day = parse_day(require(point, ("date",), PROVIDER, self.show_id), PROVIDER,
                                self.show_id)
                if start <= day <= end:
                    count = parse_count(require(point, (self.metric,), PROVIDER, self.show_id),
                                        PROVIDER, self.show_id)
                    yield EpisodeDay(ep.episode_id, ep.title, ep.guid, ep.media_url, day, count)

    def episodes(self) -> Iterator[SpreakerEpisode]:
        url: str | None = f"{self.base_url}/shows/{self.hosting_show_id}/episodes"
        params: dict[str, object] | None = {"limit": self.page_size}
        while url:
            doc = self.http.get_json(url, params)
            items = require(doc, ("response", "items"), PROVIDER, self.show_id)
            for item in items or []:
                published = item.get("published_at")
                yield SpreakerEpisode(
                    str(require(item, ("episode_id",), PROVIDER, self.show_id)),
                    item.get("title") or None,
                    item.get("guid") or None,
                    item.get("download_url") or item.get("playback_url") or None,
                    parse_day(published, PROVIDER, self.show_id) if published else None,
                )
            url = doc["response"].get("next_url") or None
            params = None  # next_url carries the paging parameters
            if url and not self._same_origin(url):
                raise HostingApiError(f"spreaker: next_url for show {self.show_id} points "
                                      f"outside {self.base_url}; not following it")

    def _same_origin(self, url: str) -> bool:
        a, b = urlsplit(url), urlsplit(self.base_url)
        return (a.scheme, a.netloc) == (b.scheme, b.netloc)
