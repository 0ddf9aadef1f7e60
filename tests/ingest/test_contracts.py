"""The data contracts on both targets: a clean synthetic world passes, the world's injected
bad deliveries are caught exactly (each file with the expectation it breaks, as its ground
truth lists), and only the files handed over are read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.contract import TABLES, table
from core.settings import Settings
from core.warehouse import Warehouse, connect
from ingest.load.contracts import (
    LIMITS,
    ContractReport,
    Limits,
    check_load,
    failing_files,
    held_back,
    suite,
    validate,
)
from ingest.load.loader import load_table
from synth.bad_landing import TRUTH_FILE
from synth.config import WorldConfig
from synth.world import generate_world


def _load_and_validate(settings: Settings, bad_landing: bool) -> dict[str, ContractReport]:
    generate_world(settings.landing_dir.parent, WorldConfig(
        seed=5, listeners=600, days=7, bad_landing=bad_landing))
    wh = connect(settings)
    try:
        reports = {}
        for t in TABLES:
            loaded = load_table(wh, settings.landing_dir, t)
            changed = [f.path for f in loaded.files if f.status in ("loaded", "replaced")]
            reports[t.name] = validate(wh, t, changed)
        return reports
    finally:
        wh.close()


def _caught(reports: dict[str, ContractReport]) -> set[tuple[str, str, str, bool]]:
    return {(name, path, f.expectation.name, f.blocking)
            for name, r in reports.items() for f in r.findings for path in f.files}


def test_a_clean_world_passes_every_contract(settings: Settings):
    reports = _load_and_validate(settings, bad_landing=False)
    assert _caught(reports) == set()
    assert reports["access_logs"].rows > 1000 and reports["access_logs"].expectations >= 10


def test_the_injected_bad_deliveries_are_caught_exactly(settings: Settings):
    reports = _load_and_validate(settings, bad_landing=True)
    truth = json.loads((settings.landing_dir.parent / "ground_truth" / TRUTH_FILE).read_text())
    assert _caught(reports) == {(t["table"], t["file"], t["expectation"], t["blocking"])
                                for t in truth}
    [negative] = reports["orders"].blocking
    assert negative.describe() == ("revenue within 0 to 10000000: 3 row(s) outside, values "
                                   "from -27 to -25 (conversions/orders_refunds.csv)")
    [unknown] = reports["engagement_events"].warnings
    assert unknown.observed == "20 row(s) with FOLLOW, like"


def _access_logs(landing: Path, name: str, rows: list[dict[str, object]]) -> None:
    (landing / "access_logs").mkdir(parents=True, exist_ok=True)
    (landing / "access_logs" / name).write_text("".join(json.dumps(r) + "\n" for r in rows))


REQUEST = {"timestamp": "2026-03-02T09:14:09Z", "ip": "203.0.113.7", "user_agent": "Overcast",
           "method": "GET", "url": "https://cdn.example/a.mp3", "status": 200, "range": "",
           "bytes_sent": 1000, "referer": ""}


@pytest.fixture
def wh(settings: Settings):
    _access_logs(settings.landing_dir, "old.jsonl", [{**REQUEST, "method": "PUT"}] * 3)
    _access_logs(settings.landing_dir, "new.jsonl", [REQUEST] * 3)
    warehouse = connect(settings)
    load_table(warehouse, settings.landing_dir, table("access_logs"))
    yield warehouse
    warehouse.close()


def test_only_the_files_handed_over_are_validated(wh: Warehouse):
    logs = table("access_logs")
    assert validate(wh, logs, ["access_logs/new.jsonl"]).findings == []
    report = validate(wh, logs, ["access_logs/old.jsonl", "access_logs/new.jsonl"])
    assert [(f.expectation.name, f.files) for f in report.findings] == [
        ("method:values", ("access_logs/old.jsonl",))]
    assert validate(wh, logs, []).expectations == 0  # nothing loaded: nothing read


def test_a_late_file_is_stale_against_what_the_table_already_holds(
        wh: Warehouse, settings: Settings):
    _access_logs(settings.landing_dir, "late.jsonl",
                 [{**REQUEST, "timestamp": "2026-01-01T09:00:00Z"}] * 3)
    load_table(wh, settings.landing_dir, table("access_logs"))
    [finding] = validate(wh, table("access_logs"), ["access_logs/late.jsonl"]).warnings
    assert (finding.expectation.name, finding.observed, finding.files) == (
        "timestamp:freshness", "newest row up to 60 days older", ("access_logs/late.jsonl",))


def test_a_failing_file_is_held_until_a_corrected_file_replaces_it(
        wh: Warehouse, settings: Settings, monkeypatch: pytest.MonkeyPatch):
    logs = table("access_logs")
    monkeypatch.setitem(LIMITS, "access_logs", Limits(ranges={"bytes_sent": (0, 999)}))
    assert check_load(wh, logs, ["access_logs/new.jsonl"]).blocking
    assert failing_files(wh, logs) == ["access_logs/new.jsonl"]
    assert held_back(wh) == ["access_logs"]
    # nothing changed: the file is checked again, still failing
    assert check_load(wh, logs, []).files == ["access_logs/new.jsonl"]
    assert held_back(wh) == ["access_logs"]
    _access_logs(settings.landing_dir, "new.jsonl", [{**REQUEST, "bytes_sent": 10}] * 3)
    changed = [f.path for f in load_table(wh, settings.landing_dir, logs).files
               if f.status == "replaced"]
    assert changed == ["access_logs/new.jsonl"]
    assert check_load(wh, logs, changed).blocking == []
    assert failing_files(wh, logs) == [] and held_back(wh) == []


def test_a_required_value_missing_past_the_loader_blocks(wh: Warehouse):
    """Defence in depth: a required field the loader let through (a regression) blocks."""
    wh.execute("update raw.access_logs set url = null where _source_file = 'access_logs/new.jsonl'")
    [finding] = validate(wh, table("access_logs"), ["access_logs/new.jsonl"]).blocking
    assert (finding.expectation.name, finding.observed) == ("url:required", "3 row(s)")


def test_a_raw_table_that_lost_a_column_fails_the_schema(wh: Warehouse):
    wh.execute("alter table raw.access_logs drop column referer")
    report = validate(wh, table("access_logs"), ["access_logs/new.jsonl"])
    assert [f.expectation.name for f in report.blocking] == ["schema"]
    assert "missing ['referer']" in report.blocking[0].observed


def test_thresholds_are_the_limits_table(wh: Warehouse):
    strict = Limits(ranges={"bytes_sent": (0, 999)})
    [finding] = validate(wh, table("access_logs"), ["access_logs/new.jsonl"], strict).findings
    assert (finding.expectation.name, finding.blocking) == ("bytes_sent:range", True)
    assert finding.observed == "3 row(s) outside, values from 1000 to 1000"


def test_suites_come_from_the_contract_and_the_limits():
    assert set(LIMITS) <= {t.name for t in TABLES}
    for t in TABLES:
        names = {e.name for e in suite(t)}
        assert {f"{c.name}:required" for c in t.columns if c.required} <= names
        assert {f"{c.name}:range" for c in t.columns if c.minimum is not None} <= names
        assert "schema" in names
    blocking = {e.name: e.blocking for e in suite(table("access_logs"))}
    assert blocking["status:range"] and blocking["url:required"]
    assert not blocking["user_agent:empty_share"] and not blocking["timestamp:freshness"]
