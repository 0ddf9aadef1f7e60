"""A shows registry is input: its feed_url must not reach the host's files or services
(ingest/rss/guard.py). Each refusal is a quarantine row with a reason, and nothing of the
refused target reaches the warehouse."""

from __future__ import annotations

import ipaddress
import os
import time
from pathlib import Path

import pytest

from core.settings import Settings, SettingsError
from ingest.rss.fetch import fetch
from ingest.rss.guard import is_allowed
from ingest.rss.land import land_feeds
from tests.rss.conftest import FEEDS, LOOPBACK, FeedServer, Route, open_warehouse


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.1.2.3", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1",
    "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "ff02::1",
])
def test_host_private_and_special_addresses_are_refused(address: str) -> None:
    assert not is_allowed(ipaddress.ip_address(address), ())


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2001:4860:4860::8888"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_allowed(ipaddress.ip_address(address), ())


def test_a_configured_network_is_allowed_and_only_it() -> None:
    allowed = (ipaddress.ip_network("10.20.0.0/16"),)
    assert is_allowed(ipaddress.ip_address("10.20.3.4"), allowed)
    assert not is_allowed(ipaddress.ip_address("10.21.3.4"), allowed)
    settings = Settings.from_env({"PODWH_FEED_ALLOWED_NETWORKS": "10.20.0.0/16, 192.168.1.5"})
    assert [str(n) for n in settings.feed_allowed_networks] == ["10.20.0.0/16",
                                                                "192.168.1.5/32"]
    with pytest.raises(SettingsError, match="PODWH_FEED_ALLOWED_NETWORKS: 'intranet'"):
        Settings.from_env({"PODWH_FEED_ALLOWED_NETWORKS": "intranet"})


def _refused(feed_url: str, landing: Path) -> str:
    result = fetch(feed_url, landing)
    assert result.status is None and result.body is None, feed_url
    return result.error or ""


def test_paths_outside_the_landing_directory_are_refused(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "feeds").mkdir(parents=True)
    (tmp_path / "secret.xml").write_text("<rss>secret</rss>")
    for url in ("/proc/self/environ", "/etc/passwd", "file:///etc/passwd", "/dev/zero",
                "../secret.xml", "feeds/../../secret.xml", str(tmp_path / "secret.xml")):
        assert "outside the landing directory" in _refused(url, landing), url


def test_links_in_the_landing_directory_are_followed_but_not_into_the_system(
        tmp_path: Path) -> None:
    """An operator may link a feeds folder in (the benchmark's staged landing does); a link
    still can't reach the process's environment or a device."""
    landing = tmp_path / "landing"
    landing.mkdir()
    elsewhere = tmp_path / "feeds-elsewhere"
    elsewhere.mkdir()
    (elsewhere / "libsyn.xml").write_bytes((FEEDS / "libsyn.xml").read_bytes())
    (landing / "feeds").symlink_to(elsewhere)
    assert fetch("feeds/libsyn.xml", landing).ok
    (elsewhere / "environ.xml").symlink_to("/proc/self/environ")
    (elsewhere / "zero.xml").symlink_to("/dev/zero")
    for url in ("feeds/environ.xml", "feeds/zero.xml"):
        assert "a system file: refused" in _refused(url, landing), url


def test_other_schemes_and_special_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    os.mkfifo(tmp_path / "feeds" / "pipe.xml")  # reading it would block forever
    assert "not a regular file" in _refused("feeds/pipe.xml", tmp_path)
    assert "not a regular file" in _refused("feeds", tmp_path)
    for url in ("ftp://example.com/feed.xml", "gopher://127.0.0.1:6379/_INFO",
                "data:text/xml,<rss/>", "dict://127.0.0.1:11211/stats"):
        assert "only http(s) URLs and paths" in _refused(url, tmp_path), url


