"""RSS test helpers: the fixture feeds, a shows registry writer, a local feed server."""

from __future__ import annotations

import gzip
import ipaddress
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.contract import table
from core.settings import Settings
from core.warehouse import Warehouse, connect
from ingest.load.loader import load_table

# the local feed server's network, which the poller refuses unless configured to allow it
LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"


def write_registry(landing: Path, rows: list[tuple[str, str]]) -> None:
    """A shows registry of (show_id, feed_url) rows for tenant t1."""
    (landing / "shows").mkdir(parents=True, exist_ok=True)
    body = "tenant_id,show_id,title,feed_url,hosting_provider,header_bytes\n"
    body += "".join(f"t1,{show},,{url},,\n" for show, url in rows)
    (landing / "shows" / "shows.csv").write_text(body)


def open_warehouse(settings: Settings, shows: list[tuple[str, str]]) -> Warehouse:
    """A warehouse with the given registry loaded."""
    write_registry(settings.landing_dir, shows)
    wh = connect(settings)
    load_table(wh, settings.landing_dir, table("shows"))
    return wh


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    location: str | None = None  # for redirects
    drip_s: float = 0.0  # send the body one byte every this many seconds


@dataclass
class FeedServer:
    """A feed host on 127.0.0.1 that honours If-None-Match / If-Modified-Since."""

    base_url: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str], int]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = server.routes.get(self.path, Route(b"not found", 404))
            status = self._status(route)
            server.requests.append((self.path, dict(self.headers.items()), status))
            body = route.body if status == route.status else b""
            if route.gzip and body:
                body = gzip.compress(body)
            self.send_response(status)
            for name, value in (("ETag", route.etag), ("Last-Modified", route.last_modified),
                                ("Location", route.location)):
                if value:
                    self.send_header(name, value)
            if route.gzip and body:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not route.drip_s:
                self.wfile.write(body)
                return
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(route.drip_s)

        def _status(self, route: Route) -> int:
            if route.status != 200:
                return route.status
            inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            if (route.etag and inm == route.etag) or (
                    not inm and route.last_modified and ims == route.last_modified):
                return 304
            return 200

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def feed_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    state = FeedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
