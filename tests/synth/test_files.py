"""Every landing file parses back and has exactly the contract's columns."""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import gzip
import json
from pathlib import Path

import feedparser
import pandas as pd
import pyarrow.parquet as pq

from core.contract import TABLES


def _rows(p: Path) -> tuple[list[str], list[dict]]:
    if p.name.endswith(".parquet"):
        t = pq.read_table(p)
        return t.column_names, t.slice(0, 50).to_pylist()
    if p.name.endswith(".csv"):
        with p.open(newline="") as f:
            r = csv.DictReader(f)
            rows = list(r)
            return list(r.fieldnames or []), rows
    opener = gzip.open if p.name.endswith(".gz") else open
    with opener(p, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    keys = [list(r) for r in rows]
    assert all(k == keys[0] for k in keys), p
    return (keys[0] if keys else []), rows


def _tables_for(folder: str, name: str) -> list:
    return [t for t in TABLES if t.source == folder
            and any(fnmatch.fnmatch(name, pat) for pat in t.patterns)]


def test_every_file_matches_exactly_one_table_and_its_columns(small_world: Path) -> None:
    landing = small_world / "landing"
    seen = set()
    for p in sorted(landing.rglob("*")):
        if not p.is_file() or p.relative_to(landing).parts[0] == "feeds":  # XML, transcripts
            continue
        tabs = _tables_for(p.parent.name, p.name)
        assert len(tabs) == 1, p
        cols, rows = _rows(p)
        assert rows, p
        assert cols == tabs[0].column_names, p
        seen.add(tabs[0].name)
    assert seen == {t.name for t in TABLES}


def test_world_json_counts_match_files(small_world: Path) -> None:
    w = json.loads((small_world / "world.json").read_text())
    for rel, n in w["files"].items():
        p = small_world / "landing" / rel
        if rel.startswith("feeds/"):  # items per feed, cues per transcript
            continue
        if p.name.endswith(".parquet"):
            assert pq.read_metadata(p).num_rows == n
        elif p.name.endswith(".csv"):
            assert len(pd.read_csv(p)) == n
        else:
            opener = gzip.open if p.name.endswith(".gz") else open
            with opener(p, "rt") as f:
                assert sum(1 for _ in f) == n
    assert w["counting"]["default_window_type"] in w["counting"]["window_types"]
    assert w["counting"]["abusive_ip_threshold"] == 1000


def test_access_logs_mix_formats_and_valid_timestamps(small_world: Path) -> None:
    logs = sorted((small_world / "landing" / "access_logs").iterdir())
    assert {p.name.split(".", 1)[1] for p in logs} == {"jsonl", "jsonl.gz", "parquet"}
    offsets = set()
    for p in logs:
        _, rows = _rows(p)
        for r in rows[:2000]:
            ts = dt.datetime.fromisoformat(r["timestamp"])
            assert ts.utcoffset() is not None
            offsets.add(r["timestamp"][-6:])
            assert isinstance(r["status"], int) and isinstance(r["bytes_sent"], int)
    assert "+00:00" in offsets and len(offsets) > 1


def test_hosted_shows_have_api_data_and_no_logs(small_world: Path) -> None:
    shows = pd.read_csv(small_world / "landing" / "shows" / "shows.csv", keep_default_na=False)
    hosted = set(shows.loc[shows["hosting_provider"] != "", "show_id"])
    assert hosted
    api = pd.concat(pd.read_json(p, lines=True)
                    for p in (small_world / "landing" / "hosting_api").glob("*.jsonl"))
    assert set(api["show_id"]) == hosted
    for p in (small_world / "landing" / "access_logs").iterdir():
        _, rows = _rows(p)
        assert not any(f"/{s}/" in r["url"] for r in rows for s in hosted)


def test_feeds_parse_with_namespaces_and_quirks(small_world: Path) -> None:
    shows = pd.read_csv(small_world / "landing" / "shows" / "shows.csv", keep_default_na=False)
    quirks = {"missing_guid": 0, "dup_guid": 0, "bad_date": 0, "no_length": 0, "no_dur": 0,
              "prefixed": 0, "mmss": 0, "seconds": 0, "hms": 0}
    for sid, url in zip(shows["show_id"], shows["feed_url"], strict=True):
        d = feedparser.parse(str(small_world / "landing" / url))
        assert not d.bozo, (url, d.get("bozo_exception"))  # well-formed XML, strictly
        assert d.feed.title and d.feed.get("podcast_guid")
        assert "itunes_explicit" in d.feed and d.feed.tags and d.feed.image.href
        assert d.feed.get("author") and d.feed.get("language") == "en-us"
        guids = [e.get("id") for e in d.entries]
        quirks["missing_guid"] += sum(g is None for g in guids)
        quirks["dup_guid"] += len([g for g in guids if g]) - len({g for g in guids if g})
        for e in d.entries:
            assert e.get("itunes_episode") and e.get("itunes_episodetype")
            assert e.podcast_transcript["url"] and e.podcast_chapters["url"]
            enc = e.enclosures[0]
            assert f"/{sid}/" in enc.href
            quirks["prefixed"] += "podtrac.com" in enc.href
            quirks["no_length"] += not enc.get("length")
            quirks["bad_date"] += e.get("published_parsed") is None
            dur = e.get("itunes_duration")
            if dur is None:
                quirks["no_dur"] += 1
            else:
                quirks[{0: "seconds", 1: "mmss", 2: "hms"}[dur.count(":")]] += 1
    assert all(v > 0 for v in quirks.values()), quirks


def test_sponsor_reads_carry_codes(small_world: Path) -> None:
    codes = pd.read_csv(small_world / "landing" / "bookings" / "campaign_codes.csv")
    text = "".join(p.read_text() for p in (small_world / "landing" / "feeds").glob("*.xml"))
    assert all(c in text for c in codes["code"])
