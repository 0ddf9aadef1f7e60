"""Each good fixture parses to the episodes written down here by hand, from reading the XML."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from ingest.rss.parse import parse
from tests.conftest import SHARED
from tests.rss.conftest import FEEDS

FIELDS = ("guid", "title", "published_at", "duration", "enclosure_url", "enclosure_length",
          "enclosure_type", "season", "episode_number", "episode_type", "explicit",
          "transcript_url", "chapters_url")


def _ep(guid, title, published_at, duration, url, length, kind="audio/mpeg", season=None,
        number=None, episode_type=None, explicit=None, transcript=None, chapters=None):
    return dict(zip(FIELDS, (guid, title, published_at, duration, url, length, kind, season,
                             number, episode_type, explicit, transcript, chapters), strict=True))


LIBSYN = "https://dts.podtrac.com/redirect.mp3/"
ANCHOR = "https://anchor.fm/s/ab12cd34/podcast/play/"
MEGA = "https://www.podtrac.com/pts/redirect.mp3/traffic.megaphone.fm/"
BUZZ = "https://www.buzzsprout.com/2024001/"

EXPECTED: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {
    "libsyn.xml": (
        {"title": "The Garden Shed Hour", "author": "Garden Shed Media", "language": "en",
         "categories": "Leisure|Home & Garden", "explicit": "false", "podcast_guid": None},
        [_ep("0f3c2a9e-6b1d-4c43-9a52-6e0b3c1f4242", "Ep. 42: Tomatoes on a Balcony",
             datetime(2026, 3, 3, 10), "01:12:05",
             LIBSYN + "traffic.libsyn.com/secure/gardenshed/ep42_tomatoes.mp3?dest-id=123456",
             "52428800", number="42", episode_type="full", explicit="false"),
         _ep("9a1b7c55-2d0e-4f8a-8c33-1d2e3f404141", "Ep. 41: Compost Myths",
             datetime(2026, 2, 24, 10), "56:40",
             LIBSYN + "chtbl.com/track/G4RD3N/traffic.libsyn.com/secure/gardenshed/"
             "ep41_compost.mp3?dest-id=123456",
             "40960000", number="41", episode_type="full", explicit="true")],
    ),
    "anchor.xml": (
        {"title": "Night Shift Stories", "author": "Rosa Vega", "language": "en",
         "categories": "Society & Culture|Documentary", "explicit": "No"},
        [_ep("7d6f0b1e-3c2a-4e5f-9a8b-0c1d2e3f4a5b", "The Night Nurse",
             datetime(2026, 3, 2, 6, 30), "1769",
             ANCHOR + "98765432/https%3A%2F%2Fd3ctxlq1ktw2nl.cloudfront.net%2Fstaging"
             "%2F2026-2-2%2Fnurse.mp3", "28311552", episode_type="full", explicit="No"),
         _ep("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "The Baker at 4 a.m.",
             datetime(2026, 2, 23, 6, 30), "1212.5",
             ANCHOR + "98765431/https%3A%2F%2Fd3ctxlq1ktw2nl.cloudfront.net%2Fstaging"
             "%2F2026-1-23%2Fbaker.m4a", "19398656", "audio/x-m4a", episode_type="full",
             explicit="Yes")],
    ),
    "megaphone.xml": (
        {"title": "Cold Case Files: Harbor City", "author": "Harbor Audio",
         "language": "en-US", "categories": "True Crime", "explicit": "yes"},
        [_ep("4e1b9a2c-11f0-11f1-9c2a-0b3e5c7d9f01", "S2 Bonus: Listener Questions",
             datetime(2026, 3, 6, 8), "1834", MEGA + "HRB9000000003.mp3?updated=1772784000",
             "0", season="2", episode_type="bonus", explicit="yes"),
         _ep("3d0a8f1b-11f0-11f1-9c2a-0b3e5c7d9f02", "S2 E1: The Lighthouse Keeper",
             datetime(2026, 3, 2, 8), "2745", MEGA + "HRB9000000002.mp3?updated=1772438400",
             "0", season="2", number="1", episode_type="full", explicit="yes"),
         _ep("2c9f7e0a-11f0-11f1-9c2a-0b3e5c7d9f03", "Season 2 Trailer",
             datetime(2026, 2, 23, 8), "94", MEGA + "HRB9000000001.mp3?updated=1771833600",
             "1504000", season="2", episode_type="Trailer", explicit="no")],
    ),
    "buzzsprout.xml": (
        {"title": "Small Batch Coffee", "author": "Mia Okafor", "language": "en-us",
         "categories": "Arts|Food|Business", "explicit": "false",
         "podcast_guid": "5e0b2c8a-7f3d-5a1e-9b4c-2d6f8e0a1c3b"},
        [_ep("Buzzsprout-16500002", "Dialing in Espresso", datetime(2026, 3, 4, 17), "1665",
             BUZZ + "episodes/16500002-dialing-in-espresso.mp3", "26694656", season="3",
             number="7", episode_type="full", explicit="false",
             transcript=BUZZ + "16500002/transcript",  # the first listed, not the captions
             chapters=BUZZ + "16500002/chapters.json"),
         # no itunes:season/episode: podcast:season/episode stand in
         _ep("Buzzsprout-16400001", "Cupping at Home", datetime(2026, 2, 25, 17), "27:45",
             BUZZ + "episodes/16400001-cupping-at-home.mp3", "22000000", season="3",
             number="6", episode_type="full", explicit="false",
             transcript=BUZZ + "16400001/transcript.srt")],
    ),
    "latin1.xml": (
        {"title": "Café Crème", "language": "fr", "description": "Émissions sur le café."},
        [_ep("cafe-2", "L'épisode 2: été à Montréal", datetime(2026, 3, 2, 6), "00:34:10",
             "https://cafe.example/2.mp3", "2048000")],
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_good_fixture_parses_to_the_expected_episodes(name: str):
    channel, episodes = EXPECTED[name]
    feed = parse((FEEDS / name).read_bytes())
    assert feed.problems == [] and feed.item_problems == []
    assert {k: feed.channel[k] for k in channel} == channel
    assert [{k: item[k] for k in FIELDS} for item in feed.items] == episodes
    assert [item["item_index"] for item in feed.items] == list(range(len(episodes)))


def test_cdata_descriptions_keep_their_html():
    feed = parse((FEEDS / "anchor.xml").read_bytes())
    assert feed.items[0]["description"].startswith("<p>Ward 7 at 3")
    assert "show notes" in feed.items[0]["description"]
    assert feed.channel["description"] == "<p>Stories from people who work while we sleep.</p>"


def test_published_example_takes_the_first_transcript_not_the_captions():
    feed = parse((SHARED / "fixtures" / "feeds" / "podcast-namespace-example.xml").read_bytes())
    assert feed.items[0]["transcript_url"] == "https://example.com/ep3/transcript.txt"
    assert feed.items[0]["season"] == "1"
    assert feed.channel["explicit"] == "false"
    assert feed.channel["author"] == "john@example.com (John Doe)"
