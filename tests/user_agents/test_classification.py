"""int_user_agents_classified on the real engines (DuckDB and Postgres), through dbt.

Every example of every OPAWG entry is written to raw.access_logs, the lists are loaded, and
`dbt build --select +int_user_agents_classified` runs in a subprocess. The expected
classification is computed here independently, in Python with `re` on the ORIGINAL
patterns: an example classifies to its own entry, or to an earlier entry in match order
where the lists overlap (those overlaps are listed by `overlaps()`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from core.contract import table
from core.ddl import arrow_batch
from core.settings import DEFAULT_OPAWG_DIR, Settings
from core.warehouse import connect
from ingest.user_agents import OTHER_LISTS, UA_LISTS, load_lists

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt"
DBT = Path(sys.executable).with_name("dbt")
# the copy the product ships (seeds/), as every run loads it by default
OPAWG = DEFAULT_OPAWG_DIR

# (user agent, is_bot, is_apple_watch_duplicate) beyond the lists' own examples; the watch
# duplicates are also OPAWG bots ("Apple Podcasts (Watch)": ^atc/|\(null\) watchOS/)
EXTRA = [
    ("MyCrawler/1.0 (+https://example.com)", True, False),
    ("totally-not-a-BOT/2", True, False),
    ("SpiderMonkeyPod/1", True, False),
    ("Fancy Podcast Player/1.0 (Linux)", False, False),
    ("atc/1.0 watchOS/7.1 model/Watch4,2 hwp/t8006 build/18R590 (6; dt:191)", True, True),
    ("(null)/(null) watchOS/5.0.1 model/Watch3,3 hwp/t8004 build/16R381 (6; dt:155)",
     True, True),
    ("atc/1.0", True, False),
    ("Podcasts/1.0 (null) watchOS/7.0", True, False),
    ("Podcasts/1.0 watchOS/7.0", False, False),
]


def _entries(name: str) -> list[dict[str, Any]]:
    return json.loads((OPAWG / f"{name}.json").read_text(encoding="utf-8"))["entries"]


UA_ENTRIES = [(lst, i, e) for lst in UA_LISTS for i, e in enumerate(_entries(lst))]
DEVICES = _entries("devices")
assert "devices" in OTHER_LISTS
_UA_COMPILED = [(lst, i, e, re.compile(e["pattern"])) for lst, i, e in UA_ENTRIES]
_DEVICES_COMPILED = [(i, e, re.compile(e["pattern"])) for i, e in enumerate(DEVICES)]


@cache
def first_entry(ua: str) -> tuple[str, int, dict] | None:
    """The first entry, in the lists' match order, whose original pattern matches `ua`."""
    return next(((lst, i, e) for lst, i, e, rx in _UA_COMPILED if rx.search(ua)), None)


@cache
def first_device(ua: str) -> tuple[int, dict] | None:
    return next(((i, e) for i, e, rx in _DEVICES_COMPILED if rx.search(ua)), None)


OS_RULES = [  # the model's os_name rules, on the lower-cased user agent, first match wins
    ("watchOS", r"watchos|watch os|^watch/[0-9]"), ("tvOS", r"apple ?tv|apple_tv|tvos"),
    ("iPadOS", "ipad"), ("iOS", r"iphone|ipod|(^|[^a-z])ios([^a-z]|$)"),
    ("Android", "android"),
    ("macOS", r"macintosh|mac os x|macos|darwin/[0-9.]+ \((x86_64|arm64)\)"),
    ("iOS", "cfnetwork/|darwin/"), ("Windows", "windows"), ("Linux", "linux|x11"),
]


def os_name(ua: str) -> str | None:
    return next((name for name, rx in OS_RULES if re.search(rx, ua.lower())), None)


def order(lst: str, i: int) -> tuple[int, int]:
    return UA_LISTS.index(lst), i


def overlaps() -> list[tuple[str, str, str]]:
    """(example, its entry, the earlier entry that claims it) wherever the lists overlap."""
    found = []
    for lst, i, e in UA_ENTRIES:
        for ua in e.get("examples", []):
            first = first_entry(ua)
            if first is not None and first[:2] != (lst, i):
                found.append((ua, f"{lst}/{e['name']}", f"{first[0]}/{first[2]['name']}"))
    for i, e in enumerate(DEVICES):
        for ua in e.get("examples", []):
            first = first_device(ua)
            if first is not None and first[0] != i:
                found.append((ua, f"devices/{e['name']}", f"devices/{first[1]['name']}"))
    return found


