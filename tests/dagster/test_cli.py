"""The command line reports bad configuration and missing landing data by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagster_project.cli import main


def test_bad_variable_is_named(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    monkeypatch.setenv("PODWH_WAREHOUSE", "oracle")
    assert main(["summary"]) == 2
    assert "PODWH_WAREHOUSE='oracle'" in capsys.readouterr().err


def test_missing_registry_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture):
    monkeypatch.setenv("PODWH_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    (tmp_path / "landing").mkdir()
    assert main(["load", str(tmp_path / "landing")]) == 1
    err = capsys.readouterr().err
    assert f"missing landing file {tmp_path / 'landing' / 'shows' / '*.csv'}" in err
