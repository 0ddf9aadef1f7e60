"""Transcripts a feed links: resolved like enclosures, read to plain text, landed once."""

from __future__ import annotations

from core.settings import Settings
from ingest.rss.land import land_feeds
from ingest.rss.transcripts import MAX_WEB_PER_FEED, resolve, to_text, wanted
from tests.rss.conftest import open_warehouse

VTT = b"""WEBVTT

NOTE written by hand

1
00:00:00.000 --> 00:00:04.000
<v Host>Welcome to the <b>coffee</b> hour.

2
00:00:04.000 --> 00:00:08.500 align:start
Today: espresso &amp; roasting.
"""
SRT = b"""1
00:00:00,000 --> 00:00:02,000
Hello there.

2
00:00:02,000 --> 00:00:04,000
General Kenobi.
"""
JSON = b'{"version": "1.0.0", "segments": [{"body": "Hi,"}, {"body": "folks."}]}'


def test_transcript_formats_read_to_plain_text():
    assert to_text(VTT) == "Welcome to the coffee hour. Today: espresso & roasting."
    assert to_text(SRT) == "Hello there. General Kenobi."
    assert to_text(JSON) == "Hi, folks."
    assert to_text(b"<html><style>p{}</style><p>Just &lt;words&gt;</p></html>") == \
        "Just <words>"
    assert to_text(b"\xef\xbb\xbfplain  text\n") == "plain text"


def test_relative_links_resolve_against_the_feed():
    assert resolve("t/e1.vtt", "feeds/show.xml") == "feeds/t/e1.vtt"
    assert resolve("/t/e1.vtt", "https://h.example/a/feed.xml") == "https://h.example/t/e1.vtt"
    assert resolve("//cdn.example/e1.vtt", "feeds/show.xml") == "https://cdn.example/e1.vtt"
    assert resolve("https://x.example/e.srt", "feeds/show.xml") == "https://x.example/e.srt"


def _feed(items: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<item><title>{guid}</title><guid>{guid}</guid><enclosure url=\"https://cdn.example/"
        f"{guid}.mp3\" length=\"1\" type=\"audio/mpeg\"/>"
        f"<podcast:transcript url=\"{url}\" type=\"text/vtt\"/></item>" for guid, url in items)
    return ('<?xml version="1.0"?><rss version="2.0" xmlns:podcast="https://podcastindex.org/'
            f'namespace/1.0"><channel><title>S</title>{body}</channel></rss>')


def test_a_changed_feed_lands_its_transcripts_once(settings: Settings):
    feeds = settings.landing_dir / "feeds"
    (feeds / "tr").mkdir(parents=True)
    (feeds / "tr" / "e1.vtt").write_bytes(VTT)
    (feeds / "s1.xml").write_text(_feed([("e1", "tr/e1.vtt"), ("e2", "tr/e2.vtt")]))
    wh = open_warehouse(settings, [("s1", "feeds/s1.xml")])
    try:
        assert land_feeds(wh, settings.landing_dir).transcripts == 1
        rows = {r[0]: r[1:] for r in wh.fetchall(
            "select episode_identity, resolved_url, transcript_text, error "
            "from raw.rss_transcripts order by 1")}
        assert rows["e1"][:2] == ("feeds/tr/e1.vtt", to_text(VTT)) and rows["e1"][2] is None
        assert rows["e2"][1] is None and "e2.vtt" in rows["e2"][2]  # a link that won't resolve
        (feeds / "tr" / "e2.vtt").write_bytes(SRT)  # the host adds it; the feed changes
        (feeds / "s1.xml").write_text(_feed([("e1", "tr/e1.vtt"), ("e2", "tr/e2.vtt"),
                                             ("e3", "/etc/passwd")]))
        assert land_feeds(wh, settings.landing_dir).transcripts == 1
        rows = dict(wh.fetchall("select episode_identity, coalesce(transcript_text, error) "
                                "from raw.rss_transcripts"))
        assert rows["e2"] == to_text(SRT)  # replaced the failed attempt; e1 not fetched again
        assert "outside the landing directory" in rows["e3"]
        assert wh.fetchall("select count(*) from raw.rss_transcripts")[0][0] == 3
    finally:
        wh.close()


def test_web_links_are_capped_per_poll_local_files_are_not():
    items = [{"guid": f"g{i}", "transcript_url": f"https://h.example/{i}.vtt"}
             for i in range(MAX_WEB_PER_FEED + 5)]
    items += [{"guid": f"l{i}", "transcript_url": f"tr/{i}.vtt"} for i in range(150)]
    items += [{"guid": "  ", "enclosure_url": "https://cdn.example/e.mp3",
               "transcript_url": "tr/0.vtt"},  # a link already wanted
              {"guid": "", "enclosure_url": "https://cdn.example/x.mp3",
               "transcript_url": "tr/x.vtt"}]
    got = dict((url, key) for key, url in wanted(items, {"tr/1.vtt"}, "feeds/s.xml"))
    assert sum(u.startswith("https") for u in got) == MAX_WEB_PER_FEED
    assert sum(u.startswith("tr/") for u in got) == 150  # 149 + x.vtt, tr/1.vtt landed
    assert got["tr/x.vtt"] == "https://cdn.example/x.mp3"  # no guid: the enclosure URL
