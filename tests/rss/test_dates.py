"""Feed dates as real feeds write them: read when a person could read them one way, refused
(left empty, with the reason) otherwise; never an unknown zone read as UTC, never an
impossible date rolled over. Expected instants are worked out by hand from the zone's
offset (CEST = UTC+2 etc.)."""

from __future__ import annotations

from datetime import datetime

import pytest

from ingest.rss.dates import (
    AmbiguousDate,
    DateProblem,
    ImpossibleDate,
    UnknownZone,
    parse_date,
)
from ingest.rss.parse import parse

# (text, channel language, UTC instant)
READABLE = [
    # RFC 822 as hosts write it, and its variants
    ("Tue, 03 Mar 2026 09:00:00 +0000", None, datetime(2026, 3, 3, 9)),
    ("Tue, 03 Mar 2026 09:00:00 GMT", None, datetime(2026, 3, 3, 9)),
    ("Fri, 06 Mar 2026 08:00:00 -0000", None, datetime(2026, 3, 6, 8)),
    ("03 Mar 2026 09:00:00 +0100", None, datetime(2026, 3, 3, 8)),  # no weekday
    ("Tue, 03 Mar 2026 09:00 +0100", None, datetime(2026, 3, 3, 8)),  # no seconds
    ("Tue, 3 Mar 2026 9:00:00 +0100", None, datetime(2026, 3, 3, 8)),  # single digits
    ("Tue, 03 Mar 26 09:00:00 +0100", None, datetime(2026, 3, 3, 8)),  # two-digit year
    ("Wed, 03 Mar 99 09:00:00 +0000", None, datetime(1999, 3, 3, 9)),  # RFC 5322 obs-year
    ("tue, 03 mar 2026 09:00:00 +0100", None, datetime(2026, 3, 3, 8)),  # lower case
    ("TUE, 03 MAR 2026 09:00:00 +0100", None, datetime(2026, 3, 3, 8)),
    ("Tuesday, 03 March 2026 09:00:00 +0100", None, datetime(2026, 3, 3, 8)),
    ("Thu, 03 Sept 2026 09:00:00 +0000", None, datetime(2026, 9, 3, 9)),
    ("Tue, 03 Mar. 2026 09:00:00 +0000", None, datetime(2026, 3, 3, 9)),
    ("Tue,03 Mar 2026 09:00:00 +0000", None, datetime(2026, 3, 3, 9)),
    ("Tue, 03-Mar-2026 09:00:00 +0000", None, datetime(2026, 3, 3, 9)),
    ("Mon, 03 Mar 2026 09:00:00 +0000", None, datetime(2026, 3, 3, 9)),  # wrong weekday
    ("Tue, 03 Mar 2026 09:00:00 +01:00", None, datetime(2026, 3, 3, 8)),
    ("Tue, 03 Mar 2026 09:00:00 +01", None, datetime(2026, 3, 3, 8)),
    ("Tue, 03 Mar 2026 09:00:00 +0530", None, datetime(2026, 3, 3, 3, 30)),
    ("Tue, 03 Mar 2026 09:00:00+0100", None, datetime(2026, 3, 3, 8)),
    ("Tue, 03 Mar 2026 09:00:00 GMT+2", None, datetime(2026, 3, 3, 7)),  # as written
    ("Tue, 03 Mar 2026 09:00:00 GMT+0200", None, datetime(2026, 3, 3, 7)),
    ("Tue, 03 Mar 2026 09:00:00 UTC-05:00", None, datetime(2026, 3, 3, 14)),
    ("Tue, 03 Mar 2026 09:00:00 +0100 (CET)", None, datetime(2026, 3, 3, 8)),
    ("Tue, 03 Mar 2026 09:00:00 (CET)", None, datetime(2026, 3, 3, 8)),
    ("Tue, 03 Mar 2026 09:00:00 +0000 GMT", None, datetime(2026, 3, 3, 9)),  # zones agree
    ("Tue, 03 Mar 2026 09:00:00", None, datetime(2026, 3, 3, 9)),  # no zone: UTC
    ("Tue, 03 Mar 2026 9:00 AM +0000", None, datetime(2026, 3, 3, 9)),
    ("Tue, 03 Mar 2026 12:30 AM +0000", None, datetime(2026, 3, 3, 0, 30)),
    # zone abbreviations feedparser reads as UTC
    ("Tue, 03 Mar 2026 09:00:00 CEST", None, datetime(2026, 3, 3, 7)),
    ("Tue, 03 Mar 2026 09:00:00 CET", None, datetime(2026, 3, 3, 8)),
    ("Tue, 03 Mar 2026 09:00:00 EET", None, datetime(2026, 3, 3, 7)),
    ("Tue, 03 Mar 2026 09:00:00 MSK", None, datetime(2026, 3, 3, 6)),
    ("Tue, 03 Mar 2026 09:00:00 AEDT", None, datetime(2026, 3, 2, 22)),
    ("Tue, 03 Mar 2026 09:00:00 AEST", None, datetime(2026, 3, 2, 23)),
    ("Tue, 03 Mar 2026 09:00:00 ACDT", None, datetime(2026, 3, 2, 22, 30)),
    ("Tue, 03 Mar 2026 09:00:00 NZDT", None, datetime(2026, 3, 2, 20)),
    ("Tue, 03 Mar 2026 09:00:00 JST", None, datetime(2026, 3, 3, 0)),
    ("Tue, 03 Mar 2026 09:00:00 HST", None, datetime(2026, 3, 3, 19)),
    ("Tue, 03 Mar 2026 09:00:00 NST", None, datetime(2026, 3, 3, 12, 30)),
    ("Tue, 03 Mar 2026 09:00:00 PDT", None, datetime(2026, 3, 3, 16)),  # RFC 822 names
    ("Tue, 03 Mar 2026 09:00:00 CST", "en-US", datetime(2026, 3, 3, 15)),
    # ambiguous abbreviations, decided by the channel language's country
    ("Tue, 03 Mar 2026 09:00:00 BST", "en-GB", datetime(2026, 3, 3, 8)),
    ("Tue, 03 Mar 2026 09:00:00 BST", "bn", datetime(2026, 3, 3, 3)),
    ("Tue, 03 Mar 2026 09:00:00 IST", "en-IN", datetime(2026, 3, 3, 3, 30)),
    ("Tue, 03 Mar 2026 09:00:00 IST", "en-ie", datetime(2026, 3, 3, 8)),
    ("Tue, 03 Mar 2026 09:00:00 IST", "he", datetime(2026, 3, 3, 7)),
    ("Tue, 03 Mar 2026 09:00:00 CST", "zh-CN", datetime(2026, 3, 3, 1)),
    ("Tue, 03 Mar 2026 09:00:00 AST", "ar-SA", datetime(2026, 3, 3, 6)),
    # generic US names follow the date's daylight-saving rule; IANA names
    ("Tue, 03 Mar 2026 09:00:00 ET", None, datetime(2026, 3, 3, 14)),
    ("Fri, 03 Jul 2026 09:00:00 ET", None, datetime(2026, 7, 3, 13)),
    ("Fri, 03 Jul 2026 09:00:00 PT", None, datetime(2026, 7, 3, 16)),
    ("2026-07-03 09:00 Europe/Berlin", None, datetime(2026, 7, 3, 7)),
    # ISO 8601 / RFC 3339 in RSS
    ("2026-03-03T09:00:00+01:00", None, datetime(2026, 3, 3, 8)),
    ("2026-03-03T09:00:00+0100", None, datetime(2026, 3, 3, 8)),
    ("2026-03-03T09:00:00Z", None, datetime(2026, 3, 3, 9)),
    ("2026-03-03t09:00:00z", None, datetime(2026, 3, 3, 9)),
    ("2026-03-03T09:00:00.123Z", None, datetime(2026, 3, 3, 9)),
    ("2026-03-03T09:00Z", None, datetime(2026, 3, 3, 9)),
    ("2026-03-03 09:00:00 +0100", None, datetime(2026, 3, 3, 8)),
    ("2026-03-03 09:00:00 CET", None, datetime(2026, 3, 3, 8)),
    ("20260303T090000Z", None, datetime(2026, 3, 3, 9)),  # feedparser loses the time
    ("2026-03-03", None, datetime(2026, 3, 3)),
    ("2026-03-04 10:00", None, datetime(2026, 3, 4, 10)),
    ("2026/03/04", None, datetime(2026, 3, 4)),
    # month names, as typed by hand
    ("March 4, 2026", None, datetime(2026, 3, 4)),
    ("March 4th, 2026", None, datetime(2026, 3, 4)),
    ("Mar 4 2026 10:00 AM", None, datetime(2026, 3, 4, 10)),
    ("Wednesday, March 4, 2026 at 9:15 PM", None, datetime(2026, 3, 4, 21, 15)),
    ("4 March 2026 10:00", None, datetime(2026, 3, 4, 10)),
    ("Wed, 04 Mar 2026 10:00 PDT", None, datetime(2026, 3, 4, 17)),
    # Java's Date.toString and asctime
    ("Tue Mar 03 09:00:00 CET 2026", None, datetime(2026, 3, 3, 8)),
    ("Tue Mar  3 09:00:00 2026", None, datetime(2026, 3, 3, 9)),
    # numbers: day over 12 decides; else the channel language
    ("13/03/2026", None, datetime(2026, 3, 13)),
    ("03/13/2026", None, datetime(2026, 3, 13)),
    ("04/03/2026", "en-GB", datetime(2026, 3, 4)),
    ("04/03/2026", "fr", datetime(2026, 3, 4)),
    ("04/03/2026", "en-us", datetime(2026, 4, 3)),
    ("04.03.2026 18:30", "de-DE", datetime(2026, 3, 4, 18, 30)),
    ("03/03/2026", None, datetime(2026, 3, 3)),  # both readings agree
]


