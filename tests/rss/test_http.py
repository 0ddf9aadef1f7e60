"""Fetching over HTTP from a local server on 127.0.0.1: conditional GET, changes, errors,
redirects, gzip and size caps. The server is on loopback, which the poller refuses unless
configured (ingest/rss/guard.py): these tests allow it."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from ingest.rss.fetch import fetch
from ingest.rss.land import land_feeds
from tests.rss.conftest import FEEDS, LOOPBACK, FeedServer, Route, open_warehouse

LAST_MODIFIED = "Tue, 03 Mar 2026 10:05:12 GMT"
COUNTS = ("select (select count(*) from raw.rss_items), (select count(*) from "
          "raw.rss_fetches), (select count(*) from raw.rss_channels)")


def _libsyn_route() -> Route:
    return Route((FEEDS / "libsyn.xml").read_bytes(), etag='"v1"', last_modified=LAST_MODIFIED)


def test_conditional_get_lands_once_then_costs_one_304(settings: Settings,
                                                       feed_server: FeedServer):
    feed_server.routes["/feed.rss"] = _libsyn_route()
    wh = open_warehouse(settings, [("garden", feed_server.url("/feed.rss"))])
    try:
        first = land_feeds(wh, settings.landing_dir, allowed_networks=LOOPBACK)
        assert (first.fetched, first.new_items) == (1, 2)
        assert feed_server.requests[0][2] == 200
        assert "If-None-Match" not in feed_server.requests[0][1]
        assert wh.fetchall("select etag, last_modified, http_status from raw.rss_fetches") == [
            ('"v1"', LAST_MODIFIED, 200)]
        before = wh.fetchall(COUNTS)

        second = land_feeds(wh, settings.landing_dir, allowed_networks=LOOPBACK)
        assert len(feed_server.requests) == 2  # exactly one more request...
        _, headers, status = feed_server.requests[1]
        assert (headers["If-None-Match"], headers["If-Modified-Since"]) == ('"v1"',
                                                                           LAST_MODIFIED)
        assert status == 304  # ...answered 304
        assert (second.unchanged, second.fetched, second.new_items) == (1, 0, 0)
        assert wh.fetchall(COUNTS) == before
    finally:
        wh.close()


def test_a_changed_feed_lands_a_new_fetch(settings: Settings, feed_server: FeedServer):
    feed_server.routes["/feed.rss"] = _libsyn_route()
    wh = open_warehouse(settings, [("garden", feed_server.url("/feed.rss"))])
    try:
        land_feeds(wh, settings.landing_dir, allowed_networks=LOOPBACK)
        new_item = (b"<item><title>Ep. 43: Seeds</title><guid>ep-43</guid>"
                    b"<pubDate>Tue, 10 Mar 2026 10:00:00 +0000</pubDate>"
                    b'<enclosure url="https://traffic.libsyn.com/gardenshed/ep43.mp3" '
                    b'length="1000" type="audio/mpeg"/></item>\n    <item>')
        body = (FEEDS / "libsyn.xml").read_bytes().replace(b"<item>", new_item, 1)
        feed_server.routes["/feed.rss"] = Route(body, etag='"v2"',
                                                last_modified="Tue, 10 Mar 2026 10:05:00 GMT")
        report = land_feeds(wh, settings.landing_dir, allowed_networks=LOOPBACK)
        assert (report.fetched, report.new_items) == (1, 3)
        assert feed_server.requests[-1][1]["If-None-Match"] == '"v1"'
        fetches = wh.fetchall("select etag from raw.rss_fetches order by fetched_at")
        assert fetches == [('"v1"',), ('"v2"',)]
        assert wh.fetchall("select count(distinct guid) from raw.rss_items")[0][0] == 3
    finally:
        wh.close()


def test_a_server_error_after_a_success_keeps_the_data_and_quarantines(
        settings: Settings, feed_server: FeedServer):
    feed_server.routes["/feed.rss"] = _libsyn_route()
    wh = open_warehouse(settings, [("garden", feed_server.url("/feed.rss"))])
    try:
        land_feeds(wh, settings.landing_dir, allowed_networks=LOOPBACK)
        before = wh.fetchall(COUNTS)
        feed_server.routes["/feed.rss"] = Route(b"upstream timeout", 503)
        report = land_feeds(wh, settings.landing_dir, allowed_networks=LOOPBACK)
        assert report.failed == 1 and report.new_items == 0
        assert wh.fetchall(COUNTS) == before
        reason = wh.fetchall("select reason from raw.quarantine")[0][0]
        assert reason.startswith("show garden: HTTP 503 Service Unavailable from http://127.0.0.1")
        assert reason.endswith("earlier data kept")
        # recovering: the host answers again, the feed is unchanged, so it is a 304
        feed_server.routes["/feed.rss"] = _libsyn_route()
        assert land_feeds(wh, settings.landing_dir, allowed_networks=LOOPBACK).unchanged == 1
        assert feed_server.requests[-1][2] == 304
    finally:
        wh.close()


def test_gone_feed_is_quarantined_with_a_clear_reason(settings: Settings,
                                                      feed_server: FeedServer):
    feed_server.routes["/feed.rss"] = _libsyn_route()
    wh = open_warehouse(settings, [("garden", feed_server.url("/feed.rss"))])
    try:
        land_feeds(wh, settings.landing_dir, allowed_networks=LOOPBACK)
        feed_server.routes["/feed.rss"] = Route(b"", 410)
        assert land_feeds(wh, settings.landing_dir, allowed_networks=LOOPBACK).failed == 1
        reason = wh.fetchall("select reason from raw.quarantine")[0][0]
        assert "HTTP 410 Gone" in reason and "removed the feed for good" in reason
        assert wh.fetchall("select count(*) from raw.rss_items")[0][0] == 2
    finally:
        wh.close()


def test_same_bytes_with_new_validators_stores_them_for_the_next_304(
        settings: Settings, feed_server: FeedServer):
    body = (FEEDS / "libsyn.xml").read_bytes()
    feed_server.routes["/feed.rss"] = Route(body, etag='"a"')
    wh = open_warehouse(settings, [("garden", feed_server.url("/feed.rss"))])
    try:
        land_feeds(wh, settings.landing_dir, allowed_networks=LOOPBACK)
        feed_server.routes["/feed.rss"] = Route(body, etag='"b"')  # e.g. another CDN node
        assert land_feeds(wh, settings.landing_dir, allowed_networks=LOOPBACK).unchanged == 1
        assert wh.fetchall("select count(*), max(etag) from raw.rss_fetches") == [(1, '"b"')]
        land_feeds(wh, settings.landing_dir, allowed_networks=LOOPBACK)
        assert feed_server.requests[-1][2] == 304
    finally:
        wh.close()


def test_redirects_are_followed_and_permanent_ones_reported(settings: Settings,
                                                            feed_server: FeedServer):
    feed_server.routes["/old.rss"] = Route(status=301, location=feed_server.url("/new.rss"))
    feed_server.routes["/new.rss"] = _libsyn_route()
    wh = open_warehouse(settings, [("garden", feed_server.url("/old.rss"))])
    try:
        report = land_feeds(wh, settings.landing_dir, allowed_networks=LOOPBACK)
        assert report.new_items == 2
        assert report.notices == [f"show garden: feed moved permanently to "
                                  f"{feed_server.url('/new.rss')}; update its feed_url in "
                                  f"the shows registry"]
        # the validators from the new location are sent through the redirect: a 304
        land_feeds(wh, settings.landing_dir, allowed_networks=LOOPBACK)
        assert feed_server.requests[-1][0] == "/new.rss"
        assert feed_server.requests[-1][2] == 304
    finally:
        wh.close()


def test_gzip_bodies_are_decompressed(feed_server: FeedServer, tmp_path: Path):
    body = (FEEDS / "anchor.xml").read_bytes()
    feed_server.routes["/gz.rss"] = Route(body, gzip=True)
    result = fetch(feed_server.url("/gz.rss"), tmp_path, allowed_networks=LOOPBACK)
    assert result.status == 200 and result.body == body
    assert "gzip" in feed_server.requests[0][1]["Accept-Encoding"]


def test_oversized_feeds_are_refused_not_loaded(feed_server: FeedServer, tmp_path: Path):
    feed_server.routes["/big.rss"] = Route(b"<rss>" + b" " * 5000 + b"</rss>")
    feed_server.routes["/bomb.rss"] = Route(b"<rss>" + b" " * 5000 + b"</rss>", gzip=True)
    for path in ("/big.rss", "/bomb.rss"):
        result = fetch(feed_server.url(path), tmp_path, max_bytes=1000,
                       allowed_networks=LOOPBACK)
        assert result.body is None and "larger than the 1000-byte cap" in (result.error or "")


def test_unreachable_host_is_an_error_not_an_exception(tmp_path: Path):
    # the discard port: nothing listens
    result = fetch("http://127.0.0.1:9/feed.rss", tmp_path, allowed_networks=LOOPBACK)
    assert result.status is None and result.error.startswith("cannot fetch http://127.0.0.1:9")
