"""Fetch a feed by HTTP(S) or from a local path, conditionally when we have validators.

- Conditional GET: the ETag and Last-Modified of the last landed fetch are sent back as
  If-None-Match / If-Modified-Since, so an unchanged feed costs one 304 and no body.
- Redirects are followed (urllib keeps the conditional headers across hops); a permanent one
  (every hop 301/308) is reported so the registry can be updated, as Apple does.
- gzip/deflate bodies are decompressed, whether or not the server said so (some serve a
  pre-compressed file without Content-Encoding); local `.xml.gz` files work the same way.
- Bodies (compressed or not) are capped at `MAX_FEED_BYTES`, and a fetch at `DEADLINE_S` in
  all: a runaway or slow-drip feed is an error, not an out-of-memory crash or a hang.
- Where a feed may be read from is guard.py's call: paths inside the landing directory,
  http(s) URLs to public addresses (or configured networks).
- Every failure, network or HTTP, comes back as a `Fetch` with `error` set: never raised.
"""

from __future__ import annotations

import hashlib
import http.client
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ingest.rss import guard

USER_AGENT = "podcast-warehouse/0.1 (+https://github.com/; feed poller)"
TIMEOUT_S = 30  # each connect or read
DEADLINE_S = 120  # the whole fetch, redirects and body included
MAX_FEED_BYTES = 64 * 1024 * 1024  # the largest real feeds are a few tens of MB
_CHUNK = 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


class FeedTooLarge(Exception):
    """The body (or what it decompresses to) is over the size cap."""


class FeedTooSlow(Exception):
    """The fetch is still running at its deadline."""


@dataclass(frozen=True)
class Fetch:
    url: str
    status: int | None  # HTTP status; 200 for a local file read; None when it failed
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    final_url: str | None = None  # where redirects ended, when it is not `url`
    moved_permanently: bool = False  # every redirect hop was 301/308

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.body).hexdigest() if self.body is not None else None

    @property
    def ok(self) -> bool:
        return self.error is None and self.body is not None and 200 <= (self.status or 0) < 300


def is_web_url(feed_url: str) -> bool:
    return feed_url.lower().startswith(guard.WEB_SCHEMES)


def fetch(feed_url: str, landing_dir: Path, etag: str | None = None,
          last_modified: str | None = None, max_bytes: int = MAX_FEED_BYTES,
          allowed_networks: tuple[guard.IPNetwork, ...] = (),
          deadline_s: float = DEADLINE_S) -> Fetch:
    """Fetch `feed_url`: an http(s) URL, or a path inside `landing_dir`."""
    if is_web_url(feed_url):
        return _get(feed_url, etag, last_modified, max_bytes, allowed_networks,
                    time.monotonic() + deadline_s)
    try:
        path = guard.local_feed_path(feed_url, landing_dir)
    except guard.RefusedLocation as exc:
        return Fetch(feed_url, None, error=str(exc))
    return _read_local(feed_url, path, max_bytes)


def _read_local(feed_url: str, path: Path, max_bytes: int) -> Fetch:
    try:
        if path.stat().st_size > max_bytes:
            return Fetch(feed_url, None, error=_too_large(feed_url, max_bytes))
        return Fetch(feed_url, 200, decompress(path.read_bytes(), "", max_bytes))
    except OSError as exc:
        return Fetch(feed_url, None, error=f"cannot read feed file {feed_url}: {exc.strerror}")
    except (FeedTooLarge, zlib.error) as exc:
        return Fetch(feed_url, None, error=f"feed file {feed_url}: {_describe(exc, max_bytes)}")


class _RedirectRecorder(urllib.request.HTTPRedirectHandler):
    """The default redirect handling, remembering each hop's status and target."""

    def __init__(self) -> None:
        self.hops: list[tuple[int, str]] = []

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:
        self.hops.append((code, newurl))
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _request(url: str, etag: str | None, last_modified: str | None) -> urllib.request.Request:
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate",
               "Accept": "application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return urllib.request.Request(url, headers=headers)