@pytest.mark.parametrize(("text", "language", "expected"), READABLE)
def test_readable_dates(text: str, language: str | None, expected: datetime):
    assert parse_date(text, language) == expected


REFUSED = [
    # impossible: rejected, never rolled over into a valid date
    ("Tue, 31 Feb 2026 10:00:00 +0000", None, ImpossibleDate, "day is out of range"),
    ("Tue, 30 Feb 2026 09:00:00 +0000", None, ImpossibleDate, "day is out of range"),
    ("Tue, 32 Mar 2026 09:00:00 +0000", None, ImpossibleDate, "day is out of range"),
    ("Tue, 03 Mar 2026 25:00:00 +0000", None, ImpossibleDate, "hour must be in 0..23"),
    ("Tue, 03 Mar 2026 24:00:00 +0000", None, ImpossibleDate, "hour must be in 0..23"),
    ("Tue, 03 Mar 2026 09:61:00 +0000", None, ImpossibleDate, "minute must be in 0..59"),
    ("Tue, 03 Mar 2026 13:00 PM +0000", None, ImpossibleDate, "hour 13 with PM"),
    ("2026-13-03T09:00:00Z", None, ImpossibleDate, "month must be in 1..12"),
    ("2026-02-30T09:00:00Z", None, ImpossibleDate, "day is out of range"),
    ("2026-03-32", None, ImpossibleDate, "day is out of range"),
    ("2026-03-03T25:00:00Z", None, ImpossibleDate, "hour must be in 0..23"),
    ("31/02/2026", "en-GB", ImpossibleDate, "day is out of range"),
    ("Tue, 03 Mar 2026 09:00:00 +2400", None, ImpossibleDate, "out of range"),
    # zones nobody can convert for sure: left empty, never read as UTC
    ("Tue, 03 Mar 2026 09:00:00 XYZ", None, UnknownZone, "unknown time zone 'XYZ'"),
    ("Tue, 03 Mar 2026 09:00:00 CEDT", None, UnknownZone, "unknown time zone 'CEDT'"),
    ("2026-03-03 09:00 Mars/Olympus", None, UnknownZone, "unknown time zone"),
    ("Tue, 03 Mar 2026 09:00:00 A", None, UnknownZone, "military zone letter"),
    ("Tue, 03 Mar 2026 09:00:00 +1", None, UnknownZone, "offset '+1'"),
    ("Tue, 03 Mar 2026 09:00:00 BST", None, AmbiguousDate, "British Summer"),
    ("Tue, 03 Mar 2026 09:00:00 BST", "en", AmbiguousDate, "Bangladesh"),
    ("Tue, 03 Mar 2026 09:00:00 IST", "en", AmbiguousDate, "India"),
    ("Tue, 03 Mar 2026 09:00:00 IST", "en-GB", AmbiguousDate, "Israel"),
    ("Tue, 03 Mar 2026 09:00:00 AST", None, AmbiguousDate, "Atlantic"),
    ("04/03/2026", None, AmbiguousDate, "day/month or month/day"),
    ("04/03/2026", "en", AmbiguousDate, "day/month or month/day"),
    # trailing garbage, zones that contradict each other
    ("Tue, 03 Mar 2026 09:00:00 ABC foo", None, UnknownZone, "'ABC'"),
    ("Tue, 03 Mar 2026 09:00:00 +0000 2026", None, DateProblem, "unreadable text"),
    ("Tue, 03 Mar 2026 09:00:00 +0000 EST", None, DateProblem, "disagree"),
]


