"""Where a feed may be read from: the shows registry is input, so its `feed_url` must not
reach the host running the pipeline.

- A path (or `file://` URL) must name a regular file inside the landing directory as
  written: `/proc/self/environ`, `/etc/passwd`, `../../secrets` and `/dev/zero` are refused
  before anything is opened. Symbolic links the operator put in the landing directory are
  followed, never into /proc, /sys or /dev.
- Only http and https URLs are fetched. Every connection, redirects included, goes to an
  address checked at connect time: loopback, private, link-local, shared, reserved and
  multicast addresses are refused unless a configured network (`PODWH_FEED_ALLOWED_NETWORKS`)
  holds them. The socket connects to the very address that was checked, so a name that
  resolves differently the second time (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import stat
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
WEB_SCHEMES = ("http://", "https://")
PSEUDO_FILE_SYSTEMS = (Path("/proc"), Path("/sys"), Path("/dev"))


class RefusedLocation(Exception):
    """A feed location the pipeline must not read: the message says why."""


def local_feed_path(feed_url: str, landing_dir: Path) -> Path:
    """The regular file inside `landing_dir` that `feed_url` (a path, relative to the
    landing directory, or a file:// URL) names; RefusedLocation otherwise.

    The registry's path must lie inside the landing directory as written (`..` resolved,
    symbolic links not): a link the operator put there, e.g. a feeds folder kept elsewhere,
    is followed, but never into /proc, /sys or /dev, and only to a regular file."""
    text = feed_url.removeprefix("file://")
    if "://" in text or text.lower().startswith(("data:", "javascript:")):
        raise RefusedLocation(f"feed location {feed_url!r}: only http(s) URLs and paths "
                              "inside the landing directory are read")
    root = Path(os.path.abspath(landing_dir))
    path = Path(text)
    named = Path(os.path.normpath(path if path.is_absolute() else root / path))
    if not named.is_relative_to(root):
        raise RefusedLocation(f"feed location {feed_url!r} is outside the landing "
                              f"directory {root}: refused")
    target = named.resolve()
    if any(target.is_relative_to(special) for special in PSEUDO_FILE_SYSTEMS):
        raise RefusedLocation(f"feed location {feed_url!r} leads to {target}, a system "
                              "file: refused")
    try:
        mode = target.stat().st_mode
    except OSError as exc:
        raise RefusedLocation(f"cannot read feed file {feed_url!r}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise RefusedLocation(f"feed location {feed_url!r} is not a regular file: refused")
    return target


def is_allowed(address: IPAddress, allowed: Sequence[IPNetwork]) -> bool:
    """A public unicast address, or one inside a configured network."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in network for network in allowed):
        return True
    return address.is_global and not address.is_multicast


def _guarded_connect(allowed: Sequence[IPNetwork]) -> Callable[..., socket.socket]:
    """A socket.create_connection that connects only to allowed addresses."""

    def create_connection(address: tuple[str, int], timeout: Any = None,
                          source_address: Any = None, **_: Any) -> socket.socket:
        host, port = address
        refused: list[str] = []
        last_error: OSError | None = None
        for family, kind, proto, _name, sockaddr in socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM):
            ip = ipaddress.ip_address(sockaddr[0])
            if not is_allowed(ip, allowed):
                refused.append(str(ip))
                continue
            sock = socket.socket(family, kind, proto)
            try:
                if timeout is not None:
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                last_error = exc
        if last_error is not None:
            raise last_error
        raise RefusedLocation(
            f"{host} resolves to {', '.join(sorted(set(refused)))}: a loopback, private, "
            "link-local or reserved address, refused (PODWH_FEED_ALLOWED_NETWORKS allows "
            "a network)")

    return create_connection


def _guarded(base: type[http.client.HTTPConnection],
             allowed: Sequence[IPNetwork]) -> type[http.client.HTTPConnection]:
    """`base` (the HTTP or the HTTPS connection) connecting only to allowed addresses."""

    class Guarded(base):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = _guarded_connect(allowed)

    return Guarded


def opener(allowed: Sequence[IPNetwork],
           redirects: urllib.request.HTTPRedirectHandler) -> urllib.request.OpenerDirector:
    """An opener for http(s) only (no file:, ftp: or data: handlers, no proxies from the
    environment), every connection guarded."""
    http_class = _guarded(http.client.HTTPConnection, allowed)
    https_class = _guarded(http.client.HTTPSConnection, allowed)

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(http_class, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(https_class, req, context=self._context)  # type: ignore[attr-defined]

    director = urllib.request.OpenerDirector()
    for handler in (HTTPHandler(), HTTPSHandler(), redirects,
                    urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPErrorProcessor(), urllib.request.UnknownHandler()):
        director.add_handler(handler)
    return director
