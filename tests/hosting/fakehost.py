"""A local stand-in for the Transistor and Spreaker APIs, answering in their documented shapes.

The fixture data (`TRANSISTOR`, `SPREAKER`) is what the server serves; tests compute what
the landing files must hold from it directly, not from the clients.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TRANSISTOR_KEY = "tkey-SECRET-123"
SPREAKER_TOKEN = "stok-SECRET-456"
DAYS = [dt.date(2026, 3, 1) + dt.timedelta(days=i) for i in range(31)]


def _count(ep: int, day: dt.date) -> int:
    return (ep * 7 + day.day * 13) % 41  # zeros included, as hosts report them


# Transistor show 9001: five episodes; media URLs as the host serves them.
TRANSISTOR = {
    "show": "9001",
    "episodes": {
        str(101 + i): {
            "title": f"Transistor episode {i + 1}",
            "media_url": f"https://media.transistor.fm/ab12cd/ep{101 + i}.mp3",
        }
        for i in range(5)
    },
}
TRANSISTOR_DAILY = {(ep, d): _count(int(ep), d) for ep in TRANSISTOR["episodes"] for d in DAYS}

# Spreaker show 777: three episodes, one of them exposing a guid, one published late.
SPREAKER = {
    "show": "777",
    "episodes": {
        "5001": {"title": "Spreaker one", "guid": "spk-guid-5001",
                 "published_at": "2026-02-20 08:00:00"},
        "5002": {"title": "Spreaker two", "published_at": "2026-02-27 08:00:00",
                 "download_url": "https://api.spreaker.com/download/episode/5002/two.mp3"},
        "5003": {"title": "Spreaker three", "published_at": "2026-03-05 08:00:00",
                 "download_url": "https://api.spreaker.com/download/episode/5003/three.mp3"},
    },
}
SPREAKER_DAILY = {(ep, d): _count(int(ep) % 97, d) for ep in SPREAKER["episodes"] for d in DAYS
                  if d >= dt.date.fromisoformat(SPREAKER["episodes"][ep]["published_at"][:10])}


@dataclass
class Scripted:
    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeHost:
    base: str = ""
    requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = field(
        default_factory=list)
    # path -> responses to give (in order) before answering normally
    script: dict[str, list[Scripted]] = field(default_factory=dict)
    forbidden_shows: set[str] = field(default_factory=set)

    def calls(self, path_prefix: str) -> list[dict[str, list[str]]]:
        return [q for p, q, _ in self.requests if p.startswith(path_prefix)]


def _ddmmyyyy(s: str) -> dt.date:
    return dt.datetime.strptime(s, "%d-%m-%Y").date()


def _answer(host: FakeHost, path: str, q: dict[str, list[str]], headers: dict[str, str]
            ) -> tuple[int, object, dict[str, str]]:
    if path.startswith("/transistor/"):
        if headers.get("x-api-key") != TRANSISTOR_KEY:
            return 401, {"errors": [{"title": "Unauthorized"}]}, {}
        rest = path.removeprefix("/transistor/v1")
        if rest.startswith("/analytics/"):
            show = rest.split("/")[2]
            if show in host.forbidden_shows:
                return 403, {"errors": [{"title": "Forbidden"}]}, {}
            start, end = _ddmmyyyy(q["start_date"][0]), _ddmmyyyy(q["end_date"][0])
            eps = [{"id": int(ep), "title": meta["title"], "published_at": "2026-02-01",
                    "downloads": [{"date": d.strftime("%d-%m-%Y"),
                                   "downloads": TRANSISTOR_DAILY[(ep, d)]}
                                  for d in DAYS if start <= d <= end]}
                   for ep, meta in TRANSISTOR["episodes"].items()]
            return 200, {"data": {"id": show, "type": "episodes_analytics", "attributes": {
                "episodes": eps, "start_date": q["start_date"][0],
                "end_date": q["end_date"][0]}, "relationships": {}}}, {}
        if rest == "/episodes":
            page, per = int(q["pagination[page]"][0]), int(q["pagination[per]"][0])
            items = list(TRANSISTOR["episodes"].items())
            chunk = items[(page - 1) * per: page * per]
            total = (len(items) + per - 1) // per
            return 200, {"data": [{"id": ep, "type": "episode", "attributes": {
                "title": meta["title"], "media_url": meta["media_url"]}} for ep, meta in chunk],
                "meta": {"currentPage": page, "totalPages": total,
                         "totalCount": len(items)}}, {}
    if path.startswith("/spreaker/"):
        if headers.get("Authorization") != f"Bearer {SPREAKER_TOKEN}":
            return 401, {"response": {"error": {"messages": ["Unauthorized"], "code": 401}}}, {}
        rest = path.removeprefix("/spreaker/v2")
        parts = rest.strip("/").split("/")
        if parts[0] == "shows" and parts[2] == "episodes":
            if parts[1] in host.forbidden_shows:
                return 403, {"response": {"error": {"messages": ["Forbidden"], "code": 403}}}, {}
            limit, offset = int(q["limit"][0]), int(q.get("offset", ["0"])[0])
            items = list(SPREAKER["episodes"].items())
            chunk = items[offset: offset + limit]
            nxt = (f"{host.base}/spreaker/v2/shows/{parts[1]}/episodes?limit={limit}"
                   f"&offset={offset + limit}") if offset + limit < len(items) else None
            return 200, {"response": {"items": [{"episode_id": int(ep), **meta}
                                                for ep, meta in chunk], "next_url": nxt}}, {}
        if parts[0] == "episodes" and parts[2:] == ["statistics", "plays"]:
            ep = parts[1]
            start, end = (dt.date.fromisoformat(q["from"][0]), dt.date.fromisoformat(q["to"][0]))
            assert q["group"] == ["day"]
            stats = [{"date": d.isoformat(), "plays_count": SPREAKER_DAILY.get((ep, d), 0),
                      "downloads_count": 1, "plays_ondemand_count": 0, "plays_live_count": 0}
                     for d in DAYS if start <= d <= end]
            return 200, {"response": {"statistics": stats}}, {}
    return 404, {"error": "not found"}, {}


@contextmanager
def serve() -> Iterator[FakeHost]:
    host = FakeHost()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            q = parse_qs(parts.query)
            headers = {k: v for k, v in self.headers.items()}
            host.requests.append((parts.path, q, headers))
            queue = next((v for k, v in host.script.items() if parts.path.startswith(k) and v),
                         None)
            if queue:
                s = queue.pop(0)
                self._send(s.status, s.body.encode(), s.headers)
                return
            status, body, extra = _answer(host, parts.path, q, headers)
            self._send(status, json.dumps(body).encode(),
                       {"Content-Type": "application/json", **extra})

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