@pytest.mark.parametrize(("text", "language", "problem", "says"), REFUSED)
def test_dates_no_one_can_read_one_way_are_refused_with_the_reason(
        text: str, language: str | None, problem: type[DateProblem], says: str):
    with pytest.raises(problem, match=says.replace("(", r"\(").replace("+", r"\+")):
        parse_date(text, language)


@pytest.mark.parametrize("text", ["yesterday", "", "   ", "Tue, 03 Foo 2026 09:00:00 +0000",
                                  "04/03/26", "03 Mar 2026 10", "Di, 03 Mär 2026 09:00:00"])
def test_text_in_no_date_form_is_none(text: str):
    assert parse_date(text, "en-GB") is None


def _rss(language: str, *dates: str) -> bytes:
    items = "".join(f"<item><guid>g{i}</guid><pubDate>{d}</pubDate>"
                    f'<enclosure url="https://cdn.example/{i}.mp3" length="1" '
                    f'type="audio/mpeg"/></item>' for i, d in enumerate(dates))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
            f"<language>{language}</language>{items}</channel></rss>").encode()


def test_a_feed_never_reads_an_unknown_zone_as_utc_nor_rolls_a_date_over():
    feed = parse(_rss("en-GB", "Tue, 03 Mar 2026 09:00:00 CEST",
                      "Tue, 03 Mar 2026 09:00:00 BST", "Tue, 03 Mar 2026 09:00:00 XYZ",
                      "2026-02-30T09:00:00Z", "2026-03-03T25:00:00Z",
                      "20260303T090000Z", "Tue, 03 Mar 2026 09:00:00 IST"))
    assert [i["published_at"] for i in feed.items] == [
        datetime(2026, 3, 3, 7), datetime(2026, 3, 3, 8), None, None, None,
        datetime(2026, 3, 3, 9), None]
    assert [i["pub_date"] for i in feed.items][2] == "Tue, 03 Mar 2026 09:00:00 XYZ"
    problems = dict(feed.item_problems)
    assert set(problems) == {2, 3, 4, 6}
    assert problems[2] == ("item 'g2': pubDate 'Tue, 03 Mar 2026 09:00:00 XYZ': unknown time "
                           "zone 'XYZ'; left empty rather than read as UTC")
    assert problems[3] == ("item 'g3': impossible pubDate '2026-02-30T09:00:00Z' (day is out "
                           "of range for month); left empty, not rolled over")
    assert "hour must be in 0..23" in problems[4]
    assert problems[6].startswith("item 'g6': ambiguous pubDate 'Tue, 03 Mar 2026 09:00:00 "
                                  "IST': IST could be India time")


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id>
<updated>2026-03-05T00:00:00Z</updated>
<entry><id>urn:a:1</id><title>Only updated</title><updated>2026-03-03T09:00:00+01:00</updated>
<link rel="enclosure" href="https://cdn.example/1.mp3" length="10" type="audio/mpeg"/></entry>
<entry><id>urn:a:2</id><title>Both</title><published>2026-03-04T09:00:00Z</published>
<updated>2026-03-05T09:00:00Z</updated>
<link rel="enclosure" href="https://cdn.example/2.mp3" length="10" type="audio/mpeg"/></entry>
<entry><id>urn:a:3</id><title>Bad updated</title><updated>2026-02-30T09:00:00Z</updated>
<link rel="enclosure" href="https://cdn.example/3.mp3" length="10" type="audio/mpeg"/></entry>
</feed>"""


def test_atom_entries_without_published_fall_back_to_updated():
    feed = parse(ATOM)
    assert [(i["pub_date"], i["published_at"]) for i in feed.items] == [
        ("2026-03-03T09:00:00+01:00", datetime(2026, 3, 3, 8)),
        ("2026-03-04T09:00:00Z", datetime(2026, 3, 4, 9)),
        ("2026-02-30T09:00:00Z", None)]
    assert feed.item_problems == [(2, "item 'urn:a:3': impossible updated "
                                      "'2026-02-30T09:00:00Z' (day is out of range for "
                                      "month); left empty, not rolled over")]
