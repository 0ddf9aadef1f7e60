"""A load that quarantines a flood of rows fails its table's quarantine_share check (an
error, not blocking) and logs an error; its good rows still load. A clean load passes."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from core.contract import table
from dagster_project.defs.ingest.assets import QUARANTINE_CHECK, landing_asset, raw_key
from dagster_project.resources import WarehouseResource

GOOD = {"timestamp": "2026-03-02T09:14:09Z", "ip": "203.0.113.7", "user_agent": "Overcast",
        "method": "GET", "url": "https://cdn.example/a.mp3", "status": 200, "range": "",
        "bytes_sent": 1000, "referer": ""}


def _materialise(tmp_path: Path, good: int, bad: int) -> dg.ExecuteInProcessResult:
    logs = tmp_path / "landing" / "access_logs"
    logs.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({**GOOD, "bytes_sent": i}) for i in range(good)]
    lines += [json.dumps({**GOOD, "bytes_sent": -1 - i}) for i in range(bad)]
    (logs / f"day{good}-{bad}.jsonl").write_text("\n".join(lines) + "\n")
    warehouse = WarehouseResource(warehouse="duckdb", duckdb_path=str(tmp_path / "w.duckdb"),
                                  landing_dir=str(tmp_path / "landing"))
    return dg.materialize([landing_asset(table("access_logs"))],
                          resources={"warehouse": warehouse}, raise_on_error=False)


def _check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    [evaluation] = [e for e in result.get_asset_check_evaluations()
                    if e.asset_check_key.name == QUARANTINE_CHECK]
    assert evaluation.asset_key == raw_key("access_logs")
    return evaluation


@pytest.fixture(autouse=True)
def _default_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PODWH_QUARANTINE_ALERT_SHARE", raising=False)


def test_a_flood_of_quarantined_rows_fails_the_check_and_good_rows_load(tmp_path: Path):
    result = _materialise(tmp_path, good=90, bad=10)
    assert result.success  # the check is an alarm, not a stop
    evaluation = _check(result)
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert evaluation.description.startswith(
        "10 of 100 rows read (10.0%) quarantined, over the 1.0% alert share")
    assert "field bytes_sent: '-1' is outside 0 to any" in evaluation.description
    [materialization] = result.asset_materializations_for_node("raw__access_logs")
    assert materialization.metadata["rows_loaded"].value == 90


def test_a_few_quarantined_rows_pass_and_the_share_is_a_setting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    assert _check(_materialise(tmp_path, good=999, bad=1)).passed  # 0.1%
    monkeypatch.setenv("PODWH_QUARANTINE_ALERT_SHARE", "0.0001")
    assert not _check(_materialise(tmp_path, good=998, bad=1)).passed
