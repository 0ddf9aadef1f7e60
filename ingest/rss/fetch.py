"""Fetch a feed by HTTP(S) or from a local path, conditionally when we have validators."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

USER_AGENT = "podcast-warehouse/0.1 (+https://github.com/; feed poller)"
TIMEOUT_S = 30


@dataclass(frozen=True)
class Fetch:
    url: str
    status: int | None  # HTTP status; 200 for a local file read; None when it failed
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.body).hexdigest() if self.body is not None else None


def resolve(feed_url: str, landing_dir: Path) -> str | Path:
    """An http(s) URL stays as is; a path is resolved against the landing directory."""
    if feed_url.startswith(("http://", "https://")):
        return feed_url
    path = Path(feed_url.removeprefix("file://")).expanduser()
    return path if path.is_absolute() else landing_dir / path


def fetch(feed_url: str, landing_dir: Path, etag: str | None = None,
          last_modified: str | None = None) -> Fetch:
    target = resolve(feed_url, landing_dir)
    if isinstance(target, Path):
        return _read_local(feed_url, target)
    return _get(target, etag, last_modified)


def _read_local(feed_url: str, path: Path) -> Fetch:
    try:
        return Fetch(feed_url, 200, path.read_bytes())
    except OSError as exc:
        return Fetch(feed_url, None, error=f"cannot read feed file {path}: {exc.strerror}")


def _get(url: str, etag: str | None, last_modified: str | None) -> Fetch:
    headers = {"User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as resp:
            return Fetch(url, resp.status, resp.read(), resp.headers.get("ETag"),
                         resp.headers.get("Last-Modified"))
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetch(url, 304, None, etag, last_modified)
        return Fetch(url, exc.code, error=f"HTTP {exc.code} {exc.reason} from {url}")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Fetch(url, None, error=f"cannot fetch {url}: {reason}")