def _get(url: str, etag: str | None, last_modified: str | None, max_bytes: int,
         allowed_networks: tuple[guard.IPNetwork, ...], deadline: float) -> Fetch:
    redirects = _RedirectRecorder()
    opener = guard.opener(allowed_networks, redirects)
    try:
        with opener.open(_request(url, etag, last_modified), timeout=TIMEOUT_S) as resp:
            body = _read_body(resp, max_bytes, deadline)
            final = resp.geturl()
            return Fetch(url, resp.status, body, resp.headers.get("ETag"),
                         resp.headers.get("Last-Modified"),
                         final_url=final if final != url else None,
                         moved_permanently=bool(redirects.hops)
                         and all(code in (301, 308) for code, _ in redirects.hops))
    except urllib.error.HTTPError as exc:
        with exc:
            if exc.code == 304:  # a 304 may carry fresh validators; keep the old ones if not
                return Fetch(url, 304, None, exc.headers.get("ETag") or etag,
                             exc.headers.get("Last-Modified") or last_modified)
            return Fetch(url, exc.code, error=_http_error(url, exc))
    except (FeedTooLarge, FeedTooSlow, zlib.error) as exc:
        return Fetch(url, None, error=f"{url}: {_describe(exc, max_bytes)}")
    except guard.RefusedLocation as exc:
        return Fetch(url, None, error=f"cannot fetch {url}: {exc}")
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        # URLError (DNS, refused, TLS), timeouts, IncompleteRead, malformed URLs
        reason = getattr(exc, "reason", None) or exc
        if isinstance(reason, guard.RefusedLocation):  # urllib wraps what connect raised
            return Fetch(url, None, error=f"cannot fetch {url}: {reason}")
        return Fetch(url, None, error=f"cannot fetch {url}: {type(exc).__name__}: {reason}")


def _http_error(url: str, exc: urllib.error.HTTPError) -> str:
    if exc.code == 410:
        return (f"HTTP 410 Gone from {url}: the host removed the feed for good; "
                f"stop polling it or give the show a new feed_url")
    return f"HTTP {exc.code} {exc.reason} from {url}"


def _read_body(resp: IO[bytes] | Any, max_bytes: int, deadline: float) -> bytes:
    declared = resp.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FeedTooLarge(f"Content-Length {declared}")
    chunks, size = [], 0
    read = getattr(resp, "read1", resp.read)  # what has arrived: a slow drip meets the deadline
    while chunk := read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FeedTooLarge(f"more than {max_bytes} bytes")
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise FeedTooSlow(f"still sending after {DEADLINE_S} s")
    encoding = (resp.headers.get("Content-Encoding") or "").strip().lower()
    return decompress(b"".join(chunks), encoding, max_bytes)


def decompress(data: bytes, content_encoding: str, max_bytes: int = MAX_FEED_BYTES) -> bytes:
    """Undo gzip/deflate (declared, or recognised by the gzip magic bytes), capped in size."""
    if content_encoding in ("", "identity") and not data.startswith(_GZIP_MAGIC):
        return data
    if content_encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
        raise zlib.error(f"unsupported Content-Encoding {content_encoding!r}")
    try:
        inflater = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header, detected
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error:
        if content_encoding != "deflate":
            raise
        inflater = zlib.decompressobj(wbits=-15)  # raw deflate, as some servers send it
        out = inflater.decompress(data, max_bytes + 1)
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise FeedTooLarge(f"decompresses to more than {max_bytes} bytes")
    return out


def _too_large(where: str, max_bytes: int) -> str:
    return f"feed {where} is larger than the {max_bytes}-byte cap (MAX_FEED_BYTES)"


def _describe(exc: Exception, max_bytes: int) -> str:
    if isinstance(exc, FeedTooLarge):
        return f"feed is larger than the {max_bytes}-byte cap ({exc})"
    if isinstance(exc, FeedTooSlow):
        return f"feed took too long ({exc})"
    return f"cannot decompress the body ({exc})"
