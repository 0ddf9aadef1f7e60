"""RSS landing: the Podcast Namespace example parses; reruns add nothing; bad feeds are
quarantined with the show and the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.contract import table
from core.settings import Settings
from core.warehouse import connect
from ingest.load.loader import load_table
from ingest.rss.land import land_feeds
from ingest.rss.parse import parse
from tests.conftest import SHARED

EXAMPLE = SHARED / "fixtures" / "feeds" / "podcast-namespace-example.xml"


def test_podcast_namespace_example_parses_channel_and_items():
    feed = parse(EXAMPLE.read_bytes())
    assert feed.channel["title"] == "Podcasting 2.0 Namespace Example"
    assert feed.channel["podcast_guid"] == "y0ur-gu1d-g035-h3r3"
    assert feed.channel["categories"] == "Technology|News|Tech News"
    first = feed.items[0]
    assert first["guid"] == "https://example.com/ep0003"
    assert first["enclosure_url"] == "https://example.com/file-03.mp3"
    assert first["enclosure_length"] == "43200000"
    assert first["episode_number"] == "3"
    assert first["chapters_url"] == "https://example.com/ep3_chapters.json"
    assert str(first["published_at"]) == "2020-10-09 04:30:38"
    assert feed.problems == []


def _registry(landing: Path, rows: list[tuple[str, str]]) -> None:
    (landing / "shows").mkdir(parents=True, exist_ok=True)
    body = "tenant_id,show_id,title,feed_url,hosting_provider,header_bytes\n"
    body += "".join(f"t1,{show},,{url},,\n" for show, url in rows)
    (landing / "shows" / "shows.csv").write_text(body)


def test_landing_feeds_is_idempotent_and_quarantines_bad_feeds(settings: Settings):
    landing = settings.landing_dir
    (landing / "feeds").mkdir(parents=True)
    shutil.copy(EXAMPLE, landing / "feeds" / "good.xml")
    (landing / "feeds" / "error.xml").write_text("<html><body>502 Bad Gateway</body></html>")
    _registry(landing, [("good", "feeds/good.xml"), ("html", "feeds/error.xml"),
                        ("gone", "feeds/missing.xml")])
    wh = connect(settings)
    try:
        load_table(wh, landing, table("shows"))
        first = land_feeds(wh, landing)
        assert (first.new_items, first.failed) == (3, 1)
        counts = ("select (select count(*) from raw.rss_items), "
                  "(select count(*) from raw.rss_fetches), (select count(*) from raw.quarantine)")
        before = wh.fetchall(counts)
        second = land_feeds(wh, landing)
        assert second.new_items == 0 and wh.fetchall(counts) == before
        reasons = sorted(r for (r,) in wh.fetchall("select reason from raw.quarantine"))
        assert reasons[0].startswith("show gone: cannot read feed file")
        assert "missing.xml" in reasons[0]
        assert reasons[1].startswith("show html: not an RSS feed")
    finally:
        wh.close()
