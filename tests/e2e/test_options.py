"""Counting options: dbt records the definition it built with, on both targets, as the
pipeline reads it back; a bad option is refused before anything runs. (That every path -
a `podwh` flag, a job's run config, the daily schedule - reaches dbt is checked by
test_counting, which counts the world under each window type through them.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.podwh import main
from core.backfill import definition_changes, definition_values, recorded_definition
from core.settings import ModelOptions, Settings
from tests.conftest import requires_postgres
from tests.e2e.conftest import open_warehouse

pytestmark = [pytest.mark.slow]  # xdist group: see conftest.py


def recorded(settings: Settings) -> list[tuple[str, str, str]]:
    wh = open_warehouse(settings)
    try:
        return recorded_definition(wh)
    finally:
        wh.close()


def test_a_bad_option_is_refused_before_anything_runs(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("PODWH_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    assert main(["transform", "--download-window-type", "weekly"]) == 2
    err = capsys.readouterr().err
    assert "--download-window-type='weekly'" in err and "calendar" in err
    assert not (tmp_path / "w.duckdb").exists()


def test_duckdb_records_the_definition(duckdb_warehouse: Settings) -> None:
    current = definition_values(ModelOptions(), duckdb_warehouse.ip_salt)
    built = recorded(duckdb_warehouse)
    assert {name for _, name, _ in built} == {
        "download_window_type", "default_header_bytes", "abusive_ip_threshold",
        "abusive_ip_allowlist", "default_tenant_id", "ip_salt_md5"}
    assert definition_changes(built, current) == []


@requires_postgres
@pytest.mark.postgres
def test_postgres_records_the_definition(postgres_warehouse: Settings) -> None:
    current = definition_values(ModelOptions(), postgres_warehouse.ip_salt)
    assert len(recorded(postgres_warehouse)) == 6
    assert definition_changes(recorded(postgres_warehouse), current) == []
    changed = definition_values(ModelOptions(default_header_bytes=512),
                                postgres_warehouse.ip_salt)
    assert definition_changes(recorded(postgres_warehouse), changed) == [
        "default_header_bytes 0 -> 512"]
