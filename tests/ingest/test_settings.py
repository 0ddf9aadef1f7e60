"""Configuration errors name the variable; defaults fit the embedded demo."""

from __future__ import annotations

import pytest

from ingest.settings import PROJECT_ROOT, Settings, SettingsError


def test_defaults_are_the_embedded_duckdb_demo():
    s = Settings.from_env({})
    assert s.warehouse == "duckdb"
    assert s.duckdb_path == PROJECT_ROOT / "data" / "warehouse.duckdb"
    assert s.postgres.conninfo() == "host=127.0.0.1 port=5432 user=postgres dbname=podwh"


def test_postgres_is_chosen_by_environment_and_password_stays_out_of_descriptions():
    s = Settings.from_env({"PODWH_WAREHOUSE": "Postgres", "PODWH_PG_PASSWORD": "s3cret",
                           "PODWH_PG_DATABASE": "analytics", "PODWH_PG_PORT": "6543"})
    assert s.warehouse == "postgres"
    assert "password=s3cret" in s.postgres.conninfo()
    assert "s3cret" not in s.describe()
    assert s.dbt_env()["PODWH_PG_PORT"] == "6543"


@pytest.mark.parametrize(("name", "value"), [("PODWH_WAREHOUSE", "snowflake"),
                                             ("PODWH_PG_PORT", "fivefourthreetwo"),
                                             ("PODWH_PG_PORT", "70000")])
def test_bad_variables_are_named(name: str, value: str):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_relative_paths_become_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = Settings.from_env({"PODWH_DUCKDB_PATH": "w.duckdb", "PODWH_LANDING_DIR": "land"})
    assert s.duckdb_path == tmp_path / "w.duckdb" and s.landing_dir == tmp_path / "land"


def test_unreachable_postgres_names_server_without_password():
    from ingest.load.warehouse import WarehouseUnavailable, connect

    s = Settings.from_env({"PODWH_WAREHOUSE": "postgres", "PODWH_PG_PORT": "1",
                           "PODWH_PG_PASSWORD": "hunter2"})
    with pytest.raises(WarehouseUnavailable, match=r"127\.0\.0\.1:1/podwh") as info:
        connect(s)
    assert "hunter2" not in str(info.value)


def test_duckdb_memory_limit_is_validated_and_reaches_dbt():
    s = Settings.from_env({"PODWH_DUCKDB_MEMORY_LIMIT": "3GB"})
    assert s.dbt_env()["PODWH_DUCKDB_MEMORY_LIMIT"] == "3GB"
    with pytest.raises(SettingsError, match="PODWH_DUCKDB_MEMORY_LIMIT"):
        Settings.from_env({"PODWH_DUCKDB_MEMORY_LIMIT": "plenty"})
