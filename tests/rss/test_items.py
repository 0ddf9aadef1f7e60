"""Item links and enclosures as real feeds give them: relative URLs, media:content only,
the item's own <link>; parsed, and landed on both targets."""

from __future__ import annotations

from core.settings import Settings
from ingest.rss.land import land_feeds
from ingest.rss.parse import parse
from tests.rss.conftest import LOOPBACK, FeedServer, Route, open_warehouse

NS = ('xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" '
      'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"')


def _rss(items: str, self_link: str | None = None) -> bytes:
    link = (f'<atom:link href="{self_link}" rel="self" type="application/rss+xml"/>'
            if self_link else "")
    return (f'<?xml version="1.0"?><rss version="2.0" {NS}><channel><title>T</title>'
            f"<link>https://show.example/</link>{link}{items}</channel></rss>").encode()


RELATIVE = ('<item><guid isPermaLink="false">r1</guid><link>episodes/1</link>'
            '<enclosure url="audio/e1.mp3" length="10" type="audio/mpeg"/></item>'
            '<item><guid isPermaLink="false">r2</guid>'
            '<enclosure url="/media/e2.mp3" length="10" type="audio/mpeg"/></item>'
            '<item><guid isPermaLink="false">r3</guid>'
            '<enclosure url="//cdn.example/e3.mp3" length="10" type="audio/mpeg"/></item>'
            '<item><guid isPermaLink="false">r4</guid>'
            '<enclosure url="https://cdn.example/e4.mp3" length="10" type="audio/mpeg"/></item>')


def _urls(feed) -> list[str | None]:
    return [item["enclosure_url"] for item in feed.items]


def test_relative_enclosure_urls_resolve_against_the_feed_url():
    feed = parse(_rss(RELATIVE), "https://host.example/shows/garden/feed.xml")
    assert _urls(feed) == ["https://host.example/shows/garden/audio/e1.mp3",
                           "https://host.example/media/e2.mp3", "https://cdn.example/e3.mp3",
                           "https://cdn.example/e4.mp3"]
    assert feed.items[0]["link"] == "https://host.example/shows/garden/episodes/1"
    assert feed.item_problems == []


def test_a_local_feed_resolves_against_its_own_self_link():
    feed = parse(_rss(RELATIVE, "https://feeds.example/garden.rss"), "feeds/garden.xml")
    assert _urls(feed) == ["https://feeds.example/audio/e1.mp3",
                           "https://feeds.example/media/e2.mp3", "https://cdn.example/e3.mp3",
                           "https://cdn.example/e4.mp3"]
    assert feed.item_problems == []


def test_a_local_feed_without_a_self_link_keeps_relative_urls_and_quarantines_them():
    feed = parse(_rss(RELATIVE), "feeds/garden.xml")
    assert _urls(feed) == ["audio/e1.mp3", "/media/e2.mp3", "https://cdn.example/e3.mp3",
                           "https://cdn.example/e4.mp3"]
    assert [index for index, _ in feed.item_problems] == [0, 1]
    assert feed.item_problems[0][1] == (
        "item 'r1': relative enclosure URL 'audio/e1.mp3' and no address to resolve it "
        "against (a local feed file without <atom:link rel=\"self\">); kept as written")


MEDIA = (
    # media:content only, with fileSize and duration
    '<item><guid>m1</guid><media:content url="https://cdn.example/m1.mp3" type="audio/mpeg" '
    'fileSize="5000" duration="1800" medium="audio"/></item>'
    # a media:group: the cover image first, then two renditions: the audio one is taken
    '<item><guid>m2</guid><itunes:duration>10:00</itunes:duration><media:group>'
    '<media:content url="https://cdn.example/m2.jpg" type="image/jpeg" medium="image"/>'
    '<media:content url="https://cdn.example/m2.mp4" type="video/mp4"/>'
    '<media:content url="https://cdn.example/m2.m4a" type="audio/mp4" fileSize="4000"/>'
    '</media:group></item>'
    # an <enclosure> wins over media:content
    '<item><guid>m3</guid><enclosure url="https://cdn.example/m3.mp3" length="7" '
    'type="audio/mpeg"/><media:content url="https://cdn.example/m3.ogg" type="audio/ogg"/>'
    '</item>'
    # an <enclosure> without a URL does not hide a media:content
    '<item><guid>m4</guid><enclosure url="" length="7" type="audio/mpeg"/>'
    '<media:content url="https://cdn.example/m4.mp3" type="audio/mpeg"/></item>'
    # only an image: no enclosure
    '<item><guid>m5</guid><media:content url="https://cdn.example/m5.jpg" medium="image"/>'
    '</item>')


