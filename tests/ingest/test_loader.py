"""The loader on both targets: bulk, idempotent, and bad rows quarantined with reasons."""

from __future__ import annotations

import gzip
import ipaddress
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.contract import TABLES, table
from core.settings import Settings
from core.warehouse import connect
from ingest.load.loader import LandingError, load_all, load_table

GOOD = {"timestamp": "2026-03-02T09:14:09+02:00", "ip": "203.0.113.7",
        "user_agent": "Overcast/3.0", "method": "GET", "url": "https://cdn.example/a.mp3",
        "status": 206, "range": "bytes=0-", "bytes_sent": 1000, "referer": ""}


def _write_logs(landing: Path) -> None:
    logs = landing / "access_logs"
    logs.mkdir(parents=True)
    lines = [json.dumps(GOOD), "{not json", "", json.dumps([1, 2]),
             json.dumps({**GOOD, "status": "two hundred"}),
             json.dumps({k: v for k, v in GOOD.items() if k != "ip"}),
             json.dumps({**GOOD, "timestamp": "2026-03-02T23:30:00-05:00"})]
    (logs / "day1.jsonl").write_text("\n".join(lines) + "\n")
    with gzip.open(logs / "day2.jsonl.gz", "wt") as fh:
        fh.write(json.dumps({**GOOD, "method": "HEAD"}) + "\n")
    pq.write_table(pa.Table.from_pylist([{**GOOD, "status": 200, "bytes_sent": 5},
                                         {**GOOD, "ip": None}]), logs / "day3.parquet")


def _write_registry(landing: Path) -> None:
    (landing / "shows").mkdir(parents=True)
    (landing / "shows" / "shows.csv").write_text(
        "tenant_id,show_id,title,feed_url,hosting_provider,header_bytes\n"
        'acme,s1,"Comma, Show",feeds/s1.xml,,\n'
        ",s2,Two,feeds/s2.xml,transistor,131072\n"
        "acme,s3,Three,feeds/s3.xml,,lots\n"
        "acme,s4,Four\n"
        "acme,s5,Five,feeds/s5.xml,,\n"
    )


@pytest.fixture
def landing(settings: Settings) -> Path:
    _write_logs(settings.landing_dir)
    _write_registry(settings.landing_dir)
    return settings.landing_dir


def test_good_rows_load_typed_and_bad_rows_are_quarantined(settings: Settings, landing: Path):
    wh = connect(settings)
    try:
        reports = {r.table: r for r in load_all(wh, landing,
                                                [table("shows"), table("access_logs")])}
        assert reports["access_logs"].rows == 4  # day1: 2 good, day2: 1, day3: 1
        rows = wh.fetchall('select "timestamp", status, _source_file, _source_line '
                           "from raw.access_logs order by _source_file, _source_line")
        # Offsets are converted to UTC instants: 09:14+02:00 is 07:14Z; 23:30-05:00 is 04:30Z.
        assert [(str(ts), f, line) for ts, _, f, line in rows] == [
            ("2026-03-02 07:14:09", "access_logs/day1.jsonl", 1),
            ("2026-03-03 04:30:00", "access_logs/day1.jsonl", 7),
            ("2026-03-02 07:14:09", "access_logs/day2.jsonl.gz", 1),
            ("2026-03-02 07:14:09", "access_logs/day3.parquet", 1),
        ]
        bad = wh.fetchall("select source_file, source_line, reason from raw.quarantine "
                          "order by source_file, source_line")
        assert bad == [
            ("access_logs/day1.jsonl", 2, "not valid JSON"),
            ("access_logs/day1.jsonl", 4, "not a JSON object"),
            ("access_logs/day1.jsonl", 5, "field status: cannot read 'two hundred' as int"),
            ("access_logs/day1.jsonl", 6, "missing required field ip"),
            ("access_logs/day3.parquet", 2, "missing required field ip"),
            ("shows/shows.csv", 4, "field header_bytes: cannot read 'lots' as bigint"),
            ("shows/shows.csv", 5, "MISSING COLUMNS: Expected Number of Columns: 6 Found: 3"),
        ]
        shows = wh.fetchall("select tenant_id, show_id, title, header_bytes, _source_line "
                            "from raw.shows order by show_id")
        assert shows == [("acme", "s1", "Comma, Show", None, 2),
                         ("default", "s2", "Two", 131072, 3),  # empty tenant: the default
                         ("acme", "s5", "Five", None, 6)]
    finally:
        wh.close()


