"""Configuration reaches the assets through resources: their fields win over the
environment, and dbt gets the connection in its subprocess's environment, not ours."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dagster_dbt.core import dbt_cli_invocation

from dagster_project.resources import ModelOptionsResource, WarehouseResource, dbt_resource


def test_warehouse_fields_win_over_the_environment(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODWH_DUCKDB_PATH", str(tmp_path / "env.duckdb"))
    monkeypatch.setenv("PODWH_PG_PORT", "6543")
    assert WarehouseResource().settings().duckdb_path == tmp_path / "env.duckdb"
    settings = WarehouseResource(duckdb_path=str(tmp_path / "field.duckdb"),
                                 landing_dir=str(tmp_path / "land")).settings()
    assert settings.duckdb_path == tmp_path / "field.duckdb"
    assert settings.landing_dir == tmp_path / "land"
    assert settings.postgres.port == 6543  # unset fields keep the environment's value


def test_model_options_come_from_field_then_environment_then_dbt_project(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PODWH_DOWNLOAD_WINDOW_TYPE", raising=False)
    monkeypatch.setenv("PODWH_ABUSIVE_IP_THRESHOLD", "50")
    options = ModelOptionsResource(download_window_type="calendar").options()
    assert options.download_window_type == "calendar"
    assert options.abusive_ip_threshold == 50
    assert ModelOptionsResource().options().download_window_type == "first_touch"


def test_dbt_gets_the_connection_in_its_own_environment(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    monkeypatch.delenv("PODWH_DUCKDB_PATH", raising=False)
    seen: dict[str, str] = {}

    class Started(Exception):
        pass

    def popen(args, env, **kwargs):
        seen.update(env)
        raise Started

    monkeypatch.setattr(dbt_cli_invocation.subprocess, "Popen", popen)
    with pytest.raises(Started):
        dbt_resource().cli(["parse"], env={"PODWH_DUCKDB_PATH": "/elsewhere/w.duckdb"})
    assert seen["PODWH_DUCKDB_PATH"] == "/elsewhere/w.duckdb"
    assert "PODWH_DUCKDB_PATH" not in os.environ
    seen.clear()
    with pytest.raises(Started):  # the next invocation starts from this process's environment
        dbt_resource().cli(["parse"])
    assert "PODWH_DUCKDB_PATH" not in seen
