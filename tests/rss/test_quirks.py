"""Real-world quirks: loose dates in a feed, durations, duplicate and missing guids, encodings
(the date forms themselves: test_dates.py)."""

from __future__ import annotations

from datetime import datetime

import pytest

from ingest.rss.parse import parse
from ingest.rss.quirks import duration_seconds
from tests.rss.conftest import FEEDS


@pytest.mark.parametrize(("text", "seconds"), [
    ("1769", 1769), ("1212.5", 1212), ("27:45", 1665), ("56:40", 3400), ("01:12:05", 4325),
    ("0:00:59", 59), ("90:00", 5400), (" 45 ", 45),
    ("about an hour", None), ("1:75", None), ("", None), (None, None), ("1:2:3:4", None),
])
def test_durations(text: str | None, seconds: int | None):
    assert duration_seconds(text) == seconds


def test_malformed_dates_feed_reads_what_a_human_could_and_flags_the_rest():
    feed = parse((FEEDS / "malformed-dates.xml").read_bytes())  # language en-GB
    assert [i["published_at"] for i in feed.items] == [
        datetime(2026, 3, 4, 10), datetime(2026, 3, 4), datetime(2026, 3, 4),
        datetime(2026, 3, 13, 18, 30), datetime(2026, 3, 4, 15), datetime(2026, 3, 4, 21, 15),
        None, None]
    assert feed.items[6]["pub_date"] == "Tue, 31 Feb 2026 10:00:00 +0000"  # kept as published
    assert feed.item_problems == [
        (6, "item 'hr-7': impossible pubDate 'Tue, 31 Feb 2026 10:00:00 +0000' (day is out "
            "of range for month); left empty, not rolled over"),
        (7, "item 'hr-8': unparseable pubDate 'yesterday'")]


def test_ambiguous_date_in_a_feed_without_language_is_flagged_not_guessed():
    body = ((FEEDS / "malformed-dates.xml").read_bytes()
            .replace(b"<language>en-GB</language>", b""))
    feed = parse(body)
    assert feed.items[2]["published_at"] is None
    assert any(index == 2 and "ambiguous pubDate" in reason and "04/03/2026" in reason
               for index, reason in feed.item_problems)


def test_duplicate_and_missing_guids_keep_what_identity_needs():
    feed = parse((FEEDS / "duplicate-guids.xml").read_bytes())
    rows = [(i["guid"], i["enclosure_url"]) for i in feed.items]
    assert rows == [
        ("rerun-001", "https://cdn.rerun.example/audio/001-remastered.mp3"),
        (None, "https://cdn.rerun.example/audio/002.mp3"),  # identity falls back to this URL
        ("rerun-001", "https://cdn.rerun.example/audio/001.mp3"),
        (None, None),
        ("rerun-003", "https://cdn.rerun.example/audio/003.mp3"),  # guid whitespace trimmed
    ]
    assert feed.items[4]["enclosure_length"] is None  # length="" is no length
    reasons = dict(feed.item_problems)
    assert set(reasons) == {2, 3, 4}
    assert "duplicate guid" in reasons[2] and "position 0" in reasons[2]
    assert "neither guid nor enclosure URL" in reasons[3]
    assert "unreadable itunes:duration 'about an hour'" in reasons[4]


def test_declared_utf8_with_latin1_bytes_is_read_as_a_human_would_and_noted():
    feed = parse((FEEDS / "wrong-encoding.xml").read_bytes())
    assert feed.channel["title"] == "Café Crème"
    assert feed.items[0]["title"] == "L'épisode 1: été à Montréal"
    assert feed.problems == ["wrong encoding: document declared as utf-8, but parsed as "
                             "windows-1252"]
    assert "Café Crème" in feed.text((FEEDS / "wrong-encoding.xml").read_bytes())


def test_correctly_declared_latin1_is_no_problem_and_its_raw_text_is_right():
    body = (FEEDS / "latin1.xml").read_bytes()
    feed = parse(body)
    assert feed.problems == [] and feed.encoding == "iso-8859-1"
    assert "<title>Café Crème</title>" in feed.text(body)


@pytest.mark.parametrize(("name", "start"), [
    ("not-xml.xml", "not an RSS feed: not XML"),
    ("html-error.xml", "not an RSS feed: an HTML page ('502 Bad Gateway')"),
    ("truncated.xml", "truncated feed: the document ends before </rss>"),
])
def test_bad_feeds_land_nothing(name: str, start: str):
    feed = parse((FEEDS / name).read_bytes())
    assert not feed.is_feed and feed.items == []
    assert feed.problems[0].startswith(start)


def test_recoverable_xml_errors_still_land_with_a_note():
    body = (FEEDS / "libsyn.xml").read_bytes().replace(b"Ep. 41: Compost", b"Ep. 41 & Compost")
    feed = parse(body)
    assert feed.is_feed and len(feed.items) == 2
    assert feed.items[1]["title"] == "Ep. 41 & Compost Myths"
    assert feed.problems[0].startswith("feed is not well-formed")