def test_loading_twice_adds_nothing_and_a_changed_file_replaces_its_rows(
        settings: Settings, landing: Path):
    wh = connect(settings)
    try:
        tables = [table("shows"), table("access_logs")]
        load_all(wh, landing, tables)
        counts = ("select (select count(*) from raw.access_logs), "
                  "(select count(*) from raw.quarantine)")
        first = wh.fetchall(counts)
        second_reports = load_all(wh, landing, tables)
        assert wh.fetchall(counts) == first
        assert all(f.status == "unchanged" for r in second_reports for f in r.files)

        (landing / "access_logs" / "day2.jsonl.gz").write_bytes(
            gzip.compress((json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n").encode()))
        report = load_table(wh, landing, table("access_logs"))
        assert [f.status for f in report.files] == ["unchanged", "replaced", "unchanged"]
        assert wh.fetchall(counts)[0][0] == first[0][0] + 1  # 1 row became 2
    finally:
        wh.close()


def test_missing_registry_names_the_file(settings: Settings):
    settings.landing_dir.mkdir(parents=True)
    wh = connect(settings)
    try:
        with pytest.raises(LandingError, match=r"shows/\*\.csv"):
            load_table(wh, settings.landing_dir, table("shows"))
        # An optional source with no files is a warning, not a failure.
        report = load_table(wh, settings.landing_dir, table("orders"))
        assert report.rows == 0 and "no landing files for raw.orders" in report.warnings[0]
    finally:
        wh.close()


def test_unreadable_file_is_quarantined_whole(settings: Settings):
    logs = settings.landing_dir / "access_logs"
    logs.mkdir(parents=True)
    (logs / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    (logs / "cols.jsonl").write_text(json.dumps(GOOD) + "\n")
    pq.write_table(pa.table({"timestamp": ["2026-03-01T00:00:00Z"]}), logs / "narrow.parquet")
    wh = connect(settings)
    try:
        report = load_table(wh, settings.landing_dir, table("access_logs"))
        status = {f.path: f.status for f in report.files}
        assert status == {"access_logs/broken.parquet": "unreadable",
                          "access_logs/cols.jsonl": "loaded",
                          "access_logs/narrow.parquet": "unreadable"}
        reasons = dict(wh.fetchall("select source_file, reason from raw.quarantine"))
        assert "broken.parquet" in reasons["access_logs/broken.parquet"]
        # required columns name the problem; optional ones (user_agent, range...) may be absent
        assert "missing column(s) ip, method, url" in reasons["access_logs/narrow.parquet"]
    finally:
        wh.close()


def test_every_contract_table_has_a_landing_pattern_and_unique_columns():
    for t in TABLES:
        assert t.patterns, t.name
        assert len(set(t.column_names)) == len(t.column_names), t.name


def test_optional_columns_may_be_absent(settings: Settings):
    shows = settings.landing_dir / "shows"
    shows.mkdir(parents=True)
    (shows / "shows.csv").write_text("show_id,feed_url\ns1,feeds/s1.xml\n")
    wh = connect(settings)
    try:
        report = load_table(wh, settings.landing_dir, table("shows"))
        assert report.rows == 1 and report.quarantined == 0
        assert wh.fetchall("select tenant_id, show_id, title, header_bytes from raw.shows") == [
            ("default", "s1", None, None)]
    finally:
        wh.close()


def test_ip_country_reference_loads_like_any_csv(settings: Settings):
    """DB-IP's layout plus a header loads through the generic CSV path; bad rows are
    quarantined with their reason; without the folder it's a warning."""
    settings.landing_dir.mkdir(parents=True)
    wh = connect(settings)
    try:
        report = load_table(wh, settings.landing_dir, table("ip_countries"))
        assert report.rows == 0 and "no landing files for raw.ip_countries" in report.warnings[0]

        geo = settings.landing_dir / "geo"
        geo.mkdir(parents=True)
        (geo / "dbip-country-lite-2026-03.csv").write_text(
            "ip_start,ip_end,country_code\n"
            "1.0.0.0,1.0.0.255,AU\n"
            "2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP\n"
            "1.0.1.0,1.0.3.255\n"
            "1.0.4.0,1.0.7.255,\n"
            "0.0.0.0,0.255.255.255,ZZ\n"
        )
        report = load_table(wh, settings.landing_dir, table("ip_countries"))
        assert (report.rows, report.quarantined, report.warnings) == (3, 2, [])
        rows = wh.fetchall("select ip_start, ip_end, country_code, _source_file, _source_line "
                           "from raw.ip_countries order by _source_line")
        f = "geo/dbip-country-lite-2026-03.csv"
        assert rows == [("1.0.0.0", "1.0.0.255", "AU", f, 2),
                        ("2001:200::", "2001:200:ffff:ffff:ffff:ffff:ffff:ffff", "JP", f, 3),
                        ("0.0.0.0", "0.255.255.255", "ZZ", f, 6)]
        bad = wh.fetchall("select source_file, source_line, reason from raw.quarantine "
                          "order by source_line")
        assert bad == [(f, 4, "MISSING COLUMNS: Expected Number of Columns: 3 Found: 2"),
                       (f, 5, "missing required field country_code")]
    finally:
        wh.close()


# Spellings of an address as logs write them, and text that is none. The verdict is Python's
# `ipaddress` (a peer implementation), once brackets, a port and a zone id are taken off.
IP_SPELLINGS = [
    "203.0.113.7", " 203.0.113.7 ", "0.0.0.0", "255.255.255.255", "203.0.113.7:443",
    "2001:db8::1", "2001:DB8::1", "2001:0db8:0000:0000:0000:0000:0000:0001", "::", "::1",
    "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "::ffff:203.0.113.7", "::ffff:cb00:7107",
    "0:0:0:0:0:FFFF:203.0.113.7", "1:2:3:4:5::1.2.3.4", "fe80::1%eth0", "[2001:db8::1]:443",
    "[2001:db8::1]",
    # none
    "999.1.1.1", "256.1.1.1", "1.2.3", "1.2.3.4.5", "010.1.1.1", "hello", "::g", "1::2::3",
    "12345::1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":1::2", "1:::2", "2001:db8::1:",
    "::ffff:256.1.1.1", "1:2:3:4:5:6::1.2.3.4", "[203.0.113.7]:80", "203.0.113.7x", "-",
]


def _is_ip(text: str) -> bool:
    v = text.strip().lower()
    decorated = (re.fullmatch(r"\[([^\]]*:[^\]]*)\](:\d{1,5})?", v)  # [v6]:port
                 or re.fullmatch(r"([\d.]+):\d{1,5}", v))  # v4:port
    if decorated:
        v = decorated[1]
    if "%" in v and ":" in v:
        v = v.split("%", 1)[0]
    try:
        ipaddress.ip_address(v)
    except ValueError:
        return False
    return True


def test_text_that_is_no_ip_address_is_quarantined_with_its_reason(settings: Settings):
    logs = settings.landing_dir / "access_logs"
    logs.mkdir(parents=True)
    (logs / "ips.jsonl").write_text("".join(json.dumps({**GOOD, "ip": ip}) + "\n"
                                            for ip in IP_SPELLINGS))
    conversions = settings.landing_dir / "conversions"
    conversions.mkdir(parents=True)
    (conversions / "orders.csv").write_text(
        "sponsor_id,order_id,ordered_at,revenue,currency,discount_code,landing_url,buyer_ip\n"
        "sp1,o1,2026-03-04T18:22:05+00:00,54,USD,,,1.2.3\n"  # no address: quarantined
        "sp1,o2,2026-03-04T18:22:05+00:00,54,USD,,,\n"  # none given: an order without one
        "sp1,o3,2026-03-04T18:22:05+00:00,54,USD,,,  \n")
    wh = connect(settings)
    try:
        report = load_table(wh, settings.landing_dir, table("access_logs"))
        valid = [ip for ip in IP_SPELLINGS if _is_ip(ip)]
        assert report.rows == len(valid) and report.quarantined == len(IP_SPELLINGS) - len(valid)
        assert [ip for (ip,) in wh.fetchall(
            "select ip from raw.access_logs order by _source_line")] == [ip.strip() for ip in valid]
        reasons = dict(wh.fetchall("select source_line, reason from raw.quarantine"))
        assert sorted(reasons) == [line for line, ip in enumerate(IP_SPELLINGS, 1)
                                   if not _is_ip(ip)]
        line = IP_SPELLINGS.index
        assert reasons[line("999.1.1.1") + 1] == ("field ip: '999.1.1.1' is not an IPv4 or IPv6 "
                                                 "address (a number over 255, or with a "
                                                 "leading zero)")
        assert reasons[line("1.2.3") + 1].endswith("(not four numbers)")
        assert reasons[line("1::2::3") + 1].endswith("(two '::')")
        assert reasons[line("::g") + 1].endswith("(not hexadecimal)")
        assert reasons[line("hello") + 1] == "field ip: 'hello' is not an IPv4 or IPv6 address"

        report = load_table(wh, settings.landing_dir, table("orders"))
        assert (report.rows, report.quarantined) == (2, 1)
        assert wh.fetchall("select order_id, buyer_ip from raw.orders order by order_id") == [
            ("o2", None), ("o3", None)]
        assert wh.fetchall("select source_line, reason from raw.quarantine "
                           "where source_table = 'orders'") == [
            (2, "field buyer_ip: '1.2.3' is not an IPv4 or IPv6 address (not four numbers)")]
    finally:
        wh.close()


def _rows_by_file(wh) -> dict[str, int]:
    return dict(wh.fetchall("select _source_file, count(*) from raw.access_logs group by 1"))


def test_a_file_delivered_again_under_a_new_name_is_skipped_and_reported(
        settings: Settings, landing: Path):
    logs = landing / "access_logs"
    (logs / "empty-a.jsonl").write_text("")  # two empty files: no rows to duplicate
    (logs / "empty-b.jsonl").write_text("")
    wh = connect(settings)
    try:
        first = load_table(wh, landing, table("access_logs"))
        assert {f.status for f in first.files} == {"loaded"}
        before = _rows_by_file(wh)
        # a later delivery repeats day1 under a new name, twice
        for name in ("day1-resent.jsonl", "zz-day1-again.jsonl"):
            (logs / name).write_bytes((logs / "day1.jsonl").read_bytes())
        report = load_table(wh, landing, table("access_logs"))
        statuses = {f.path: f.status for f in report.files}
        assert statuses["access_logs/day1-resent.jsonl"] == "duplicate"
        assert statuses["access_logs/zz-day1-again.jsonl"] == "duplicate"
        assert "2 duplicate(s) skipped" in report.summary()
        assert _rows_by_file(wh) == before
        reasons = wh.fetchall("select reason from raw.quarantine "
                              "where source_file = 'access_logs/day1-resent.jsonl'")
        assert len(reasons) == 1 and reasons[0][0].startswith("duplicate file: the same content")
        assert reasons[0][0].endswith("as access_logs/day1.jsonl, already loaded: skipped")
        again = load_table(wh, landing, table("access_logs"))
        assert {f.status for f in again.files} == {"unchanged"}  # reported once, then quiet
    finally:
        wh.close()


def test_two_copies_arriving_together_load_once(settings: Settings, landing: Path):
    logs = landing / "access_logs"
    (logs / "day1-copy.jsonl").write_bytes((logs / "day1.jsonl").read_bytes())
    wh = connect(settings)
    try:
        report = load_table(wh, landing, table("access_logs"))
        statuses = sorted(f.status for f in report.files if "day1" in f.path)
        assert statuses == ["duplicate", "loaded"]
        assert wh.fetchall("select count(*) from raw.access_logs") == [(4,)]
    finally:
        wh.close()


def test_a_duplicate_loads_once_its_original_changes(settings: Settings, landing: Path):
    logs = landing / "access_logs"
    (logs / "day4.jsonl").write_bytes((logs / "day1.jsonl").read_bytes())
    wh = connect(settings)
    try:
        load_table(wh, landing, table("access_logs"))
        assert "access_logs/day4.jsonl" not in _rows_by_file(wh)
        # the original is replaced: its old content now lives only in day4, which loads
        # in the same run (duplicates are judged after every original has loaded)
        (logs / "day1.jsonl").write_text(json.dumps({**GOOD, "bytes_sent": 7}) + "\n")
        report = load_table(wh, landing, table("access_logs"))
        statuses = {f.path: f.status for f in report.files}
        assert statuses["access_logs/day1.jsonl"] == "replaced"
        assert statuses["access_logs/day4.jsonl"] == "replaced"
        assert _rows_by_file(wh)["access_logs/day4.jsonl"] == 2
        assert _rows_by_file(wh)["access_logs/day1.jsonl"] == 1
        assert wh.fetchall("select count(*) from raw.quarantine where source_file = "
                           "'access_logs/day4.jsonl' and reason like 'duplicate%'") == [(0,)]
    finally:
        wh.close()


def test_rows_the_models_cant_use_are_quarantined_with_their_reason(settings: Settings,
                                                                   landing: Path):
    """One row each that used to stop or hang a run: a time at infinity or in year 1 or
    2099, a negative size, an impossible status, a NUL in text (Postgres can't store it)."""
    bad = {
        2: ({"timestamp": "infinity"},
            "field timestamp: 'infinity' is outside the accepted timestamps, 2000-01-01 to "),
        3: ({"timestamp": "0001-01-01T00:00:00Z"}, "field timestamp: '0001-01-01T00:00:00Z'"),
        4: ({"timestamp": "2099-03-02T00:00:00Z"}, "field timestamp: '2099-03-02T00:00:00Z'"),
        5: ({"bytes_sent": -5}, "field bytes_sent: '-5' is outside 0 to any"),
        6: ({"status": 999}, "field status: '999' is outside 0 to 599"),
        7: ({"user_agent": "Overcast\u0000/3.0"}, "field user_agent: contains a NUL character"),
        8: ({"url": "https://cdn.example/\u0000a.mp3"}, "field url: contains a NUL character"),
    }
    logs = landing / "access_logs"
    lines = [json.dumps(GOOD)] + [json.dumps({**GOOD, **change}) for change, _ in bad.values()]
    lines.append(json.dumps({**GOOD, "status": 0}))  # Akamai's 000: a status the rules know
    (logs / "day9.jsonl").write_text("\n".join(lines) + "\n")
    wh = connect(settings)
    try:
        _load_day9_and_check_reasons(wh, landing, bad)
        good = wh.fetchall("select _source_line from raw.access_logs "
                           "where _source_file = 'access_logs/day9.jsonl' order by 1")
        assert good == [(1,), (9,)]
    finally:
        wh.close()


def _load_day9_and_check_reasons(wh, landing: Path,
                                 bad: dict[int, tuple[dict, str]]) -> None:
    """Load access_logs/day9.jsonl: each line of `bad` quarantined with a reason starting
    with the text given for it, and no other line."""
    load_table(wh, landing, table("access_logs"))
    reasons = dict(wh.fetchall("select source_line, reason from raw.quarantine "
                               "where source_file = 'access_logs/day9.jsonl'"))
    assert set(reasons) == set(bad)
    for line, (_, start) in bad.items():
        assert reasons[line].startswith(start), (line, reasons[line])


def test_the_future_allowed_is_a_setting(settings: Settings, landing: Path):
    from datetime import UTC, datetime, timedelta

    soon = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    (landing / "access_logs" / "day9.jsonl").write_text(
        json.dumps({**GOOD, "timestamp": soon}) + "\n")
    wh = connect(settings)
    try:
        load_table(wh, landing, table("access_logs"))  # 2 days by default: quarantined
        assert _rows_by_file(wh).get("access_logs/day9.jsonl") is None
        (landing / "access_logs" / "day9.jsonl").write_text(
            json.dumps({**GOOD, "timestamp": soon, "referer": "x"}) + "\n")
        load_table(wh, landing, table("access_logs"), future_days=7)
        assert _rows_by_file(wh)["access_logs/day9.jsonl"] == 1
    finally:
        wh.close()


def test_files_carrying_the_loaders_column_names_are_refused_whole(settings: Settings,
                                                                   landing: Path):
    logs = landing / "access_logs"
    pq.write_table(pa.Table.from_pylist([{**GOOD, "status": 200, "_source_line": 1},
                                         {**GOOD, "status": 200, "_source_line": 1}]),
                   logs / "day8.parquet")
    (landing / "shows" / "shows.csv").write_text(
        "tenant_id,show_id,title,feed_url,_LOADED_AT\nacme,s1,One,feeds/s1.xml,x\n")
    wh = connect(settings)
    try:
        reports = {r.table: r for r in load_all(wh, landing,
                                                [table("shows"), table("access_logs")])}
        files = {f.path: f for r in reports.values() for f in r.files}
        assert files["access_logs/day8.parquet"].status == "unreadable"
        assert "column(s) _source_line are reserved" in files["access_logs/day8.parquet"].message
        assert files["shows/shows.csv"].status == "unreadable"
        assert "column(s) _LOADED_AT are reserved" in files["shows/shows.csv"].message
        assert "access_logs/day8.parquet" not in _rows_by_file(wh)
    finally:
        wh.close()


def test_a_raw_nul_byte_in_a_line_is_quarantined_without_it(settings: Settings,
                                                            landing: Path):
    """A NUL byte in the file itself (not JSON's \\u0000 escape) reaches the quarantine's
    record text, which Postgres can't store: the record keeps the line without it."""
    line = json.dumps({**GOOD, "user_agent": "Over<NUL>cast"}).encode()
    (landing / "access_logs" / "day9.jsonl").write_bytes(
        line.replace(b"<NUL>", b"\x00") + b"\n" + line.replace(b"<NUL>", b"") + b"\n")
    wh = connect(settings)
    try:
        load_table(wh, landing, table("access_logs"))
        rows = wh.fetchall("select source_line, reason, raw_record from raw.quarantine "
                           "where source_file = 'access_logs/day9.jsonl'")
        assert len(rows) == 1 and rows[0][0] == 1
        assert "\x00" not in rows[0][2] and "Overcast" in rows[0][2]
        assert _rows_by_file(wh)["access_logs/day9.jsonl"] == 1
    finally:
        wh.close()


@pytest.mark.parametrize("damage", ["truncated", "corrupted"])
def test_a_damaged_gzip_is_refused_whole(settings: Settings, landing: Path, damage: str):
    """A byte flipped inside a gzip stream decompresses to garbage that DuckDB's reader
    loads without an error; the CRC catches it. Nothing of the file loads."""
    lines = "\n".join(json.dumps({**GOOD, "bytes_sent": i}) for i in range(20_000)) + "\n"
    data = bytearray(gzip.compress(lines.encode()))
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 2] ^= 0xFF
    (landing / "access_logs" / "day9.jsonl.gz").write_bytes(bytes(data))
    wh = connect(settings)
    try:
        report = load_table(wh, landing, table("access_logs"))
        day9 = next(f for f in report.files if f.path == "access_logs/day9.jsonl.gz")
        assert day9.status == "unreadable"
        assert "corrupted or truncated gzip" in day9.message
        assert "access_logs/day9.jsonl.gz" not in _rows_by_file(wh)
    finally:
        wh.close()


def _registry_rows(wh) -> list[tuple[str, str]]:
    return wh.fetchall("select show_id, title from raw.shows order by show_id")


def test_a_bad_quote_quarantines_its_line_not_the_file(settings: Settings, landing: Path):
    (landing / "shows" / "shows.csv").write_text(
        "tenant_id,show_id,title,feed_url\n"
        'acme,s1,"A "quoted" word",feeds/s1.xml\n'
        "acme,s2,Two,feeds/s2.xml\n"
        "acme,s3,Three,feeds/s3.xml\n")
    wh = connect(settings)
    try:
        report = load_table(wh, landing, table("shows"))
        assert report.files[0].status == "loaded"
        assert _registry_rows(wh) == [("s2", "Two"), ("s3", "Three")]
        [(line, reason)] = wh.fetchall("select source_line, reason from raw.quarantine")
        assert line == 2 and "UNQUOTED VALUE" in reason
    finally:
        wh.close()


def test_header_case_and_a_banner_above_it_are_tolerated(settings: Settings, landing: Path):
    (landing / "shows" / "shows.csv").write_text(
        "Exported by RegistryTool 4.2 on 2026-03-01\n"
        " TENANT_ID , Show_ID,Title,FEED_URL\n"
        "acme,s1,One,feeds/s1.xml\n")
    wh = connect(settings)
    try:
        load_table(wh, landing, table("shows"))
        assert wh.fetchall("select show_id, _source_line from raw.shows") == [("s1", 3)]
        assert wh.fetchall("select source_line, reason, raw_record from raw.quarantine") == [
            (1, "a line above the header", "Exported by RegistryTool 4.2 on 2026-03-01")]
    finally:
        wh.close()


def test_a_csv_without_a_header_near_the_top_is_refused_whole(settings: Settings,
                                                              landing: Path):
    (landing / "shows" / "shows.csv").write_text("acme,s1,One,feeds/s1.xml\n")
    wh = connect(settings)
    try:
        [f] = load_table(wh, landing, table("shows")).files
        assert f.status == "unreadable"
        assert "no header naming feed_url, show_id in the first 20 lines" in f.message
    finally:
        wh.close()


def test_a_show_id_stays_with_the_tenant_that_registered_it_first(settings: Settings,
                                                                  landing: Path):
    """A registry row from another tenant with a taken show_id would have moved the show and
    its downloads to that tenant; it is quarantined with the reason instead."""
    wh = connect(settings)
    try:
        load_table(wh, landing, table("shows"))
        (landing / "shows" / "zz-northwind.csv").write_text(
            "tenant_id,show_id,title,feed_url\n"
            "northwind,s1,Taken,feeds/n1.xml\n"
            "northwind,n2,Free,feeds/n2.xml\n")
        report = load_table(wh, landing, table("shows"))
        owners = dict(wh.fetchall("select show_id, tenant_id from raw.shows "
                                  "where show_id in ('s1', 'n2')"))
        assert owners == {"s1": "acme", "n2": "northwind"}
        [(line, reason)] = wh.fetchall(
            "select source_line, reason from raw.quarantine "
            "where source_file = 'shows/zz-northwind.csv'")
        assert line == 2
        assert reason.startswith("show_id s1 belongs to tenant acme, which registered it first")
        assert any("tenant northwind can't move it" in w for w in report.warnings)
    finally:
        wh.close()


def test_a_raw_carriage_return_in_an_unquoted_field_quarantines_its_line(
        settings: Settings, landing: Path):
    """A CR without an LF after it, outside quotes, made DuckDB's reader refuse the whole
    file ("state machine reached an invalid state"); now only its line is quarantined. In
    quotes it is part of the value; a bare CR at the very end is the last line's end."""
    (landing / "shows" / "shows.csv").write_bytes(
        b"Export\rtool\r\n"
        b"tenant_id,show_id,title,feed_url\r\n"
        b"acme,s1,On\re,feeds/s1.xml\r\n"
        b'acme,s2,"Tw\ro",feeds/s2.xml\r\n'
        b"acme,s3,Three,feeds/s3.xml\r\r\n"
        b'acme,s4,x"y\rz,feeds/s4.xml\r\n'
        b"acme,s5,Five,feeds/s5.xml\r")
    wh = connect(settings)
    try:
        [f] = load_table(wh, landing, table("shows")).files
        assert (f.status, f.rows, f.quarantined) == ("loaded", 2, 4)
        assert wh.fetchall("select show_id, title, _source_line from raw.shows "
                           "order by show_id") == [("s2", "Tw\ro", 4), ("s5", "Five", 7)]
        cr = "a raw carriage return (CR) inside an unquoted field"
        assert wh.fetchall("select source_line, reason, raw_record from raw.quarantine "
                           "order by source_line") == [
            (1, "a line above the header", "Export\rtool"),
            (3, cr, "acme,s1,On\re,feeds/s1.xml"),
            (5, cr, "acme,s3,Three,feeds/s3.xml\r"),
            (6, cr, 'acme,s4,x"y\rz,feeds/s4.xml')]
    finally:
        wh.close()


def test_a_raw_carriage_return_in_a_json_line_quarantines_the_line(settings: Settings,
                                                                   landing: Path):
    """The JSON Lines reader stopped at a stray CR just like the CSV one, refusing the file."""
    line = json.dumps(GOOD)
    (landing / "access_logs" / "day9.jsonl").write_bytes(
        (line.replace('"GET"', '"G\rET"') + "\n" + line + "\n").encode())
    wh = connect(settings)
    try:
        load_table(wh, landing, table("access_logs"))
        assert _rows_by_file(wh)["access_logs/day9.jsonl"] == 1
        assert wh.fetchall("select source_line, reason from raw.quarantine "
                           "where source_file = 'access_logs/day9.jsonl'") == [
            (1, "a raw carriage return (CR) inside the line")]
    finally:
        wh.close()


def test_times_without_an_offset_and_numbers_that_arent_their_type_are_quarantined(
        settings: Settings, landing: Path):
    """DuckDB's casts read a time without an offset as UTC, `PST` as some -08:00 and +25:00
    as an offset; round 12.5 into a bigint; take NaN and inf as doubles. All quarantined."""
    bad = {
        2: ({"timestamp": "2026-03-02T07:14:09"}, "field timestamp: '2026-03-02T07:14:09' "
                                                 "has no UTC offset"),
        3: ({"timestamp": "2026-03-02 07:14:09 PST"}, "field timestamp: '2026-03-02 07:14:09 "
                                                     "PST' has no UTC offset"),
        4: ({"timestamp": "2026-03-02T07:14:09+25:00"}, "field timestamp: '2026-03-02T07:14:"
                                                       "09+25:00' has no UTC offset"),
        5: ({"bytes_sent": 12.5}, "field bytes_sent: cannot read '12.5' as bigint"),
        6: ({"status": "0x10"}, "field status: cannot read '0x10' as int"),
        7: ({"timestamp": "2026-03-02"}, "field timestamp: '2026-03-02' has no UTC offset"),
    }
    lines = [json.dumps(GOOD)] + [json.dumps({**GOOD, **change}) for change, _ in bad.values()]
    lines += [json.dumps({**GOOD, "timestamp": "2026-03-02T07:14:09-12:00", "status": 200.0})]
    (landing / "access_logs" / "day9.jsonl").write_text("\n".join(lines) + "\n")
    (landing / "conversions").mkdir()
    (landing / "conversions" / "orders.csv").write_text(
        "sponsor_id,order_id,ordered_at,revenue\n"
        "sp1,o1,2026-03-04T18:22:05Z,NaN\n"
        "sp1,o2,2026-03-04T18:22:05Z,-inf\n"
        "sp1,o3,2026-03-04T18:22:05Z,1e400\n"
        "sp1,o4,2026-03-04T18:22:05Z,-54.5\n")  # a refund: negative, but finite
    wh = connect(settings)
    try:
        _load_day9_and_check_reasons(wh, landing, bad)
        assert wh.fetchall("select _source_line, status from raw.access_logs "
                           "where _source_file = 'access_logs/day9.jsonl' order by 1") == [
            (1, 206), (8, 200)]
        load_table(wh, landing, table("orders"))
        assert wh.fetchall("select order_id, revenue from raw.orders") == [("o4", -54.5)]
        assert [r for (r,) in wh.fetchall("select reason from raw.quarantine where "
                                          "source_table = 'orders' order by source_line")] == [
            "field revenue: 'NaN' is not a finite number",
            "field revenue: '-inf' is not a finite number",
            "field revenue: '1e400' is not a finite number"]
    finally:
        wh.close()


def test_a_bom_before_a_space_padded_first_name_is_still_the_header(settings: Settings,
                                                                    landing: Path):
    """The BOM was stripped after the spaces, leaving ' show_id': no header was found."""
    (landing / "shows" / "shows.csv").write_bytes(
        "\ufeff SHOW_ID ,feed_url\ns1,feeds/s1.xml\n".encode())
    wh = connect(settings)
    try:
        [f] = load_table(wh, landing, table("shows")).files
        assert (f.status, f.rows, f.quarantined) == ("loaded", 1, 0)
    finally:
        wh.close()


def test_an_overlong_line_near_the_top_of_a_csv_is_no_crash(settings: Settings,
                                                            landing: Path):
    """Python's csv module raised 'field larger than field limit' on a line over 128 KiB
    while the loader looked for the header: the whole load stopped."""
    long = "x" * 200_000
    (landing / "shows" / "shows.csv").write_text(
        f"{long}\ntenant_id,show_id,title,feed_url\nacme,s1,One,feeds/s1.xml\n")
    (landing / "shows" / "zz-nameless.csv").write_text(f"{long},feeds/s2.xml\n")
    wh = connect(settings)
    try:
        files = {f.path: f for f in load_table(wh, landing, table("shows")).files}
        assert (files["shows/shows.csv"].rows, files["shows/shows.csv"].quarantined) == (1, 1)
        assert files["shows/zz-nameless.csv"].status == "unreadable"
        assert "no header naming" in files["shows/zz-nameless.csv"].message
    finally:
        wh.close()
