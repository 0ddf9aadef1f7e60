"""`dbt build` of the whole project on DuckDB and on Postgres, on an empty raw schema and on
a small hand-made raw dataset whose dim_shows / dim_episodes rows are worked out by hand.

Runs dbt in a subprocess (as the orchestrator does) with --project-dir/--profiles-dir pointing
at the repo's dbt folder and target/log paths in a temp dir, so parallel runs don't collide.
The Postgres half uses a throw-away database (the `settings` fixture) and is skipped when
the server is unreachable.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from core.settings import Settings, dbt_salt_env
from core.warehouse import connect

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt"
DBT = Path(sys.executable).with_name("dbt")

LINEAGE = ("_source_file", "_source_line", "_loaded_at")
LOADED_AT = "2026-03-03 00:00:00"
E1_URL = "https://dts.podtrac.com/redirect.mp3/op3.dev/e/cdn.acme.example/s1/e1.mp3?aid=rss"

# The hand-made world: one show fetched twice. Quirks: a guid repeated in one feed, an
# item without guid (identity = enclosure URL), an episode that vanishes from the second
# fetch, an unparseable pubDate, durations as HH:MM:SS / fractional seconds / garbage,
# enclosure URLs behind measurement-prefix chains, a garbage enclosure length.
RAW_ROWS: dict[str, list[dict]] = {
    "shows": [
        {
            "tenant_id": "acme",
            "show_id": "s1",
            "title": "The Registry Title",
            "feed_url": "feeds/s1.xml",
            "hosting_provider": None,
            "header_bytes": 5000,
        },
    ],
    "rss_fetches": [
        {
            "fetch_id": "f1",
            "tenant_id": "acme",
            "show_id": "s1",
            "feed_url": "feeds/s1.xml",
            "fetched_at": "2026-03-01 10:00:00",
            "http_status": 200,
        },
        {
            "fetch_id": "f2",
            "tenant_id": "acme",
            "show_id": "s1",
            "feed_url": "feeds/s1.xml",
            "fetched_at": "2026-03-02 10:00:00",
            "http_status": 200,
        },
    ],
    "rss_channels": [
        {"fetch_id": "f1", "show_id": "s1", "title": "Old Channel Title", "explicit": "yes"},
        {
            "fetch_id": "f2",
            "show_id": "s1",
            "title": "The Channel",
            "explicit": "no",
            "language": "en",
        },
    ],
    "rss_items": [
        # fetch 1
        {
            "fetch_id": "f1",
            "show_id": "s1",
            "item_index": 0,
            "guid": "g1",
            "title": "Ep 1 old",
            "pub_date": "Mon, 02 Mar 2026 07:00:00 +0000",
            "published_at": "2026-03-02 07:00:00",
            "duration": "1:02:03",
            "enclosure_url": E1_URL,
            "enclosure_length": "12345",
            "enclosure_type": "audio/mpeg",
            "season": "1",
            "episode_number": "1",
            "episode_type": "Full",
            "explicit": "yes",
        },
        {
            "fetch_id": "f1",
            "show_id": "s1",
            "item_index": 1,
            "guid": "g2",
            "title": "Ep 2 vanished",
            "pub_date": "sometime in March",
            "published_at": None,
            "duration": "about an hour",
            "enclosure_url": "https://cdn.acme.example/s1/e2.mp3",
            "enclosure_length": "abc",
        },
        # fetch 2: g1 retitled, a duplicate g1 further down, a new item without guid, g2 gone
        {
            "fetch_id": "f2",
            "show_id": "s1",
            "item_index": 0,
            "guid": None,
            "title": "Ep 3 no guid",
            "pub_date": "Tue, 03 Mar 2026 09:30:00 +0100",
            "published_at": "2026-03-03 08:30:00",
            "duration": "3600.5",
            "enclosure_url": "https://chrt.fm/track/ABC12/pdst.fm/e/CDN.Acme.Example/s1/e3.mp3",
            "enclosure_length": "777",
            "enclosure_type": "audio/mpeg",
            "link": "  ",
        },
        {
            "fetch_id": "f2",
            "show_id": "s1",
            "item_index": 1,
            "guid": "g1",
            "title": "Ep 1 new",
            "pub_date": "Mon, 02 Mar 2026 07:00:00 +0000",
            "published_at": "2026-03-02 07:00:00",
            "duration": "01:02:03",
            "enclosure_url": E1_URL,
            "enclosure_length": "12345",
            "enclosure_type": "audio/mpeg",
            "season": "1",
            "episode_number": "1",
            "episode_type": "Full",
            "explicit": "yes",
            "transcript_url": "https://cdn.acme.example/s1/e1.vtt",
            "link": "https://acme.example/s1/episodes/1",
        },
        {
            "fetch_id": "f2",
            "show_id": "s1",
            "item_index": 2,
            "guid": "g1",
            "title": "Ep 1 duplicate",
            "published_at": "2020-01-01 00:00:00",
            "duration": "5",
            "enclosure_url": "https://cdn.acme.example/s1/dup.mp3",
        },
    ],
    "access_logs": [
        {
            "timestamp": "2026-03-02 08:00:00",
            "ip": "2001:db8::1",
            "user_agent": "Overcast/3.0",
            "method": "GET",
            "url": "https://dts.podtrac.com/redirect.mp3/cdn.acme.example/s1/e1.mp3",
            "status": 206,
            "range": "bytes=0-",
            "bytes_sent": 12345,
            "referer": "",
        },
        {
            "timestamp": "2026-03-02 08:05:00",
            "ip": "203.0.113.7",
            "user_agent": "",
            "method": "HEAD",
            "url": "https://cdn.acme.example/s1/e1.mp3",
            "status": 200,
            "range": "",
            "bytes_sent": 0,
            "referer": None,
        },
    ],
    "quarantine": [
        {
            "source_table": "access_logs",
            "source_file": "access_logs/a.jsonl",
            "source_line": 3,
            "reason": "invalid JSON",
            "raw_record": "{oops",
            "quarantined_at": LOADED_AT,
        },
        {  # the IPs in a quarantined row stay in raw (the address below is bad on purpose)
            "source_table": "access_logs",
            "source_file": "access_logs/a.jsonl",
            "source_line": 4,
            "reason": "field ip: '203.0.113.77.5' is not an IPv4 or IPv6 address",
            "raw_record": '{"ip": "203.0.113.77.5", "referer": "http://[2001:db8::7]/x", '
                          '"forwarded": "2001:db8:0:0:1:2:3:4, 198.51.100.9"}',
            "quarantined_at": LOADED_AT,
        },
    ],
}


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


EXPECTED_EPISODES = {
    _md5("s1|g1"): {
        "tenant_id": "acme",
        "show_id": "s1",
        "guid": "g1",
        "title": "Ep 1 new",
        "published_at": datetime(2026, 3, 2, 7, 0),
        "published_date": date(2026, 3, 2),
        "duration_seconds": 3723,
        "enclosure_url_normalized": "cdn.acme.example/s1/e1.mp3",
        "enclosure_length_bytes": 12345,
        "enclosure_type": "audio/mpeg",
        "season": 1,
        "episode_number": 1,
        "episode_type": "full",
        "is_explicit": True,
        "transcript_url": "https://cdn.acme.example/s1/e1.vtt",
        "link": "https://acme.example/s1/episodes/1",
        "has_valid_pub_date": True,
        "first_seen_at": datetime(2026, 3, 1, 10, 0),
        "is_in_latest_feed": True,
    },
    _md5("s1|g2"): {
        "tenant_id": "acme",
        "show_id": "s1",
        "guid": "g2",
        "title": "Ep 2 vanished",
        "published_at": None,
        "published_date": None,
        "duration_seconds": None,
        "enclosure_url_normalized": "cdn.acme.example/s1/e2.mp3",
        "enclosure_length_bytes": None,
        "season": None,
        "episode_type": "full",
        "is_explicit": False,  # none on the item: the channel's (latest fetch: "no")
        "has_valid_pub_date": False,
        "first_seen_at": datetime(2026, 3, 1, 10, 0),
        "is_in_latest_feed": False,
    },
    _md5("s1|https://chrt.fm/track/ABC12/pdst.fm/e/CDN.Acme.Example/s1/e3.mp3"): {
        "tenant_id": "acme",
        "show_id": "s1",
        "guid": None,
        "title": "Ep 3 no guid",
        "published_at": datetime(2026, 3, 3, 8, 30),
        "published_date": date(2026, 3, 3),
        "duration_seconds": 3600,
        "enclosure_url_normalized": "cdn.acme.example/s1/e3.mp3",
        "enclosure_length_bytes": 777,
        "episode_type": "full",
        "link": None,  # a blank <link> is none
        "is_explicit": False,
        "has_valid_pub_date": True,
        "first_seen_at": datetime(2026, 3, 2, 10, 0),
        "is_in_latest_feed": True,
    },
}

EXPECTED_SHOW = {
    "tenant_id": "acme",
    "show_id": "s1",
    "title": "The Registry Title",
    "feed_url": "feeds/s1.xml",
    "hosting_provider": None,
    "header_bytes": 5000,
    "channel_title": "The Channel",
    "language": "en",
    "is_explicit": False,
    "is_in_registry": True,
    "episode_count": 3,
    "first_episode_published_at": datetime(2026, 3, 2, 7, 0),
    "latest_episode_published_at": datetime(2026, 3, 3, 8, 30),
    "channel_fetched_at": datetime(2026, 3, 2, 10, 0),
}


def insert_statements(placeholder: str) -> list[tuple[str, tuple]]:
    """Parameterised inserts for RAW_ROWS; lineage columns filled in (not for quarantine)."""
    statements = []
    for table, rows in RAW_ROWS.items():
        for line, row in enumerate(rows, start=1):
            values = dict(row)
            if table != "quarantine":
                values |= {
                    "_source_file": f"{table}/handmade",
                    "_source_line": line,
                    "_loaded_at": LOADED_AT,
                }
            cols = ", ".join(f'"{c}"' for c in values)
            marks = ", ".join(placeholder for _ in values)
            statements.append(
                (f'insert into raw."{table}" ({cols}) values ({marks})', tuple(values.values()))
            )
    return statements


def run_dbt(args: list[str], env_overrides: dict[str, str], tmp_path: Path,
            partial_parse: bool = False, check_summary: bool = True
            ) -> subprocess.CompletedProcess:
    """`dbt <args>` on the repo's project, target and logs under tmp_path; must succeed.
    `partial_parse`: reuse the parse of an earlier call with the same tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PODWH_")}
    env |= {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PODWH_IP_SALT": "pytest-salt"}
    env |= env_overrides
    env |= dbt_salt_env(env["PODWH_IP_SALT"])  # the salt reaches Postgres sessions this way
    cmd = [
        str(DBT),
        *args,
        "--project-dir",
        str(DBT_DIR),
        "--profiles-dir",
        str(DBT_DIR),
        "--target-path",
        str(tmp_path / "target"),
        "--log-path",
        str(tmp_path / "logs"),
        "--partial-parse" if partial_parse else "--no-partial-parse",
    ]
    result = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (
        f"dbt {args[0]} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    )
    if check_summary:
        assert "ERROR=0" in result.stdout
    return result


def run_dbt_build(env_overrides: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    return run_dbt(["build"], env_overrides, tmp_path)


def check_marts(fetch: Callable[[str], list[dict]]) -> None:
    episodes = {row["episode_id"]: row for row in fetch("select * from marts.dim_episodes")}
    assert set(episodes) == set(EXPECTED_EPISODES)
    for episode_id, expected in EXPECTED_EPISODES.items():
        got = {k: episodes[episode_id][k] for k in expected}
        assert got == expected, episode_id

    shows = fetch("select * from marts.dim_shows")
    assert len(shows) == 1
    assert {k: shows[0][k] for k in EXPECTED_SHOW} == EXPECTED_SHOW

    # IPs never leave the raw layer: staging holds only a salted key of the spelling, the
    # intermediate layer hashes of the canonical forms
    staged = fetch("select * from staging.stg_access_logs__requests order by _source_line")
    assert "ip" not in staged[0]
    requests = fetch("select * from intermediate.int_requests_enriched order by _source_line")
    assert "ip" not in requests[0]
    assert requests[0]["listener_ip_hash"] == _md5("pytest-salt|2001:db8:0:0")
    assert requests[0]["ip_hash"] == _md5("pytest-salt|2001:db8:0:0:0:0:0:1")
    assert requests[1]["listener_ip_hash"] == _md5("pytest-salt|203.0.113.7")
    assert requests[0]["url_normalized"] == "cdn.acme.example/s1/e1.mp3"


def check_source_freshness(env_overrides: dict[str, str], tmp_path: Path) -> None:
    """`dbt source freshness` computes every source's freshness on this target (a
    loaded_at_field that doesn't compare is an error) and at worst warns: the thresholds
    never fail a run (tests/dbt/test_project_rules.py checks every table has one)."""
    output = tmp_path / "sources.json"
    run_dbt(["source", "freshness", "--output", str(output)], env_overrides, tmp_path,
            check_summary=False)
    statuses = {r["unique_id"]: r["status"] for r in json.loads(output.read_text())["results"]}
    assert len(statuses) >= 20
    assert {uid: s for uid, s in statuses.items() if s not in ("pass", "warn")} == {}


def test_dbt_build(settings: Settings, tmp_path: Path) -> None:
    """Build on an empty raw schema, then on the hand-made rows, and check the marts."""
    connect(settings).close()  # creates the raw schema
    env = settings.dbt_env() | {"PODWH_IP_SALT": "pytest-salt"}
    run_dbt_build(env, tmp_path)

    wh = connect(settings)
    try:
        assert wh.fetchall("select count(*) from marts.dim_episodes") == [(0,)]
        for sql, params in insert_statements("?"):
            wh.execute(sql, params)
    finally:
        wh.close()  # DuckDB: dbt must be the only writer

    run_dbt_build(env, tmp_path)
    check_source_freshness(env, tmp_path)
    wh = connect(settings)
    try:
        check_marts(wh.fetch_dicts)
        check_quarantine_redacted(wh.fetchall)
        if settings.warehouse == "postgres":
            check_tables_analyzed(wh.fetchall)
    finally:
        wh.close()


def check_quarantine_redacted(fetchall: Callable[[str], list[tuple]]) -> None:
    """Past raw, a quarantined row shows its reason and an excerpt, IP addresses hidden."""
    rows = dict(fetchall("select source_line, reason || ' ' || coalesce(record_excerpt, '') "
                         "from staging.stg_loader__quarantine"))
    assert rows[3] == "invalid JSON {oops"
    shown = rows[4]
    for address in ("203.0.113.77", "2001:db8::7", "2001:db8:0:0:1:2:3:4", "198.51.100.9"):
        assert address not in shown
    assert shown.startswith("field ip: '<ip>.5' is not an IPv4 or IPv6 address")
    assert shown.count("<ip>") == 5


def check_tables_analyzed(fetchall: Callable[[str], list[tuple]]) -> None:
    """Postgres: every table dbt built has statistics (last_analyze: a manual analyze, not
    autovacuum's), or the planner guesses and picks nested loops over whole tables."""
    rows = fetchall(
        "select schemaname, relname, last_analyze from pg_stat_user_tables "
        "where schemaname in ('staging', 'intermediate', 'marts')"
    )
    assert len(rows) > 20, rows
    assert [(schema, table) for schema, table, analyzed in rows if analyzed is None] == []
