"""Pull hosted shows' daily downloads incrementally and write them as landing files.

One file per provider x show x pull window:
`<landing>/hosting_api/<provider>/<show_id>/<start>_<end>.jsonl`, exactly the columns of
`raw.hosting_api_downloads`, rows sorted, written to a temporary name and renamed (a killed
run leaves no partial file). The loader then lands the files idempotently by content hash.

Cursor: the latest window end among the show's files. The next pull starts `lookback_days`
before it (hosts revise recent days) and ends yesterday (UTC; complete days only); a show
without files starts `initial_days` back. Re-pulling a window rewrites the same file name;
unchanged numbers mean an unchanged file the loader skips. Overlapping windows report the
same day twice: staging keeps the most recently loaded report.

Episode ids are mapped to our `episode_guid` by the host's guid when its API gives one,
else by the episode's media URL looked up among the show's feed enclosures
(`raw.rss_items`). A row whose episode can't be mapped is still written, with an empty
`episode_guid`: the loader quarantines it with its host id and title, so it is counted and
visible, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from core.contract import table
from core.settings import HOSTING_PROVIDERS, HostingProvider, HostingSettings
from core.warehouse import Warehouse
from ingest.hosting.base import EpisodeDay, HostingClient
from ingest.hosting.http import HostingApiError, RetryPolicy
from ingest.hosting.spreaker import SpreakerClient
from ingest.hosting.transistor import TransistorClient
from ingest.registry import latest_shows

log = logging.getLogger(__name__)
CONTRACT = table("hosting_api_downloads")
FOLDER = CONTRACT.source
_WINDOW = re.compile(r"^(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})\.jsonl$")

Resolver = Callable[[EpisodeDay], str | None]


def make_client(provider: HostingProvider, hosting_show_id: str, show_id: str,
                policy: RetryPolicy | None = None) -> HostingClient:
    policy = policy or RetryPolicy()
    if provider.name == "transistor":
        return TransistorClient(provider.base_url, provider.credential, hosting_show_id,
                                show_id, policy)
    if provider.name == "spreaker":
        return SpreakerClient(provider.base_url, provider.credential, hosting_show_id,
                              show_id, policy)
    raise KeyError(f"no client for hosting provider {provider.name!r}")


def show_dir(landing_dir: Path, provider: str, show_id: str) -> Path:
    return landing_dir / FOLDER / provider / show_id


def cursor(landing_dir: Path, provider: str, show_id: str) -> dt.date | None:
    """The latest window end already landed for the show, if any."""
    folder = show_dir(landing_dir, provider, show_id)
    ends = [dt.date.fromisoformat(m.group(2)) for p in folder.glob("*.jsonl")
            if (m := _WINDOW.match(p.name))] if folder.is_dir() else []
    return max(ends, default=None)


def next_window(landing_dir: Path, provider: str, show_id: str, today: dt.date,
                lookback_days: int, initial_days: int) -> tuple[dt.date, dt.date]:
    end = today - dt.timedelta(days=1)
    last = cursor(landing_dir, provider, show_id)
    start = (end - dt.timedelta(days=initial_days - 1) if last is None
             else last - dt.timedelta(days=lookback_days))
    return min(start, end), end


def feed_resolver(enclosures: Iterable[tuple[str | None, str | None]]) -> Resolver:
    """Map a host episode to our guid: its own guid, else its media URL among the feed's
    enclosures (scheme, query string and measurement-prefix chains ignored)."""
    by_url: dict[str, str] = {}
    for url, guid in enclosures:
        if url and guid:
            by_url.setdefault(_url_key(url), guid)

    def resolve(ep: EpisodeDay) -> str | None:
        if ep.guid:
            return ep.guid
        if not ep.media_url:
            return None
        key = _url_key(ep.media_url)
        if key in by_url:
            return by_url[key]
        # a prefix chain on either side: one URL ends with the other's host + path
        for enc, guid in by_url.items():
            if enc.endswith("/" + key) or key.endswith("/" + enc):
                return guid
        return None

    return resolve


def _url_key(url: str) -> str:
    parts = urlsplit(url.strip() if "://" in url else "//" + url.strip())
    return f"{parts.netloc.lower()}{parts.path}".rstrip("/")


@dataclass
class ShowPull:
    provider: str
    show_id: str
    start: dt.date
    end: dt.date
    path: Path | None = None  # None when the host reported nothing for the window
    rows: int = 0
    unmapped: int = 0  # rows written without an episode_guid (the loader quarantines them)
    requests: int = 0


def pull_show(client: HostingClient, show_id: str, landing_dir: Path, *, today: dt.date,
              lookback_days: int = HostingSettings.lookback_days,
              initial_days: int = HostingSettings.initial_days,
              resolver: Resolver | None = None,
              window: tuple[dt.date, dt.date] | None = None) -> ShowPull:
    """Pull one show's next window (or the given one: a re-pull or backfill) and write its
    landing file. The same window with the same numbers writes the same bytes."""
    start, end = window or next_window(landing_dir, client.provider, show_id, today,
                                       lookback_days, initial_days)
    resolve = resolver or feed_resolver(())
    rows = []
    for ep in client.daily_downloads(start, end):
        rows.append({
            "provider": client.provider, "show_id": show_id, "episode_guid": resolve(ep),
            "download_date": ep.day.isoformat(), "downloads": ep.downloads,
            "provider_episode_id": ep.provider_episode_id, "episode_title": ep.episode_title,
        })
    result = ShowPull(client.provider, show_id, start, end,
                      requests=getattr(getattr(client, "http", None), "requests_made", 0))
    if not rows:
        return result
    rows.sort(key=lambda r: (r["download_date"], r["provider_episode_id"]))
    path = show_dir(landing_dir, client.provider, show_id) / f"{start}_{end}.jsonl"
    write_jsonl(path, rows)
    result.path, result.rows = path, len(rows)
    result.unmapped = sum(r["episode_guid"] is None for r in rows)
    return result


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """Exactly the contract's columns, in order; atomic replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        for r in rows:
            fh.write(json.dumps({c: r.get(c) for c in CONTRACT.column_names},
                                ensure_ascii=False) + "\n")
    os.replace(tmp, path)