def test_an_enclosure_given_only_as_media_content_is_used():
    feed = parse(_rss(MEDIA), "https://host.example/feed.xml")
    got = [(i["enclosure_url"], i["enclosure_length"], i["enclosure_type"], i["duration"])
           for i in feed.items]
    assert got == [
        ("https://cdn.example/m1.mp3", "5000", "audio/mpeg", "1800"),
        ("https://cdn.example/m2.m4a", "4000", "audio/mp4", "10:00"),
        ("https://cdn.example/m3.mp3", "7", "audio/mpeg", None),
        ("https://cdn.example/m4.mp3", None, "audio/mpeg", None),
        (None, None, None, None),
    ]


LINKS = ('<item><guid>https://show.example/p/1</guid><link>https://show.example/episodes/one'
         '</link></item>'
         # a permalink guid is not the item's link (feedparser offers it as entry.link)
         '<item><guid>https://show.example/p/2</guid></item>'
         '<item><guid isPermaLink="false">g3</guid><link> https://show.example/e/3 </link>'
         '</item>')


def test_the_item_link_is_kept_and_a_permalink_guid_is_not_taken_for_it():
    feed = parse(_rss(LINKS), "https://host.example/feed.xml")
    assert [i["link"] for i in feed.items] == ["https://show.example/episodes/one", None,
                                               "https://show.example/e/3"]


def test_atom_alternate_links_are_item_links():
    body = (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
            b"<entry><id>urn:1</id><title>One</title><updated>2026-03-03T09:00:00Z</updated>"
            b'<link rel="alternate" href="/posts/1"/>'
            b'<link rel="enclosure" href="audio/1.mp3" length="9" type="audio/mpeg"/></entry>'
            b"</feed>")
    feed = parse(body, "https://blog.example/feed.atom")
    assert feed.items[0]["link"] == "https://blog.example/posts/1"
    assert feed.items[0]["enclosure_url"] == "https://blog.example/audio/1.mp3"


def test_landed_items_carry_the_link_and_urls_resolved_where_redirects_ended(
        settings: Settings, feed_server: FeedServer):
    feed_server.routes["/old/feed.xml"] = Route(status=302,
                                                location=feed_server.url("/new/feed.xml"))
    feed_server.routes["/new/feed.xml"] = Route(_rss(RELATIVE))
    feeds = settings.landing_dir / "feeds"
    feeds.mkdir(parents=True)
    (feeds / "local.xml").write_bytes(_rss(RELATIVE, "https://feeds.example/local.rss"))
    wh = open_warehouse(settings, [("web", feed_server.url("/old/feed.xml")),
                                   ("local", "feeds/local.xml")])
    try:
        assert land_feeds(wh, settings.landing_dir,
                          allowed_networks=LOOPBACK).new_items == 8
        rows = wh.fetchall("select show_id, guid, enclosure_url, link from raw.rss_items "
                           "where guid in ('r1', 'r2') order by show_id, guid")
        new = feed_server.url("/new")
        assert rows == [
            ("local", "r1", "https://feeds.example/audio/e1.mp3",
             "https://feeds.example/episodes/1"),
            ("local", "r2", "https://feeds.example/media/e2.mp3", None),
            ("web", "r1", f"{new}/audio/e1.mp3", f"{new}/episodes/1"),
            ("web", "r2", f"{feed_server.base_url}/media/e2.mp3", None),
        ]
    finally:
        wh.close()