def user_agents() -> list[str | None]:
    uas = {ua for _, _, e in UA_ENTRIES for ua in e.get("examples", [])}
    uas |= {ua for e in DEVICES for ua in e.get("examples", [])}
    uas |= {ua for ua, _, _ in EXTRA}
    return [*sorted(uas), "", None, None, ""]


def write_requests(settings: Settings, uas: list[str | None]) -> None:
    rows = [{"timestamp": datetime(2026, 3, 2, 8, 0), "ip": "203.0.113.7", "user_agent": ua,
             "method": "GET", "url": "https://cdn.example.com/s1/e1.mp3", "status": 200,
             "range": "", "bytes_sent": 1000, "referer": "", "_source_file": "ua_test.jsonl",
             "_source_line": n, "_loaded_at": datetime(2026, 3, 3)}
            for n, ua in enumerate(uas, start=1)]
    wh = connect(settings)
    try:
        report = load_lists(wh, OPAWG)
        assert report.status == "loaded" and report.warnings == []
        wh.append("access_logs", [arrow_batch(table("access_logs"), rows)])
    finally:
        wh.close()  # DuckDB: dbt must be the only writer


def dbt_build(settings: Settings, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PODWH_")}
    env |= settings.dbt_env() | {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    # cautious: only tests whose parents are all built here (not marts' tests on raw tables)
    cmd = [str(DBT), "build", "--select", "+int_user_agents_classified",
           "--indirect-selection", "cautious",
           "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
           "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
           "--no-partial-parse"]
    result = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0 and "ERROR=0" in result.stdout, (
        f"dbt build failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")


def test_every_example_classifies_to_its_entry(settings: Settings, tmp_path: Path) -> None:
    uas = user_agents()
    write_requests(settings, uas)
    dbt_build(settings, tmp_path)
    wh = connect(settings)
    try:
        rows = wh.fetch_dicts("select * from intermediate.int_user_agents_classified")
    finally:
        wh.close()
    got = {r["user_agent"]: r for r in rows}
    assert len(rows) == len(got) == len({ua or "" for ua in uas})  # null and '' are one row

    # (a) apps, bots, libraries, browsers: own entry or an earlier, overlapping one
    for lst, i, entry in UA_ENTRIES:
        for ua in entry.get("examples", []):
            first = first_entry(ua)
            assert first is not None and order(*first[:2]) <= order(lst, i), (lst, entry, ua)
            row = got[ua]
            assert (row["matched_list"], row["app_name"]) == (first[0], first[2]["name"]), ua
    # devices likewise
    for i, entry in enumerate(DEVICES):
        for ua in entry.get("examples", []):
            first = first_device(ua)
            assert first is not None and first[0] <= i, (entry, ua)
            assert got[ua]["device_name"] == first[1]["name"], ua
            assert got[ua]["device_category"] == first[1]["category"], ua

    # every row against the independent expectation, the bot rule included (b)
    for ua, row in got.items():
        first, device = first_entry(ua), first_device(ua)
        assert row["app_name"] == (first[2]["name"] if first else None), ua
        assert row["device_name"] == (device[1]["name"] if device else None), ua
        expected_bot = bool(
            (first and first[0] == "bots")
            or (first and first[0] == "libraries" and first[2].get("category") == "bot")
            or re.search("bot|crawler|spider", ua, re.IGNORECASE)
        )
        assert row["is_bot"] is expected_bot, ua
        # (c) Apple Watch duplicates
        watch = (ua.startswith("atc/") and "watchOS" in ua) or "(null)/(null) watchOS" in ua
        assert row["is_apple_watch_duplicate"] is watch, ua
        assert row["is_empty"] is (ua.strip() == ""), ua
        assert row["os_name"] == os_name(ua), ua
        assert row["user_agent_id"] == hashlib.md5(ua.encode()).hexdigest(), ua

    for ua, is_bot, is_watch in EXTRA:
        assert (got[ua]["is_bot"], got[ua]["is_apple_watch_duplicate"]) == (is_bot, is_watch)
    # a library with category bot is a bot, one without is not
    assert got["Python/3.10 aiohttp/3.9.3"]["is_bot"] is True
    assert got["Python/3.10 aiohttp/3.9.3"]["matched_list"] == "libraries"
    assert got[""]["is_empty"] and got[""]["app_name"] is None
    assert got["atc/1.0 watchOS/6.2 model/Watch3,3 hwp/t8004 build/17T529 (6; dt:155)"][
        "os_name"] == "watchOS"