@dataclass
class PullReport:
    pulls: list[ShowPull] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.pulls)

    @property
    def unmapped(self) -> int:
        return sum(p.unmapped for p in self.pulls)

    def summary(self) -> str:
        return (f"hosting APIs: {len(self.pulls)} show(s) pulled, {self.rows} rows "
                f"({self.unmapped} without a guid), {len(self.skipped)} skipped, "
                f"{len(self.failed)} failed")


def hosted_shows(wh: Warehouse) -> list[tuple[str, str, str | None]]:
    """(show_id, hosting_provider, hosting_show_id) of registered shows with a provider."""
    return [(s["show_id"], s["hosting_provider"], s["hosting_show_id"])
            for s in latest_shows(wh) if s["hosting_provider"]]


def feed_enclosures(wh: Warehouse, show_id: str) -> list[tuple[str | None, str | None]]:
    return wh.fetchall(
        "select distinct enclosure_url, guid from raw.rss_items where show_id = ? "
        "and enclosure_url is not null and guid is not null",
        [show_id],
    )


def pull_registered(wh: Warehouse, landing_dir: Path, hosting: HostingSettings, *,
                    today: dt.date | None = None, policy: RetryPolicy | None = None,
                    log_fn: Callable[[str], None] = log.info) -> PullReport:
    """Pull every registered show whose provider has credentials; skip (and say so) the
    rest. A show that fails (auth, exhausted retries, bad response) doesn't stop others."""
    today = today or dt.datetime.now(dt.UTC).date()
    report = PullReport()
    for show_id, provider_name, registry_host_id in hosted_shows(wh):
        provider = hosting.provider(provider_name)
        # the registry's hosting_show_id; PODWH_HOSTING_SHOW_IDS fills in or overrides
        host_ids = {show_id: registry_host_id} if registry_host_id else {}
        host_ids |= {k: v for k, v in hosting.show_ids.items() if k == show_id}
        reason = _skip_reason(provider, provider_name, show_id, host_ids)
        if reason:
            report.skipped.append(f"{show_id}: {reason}")
            log_fn(f"skipping {show_id}: {reason}")
            continue
        assert provider is not None
        client = make_client(provider, host_ids[show_id], show_id, policy)
        try:
            pull = pull_show(client, show_id, landing_dir, today=today,
                             lookback_days=hosting.lookback_days,
                             initial_days=hosting.initial_days,
                             resolver=feed_resolver(feed_enclosures(wh, show_id)))
        except HostingApiError as exc:
            report.failed.append(f"{show_id}: {exc}")
            log.error("%s", exc)
            continue
        report.pulls.append(pull)
        log_fn(f"{provider.name} {show_id}: {pull.start}..{pull.end}: {pull.rows} rows"
               f"{f', {pull.unmapped} without a guid' if pull.unmapped else ''}")
    return report


def _skip_reason(provider: HostingProvider | None, name: str, show_id: str,
                 show_ids: Mapping[str, str]) -> str | None:
    if provider is None:
        return f"no API client for hosting provider {name!r} (supported: " \
               f"{', '.join(sorted(HOSTING_PROVIDERS))})"
    if not provider.configured:
        key_var = HOSTING_PROVIDERS[provider.name][0]
        return f"no credentials for {provider.name} (set {key_var})"
    if show_id not in show_ids:
        return f"no {provider.name} show id for it (fill hosting_show_id in the registry, " \
               f"or add {show_id}=<id> to PODWH_HOSTING_SHOW_IDS)"
    return None