def test_a_feed_inside_the_landing_directory_still_reads(tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "libsyn.xml").write_bytes((FEEDS / "libsyn.xml").read_bytes())
    for url in ("feeds/libsyn.xml", str(tmp_path / "feeds" / "libsyn.xml"),
                f"file://{tmp_path}/feeds/libsyn.xml", "feeds/./libsyn.xml"):
        assert fetch(url, tmp_path).ok, url


def test_loopback_is_refused_before_any_request_is_sent(tmp_path: Path,
                                                        feed_server: FeedServer) -> None:
    feed_server.routes["/feed.rss"] = Route((FEEDS / "libsyn.xml").read_bytes())
    port = feed_server.base_url.rsplit(":", 1)[1]
    for url in (feed_server.url("/feed.rss"), f"http://localhost:{port}/feed.rss",
                f"http://[::ffff:127.0.0.1]:{port}/feed.rss"):
        error = _refused(url, tmp_path)
        assert "loopback, private, link-local or reserved address, refused" in error, url
    assert feed_server.requests == []  # not even connected
    assert fetch(feed_server.url("/feed.rss"), tmp_path, allowed_networks=LOOPBACK).ok


def test_a_redirect_to_a_refused_address_is_refused(tmp_path: Path,
                                                    feed_server: FeedServer) -> None:
    # 127.0.0.1 is allowed here, 127.0.0.2 (where the redirect points) is not
    port = feed_server.base_url.rsplit(":", 1)[1]
    feed_server.routes["/moved"] = Route(status=302,
                                         location=f"http://127.0.0.2:{port}/feed.rss")
    result = fetch(feed_server.url("/moved"), tmp_path, allowed_networks=LOOPBACK)
    assert result.body is None and "127.0.0.2" in (result.error or "")
    assert "refused" in (result.error or "")
    feed_server.routes["/to-file"] = Route(status=302, location="file:///etc/passwd")
    result = fetch(feed_server.url("/to-file"), tmp_path, allowed_networks=LOOPBACK)
    assert result.body is None and result.error


def test_a_slow_drip_feed_stops_at_the_deadline(tmp_path: Path,
                                                feed_server: FeedServer) -> None:
    feed_server.routes["/slow.rss"] = Route(b"<rss>" + b" " * 200 + b"</rss>", drip_s=0.05)
    started = time.monotonic()
    result = fetch(feed_server.url("/slow.rss"), tmp_path, allowed_networks=LOOPBACK,
                   deadline_s=1)
    assert result.body is None and "took too long" in (result.error or "")
    assert time.monotonic() - started < 5  # the whole body would take 10 s


def test_registry_rows_aimed_at_the_host_land_nothing_of_it(settings: Settings,
                                                            feed_server: FeedServer,
                                                            monkeypatch: pytest.MonkeyPatch):
    """A registry pointing at the process's environment (which holds a password), the
    host's files and a service on loopback: each is a quarantine row with its reason, and
    no byte of the targets is stored."""
    monkeypatch.setenv("PODWH_PG_PASSWORD", "s3cret-pw-for-the-test")
    feed_server.routes["/admin"] = Route(b"<rss>internal admin page</rss>")
    shows = [("environ", "/proc/self/environ"), ("passwd", "/etc/passwd"),
             ("zero", "/dev/zero"), ("internal", feed_server.url("/admin"))]
    wh = open_warehouse(settings, shows)
    try:
        report = land_feeds(wh, settings.landing_dir)
        assert (report.failed, report.fetched) == (4, 0)
        rows = wh.fetchall("select reason, coalesce(raw_record, '') from raw.quarantine "
                           "where source_table = 'rss_fetches'")
        assert len(rows) == 4 and all("refused" in reason for reason, _ in rows)
        stored = " ".join(f"{reason} {record}" for reason, record in rows)
        for leaked in ("s3cret-pw-for-the-test", "root:", "internal admin page", "PATH="):
            assert leaked not in stored
        assert wh.fetchall("select count(*) from raw.rss_fetches") == [(0,)]
        assert feed_server.requests == []
    finally:
        wh.close()
