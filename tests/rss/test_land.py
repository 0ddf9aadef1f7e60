"""Landing the fixture feeds: good ones land, bad ones are quarantined (on both targets)."""

from __future__ import annotations

import shutil

from core.settings import Settings
from ingest.rss.land import land_feeds
from tests.rss.conftest import FEEDS, open_warehouse

GOOD = {"libsyn": 2, "anchor": 2, "megaphone": 3, "buzzsprout": 2, "latin1": 1,
        "wrong-encoding": 1, "duplicate-guids": 5, "malformed-dates": 8}
BAD = ("not-xml", "html-error", "truncated")


def _landing(settings: Settings) -> list[tuple[str, str]]:
    feeds = settings.landing_dir / "feeds"
    feeds.mkdir(parents=True)
    for path in FEEDS.glob("*.xml"):
        shutil.copy(path, feeds / path.name)
    return [(name, f"feeds/{name}.xml") for name in (*GOOD, *BAD)] + [
        ("missing", "feeds/missing.xml")]  # (a blank feed_url is quarantined by the loader)


def test_bad_feeds_are_quarantined_by_show_while_good_feeds_land(settings: Settings):
    wh = open_warehouse(settings, _landing(settings))
    try:
        report = land_feeds(wh, settings.landing_dir)
        assert (report.fetched, report.rejected, report.failed) == (len(GOOD), 3, 1)
        assert report.new_items == sum(GOOD.values())
        landed = dict(wh.fetchall("select show_id, count(*) from raw.rss_items group by 1"))
        assert landed == GOOD
        fetched = {s for (s,) in wh.fetchall("select show_id from raw.rss_fetches")}
        assert fetched == set(GOOD)  # no fetch row for a body that is not a feed
        reasons = {r for (r,) in wh.fetchall(
            "select reason from raw.quarantine where source_table = 'rss_fetches'")}
        expected_starts = {
            "show not-xml: not an RSS feed: not XML",
            "show html-error: not an RSS feed: an HTML page ('502 Bad Gateway')",
            "show truncated: truncated feed: the document ends before </rss>",
            "show missing: cannot read feed file",
            "show wrong-encoding: wrong encoding: document declared as utf-8",
        }
        assert len(reasons) == len(expected_starts)
        for start in expected_starts:
            assert any(r.startswith(start) for r in reasons), start
        raw = wh.fetchall("select raw_record from raw.quarantine where reason like "
                          "'show html-error:%'")
        assert "502 Bad Gateway" in raw[0][0]  # the rejected body is kept for a human
        items = sorted(r for (r,) in wh.fetchall(
            "select reason from raw.quarantine where source_table = 'rss_items'"))
        assert len(items) == 5  # 2 dates, 1 duplicate, 1 no-identity, 1 duration
        assert all(r.startswith(("show malformed-dates: item", "show duplicate-guids: item"))
                   for r in items)
    finally:
        wh.close()


def test_rerun_adds_nothing_and_raw_keeps_text_in_its_real_encoding(settings: Settings):
    wh = open_warehouse(settings, _landing(settings))
    try:
        land_feeds(wh, settings.landing_dir)
        counts = ("select (select count(*) from raw.rss_items), (select count(*) from "
                  "raw.rss_fetches), (select count(*) from raw.rss_channels), "
                  "(select count(*) from raw.quarantine)")
        before = wh.fetchall(counts)
        again = land_feeds(wh, settings.landing_dir)
        assert again.new_items == 0 and again.unchanged == len(GOOD)
        assert wh.fetchall(counts) == before
        body = wh.fetchall("select body from raw.rss_fetches where show_id = 'latin1'")[0][0]
        assert "<title>Café Crème</title>" in body
        titles = wh.fetchall("select title from raw.rss_channels where show_id in "
                             "('latin1', 'wrong-encoding')")
        assert {t for (t,) in titles} == {"Café Crème"}
    finally:
        wh.close()


def test_a_feed_that_turns_into_an_error_page_keeps_its_episodes(settings: Settings):
    feeds = settings.landing_dir / "feeds"
    feeds.mkdir(parents=True)
    shutil.copy(FEEDS / "megaphone.xml", feeds / "show.xml")
    wh = open_warehouse(settings, [("mega", "feeds/show.xml")])
    try:
        land_feeds(wh, settings.landing_dir)
        for bad in ("html-error.xml", "truncated.xml"):
            shutil.copy(FEEDS / bad, feeds / "show.xml")
            report = land_feeds(wh, settings.landing_dir)
            assert report.rejected == 1 and report.new_items == 0
        assert wh.fetchall("select count(*) from raw.rss_items")[0][0] == 3
        assert wh.fetchall("select count(*) from raw.rss_fetches")[0][0] == 1
        # once the feed is fixed and changes, it lands again
        shutil.copy(FEEDS / "megaphone.xml", feeds / "show.xml")
        assert land_feeds(wh, settings.landing_dir).unchanged == 1
    finally:
        wh.close()


def test_nul_characters_do_not_break_the_load(settings: Settings):
    feeds = settings.landing_dir / "feeds"
    feeds.mkdir(parents=True)
    body = (FEEDS / "libsyn.xml").read_bytes().replace(b"Compost Myths</title>",
                                                       b"Compost\x00 Myths</title>")
    (feeds / "nul.xml").write_bytes(body)
    wh = open_warehouse(settings, [("nul", "feeds/nul.xml")])
    try:
        report = land_feeds(wh, settings.landing_dir)
        assert report.fetched == 1 and report.new_items == 2
        assert "\x00" not in wh.fetchall("select body from raw.rss_fetches")[0][0]
    finally:
        wh.close()
