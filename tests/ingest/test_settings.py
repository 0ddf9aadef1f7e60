"""Configuration errors name the variable; defaults fit the embedded demo."""

from __future__ import annotations

import pytest

from core.settings import PROJECT_ROOT, Settings, SettingsError


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
    from core.warehouse import WarehouseUnavailable, connect

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


def test_model_options_default_to_dbt_project_yml_and_come_from_the_environment():
    import yaml

    from core.settings import DBT_PROJECT_FILE

    declared = yaml.safe_load(DBT_PROJECT_FILE.read_text())["vars"]
    options = Settings.from_env({}).options
    assert options.dbt_vars() == {name: declared[name] for name in options.dbt_vars()}
    s = Settings.from_env({"PODWH_DOWNLOAD_WINDOW_TYPE": "Calendar",
                           "PODWH_ABUSIVE_IP_THRESHOLD": "250",
                           "PODWH_ABUSIVE_IP_ALLOWLIST": "192.0.2.1, 2001:db8::1",
                           "PODWH_DEFAULT_HEADER_BYTES": "4096",
                           "PODWH_ATTRIBUTION_HALF_LIFE_DAYS": "3.5",
                           "PODWH_LOOKBACK_DAYS": "5"})
    assert s.options.dbt_vars() == {
        "download_window_type": "calendar", "abusive_ip_threshold": 250,
        "abusive_ip_allowlist": ["192.0.2.1", "2001:db8::1"], "default_header_bytes": 4096,
        "attribution_half_life_days": 3.5, "lookback_days": 5}
    # a flag (or run config) wins over the environment for one run
    assert s.options.with_values({"download_window_type": "last_touch"}).download_window_type \
        == "last_touch"


@pytest.mark.parametrize(("name", "value", "why"), [
    ("PODWH_DOWNLOAD_WINDOW_TYPE", "weekly", "first_touch, calendar, last_touch"),
    ("PODWH_ABUSIVE_IP_THRESHOLD", "0", "at least 1"),
    ("PODWH_ABUSIVE_IP_ALLOWLIST", "192.0.2.1,office", "'office' is not an IP"),
    ("PODWH_DEFAULT_HEADER_BYTES", "-1", "whole number"),
    ("PODWH_ATTRIBUTION_HALF_LIFE_DAYS", "0", "positive"),
    ("PODWH_LOOKBACK_DAYS", "three", "whole number"),
])
def test_bad_model_options_are_named(name: str, value: str, why: str):
    with pytest.raises(SettingsError, match=f"{name}=.*{why}"):
        Settings.from_env({name: value})
    flag = "--" + name.removeprefix("PODWH_").lower().replace("_", "-")
    option = name.removeprefix("PODWH_").lower()
    with pytest.raises(SettingsError, match=f"{flag}="):
        Settings.from_env({}).options.with_values({option: value})


def test_every_var_the_dbt_project_reads_is_declared_once_with_its_default():
    import re

    import yaml

    from core.settings import DBT_PROJECT_FILE, PROJECT_ROOT

    declared = yaml.safe_load(DBT_PROJECT_FILE.read_text())["vars"]
    read, inline_defaults = set(), []
    dbt = PROJECT_ROOT / "dbt"
    for path in [p for d in ("models", "macros", "tests") for p in (dbt / d).rglob("*.sql")]:
        for match in re.finditer(r"\bvar\(\s*['\"](\w+)['\"]\s*(,)?", path.read_text()):
            read.add(match.group(1))
            if match.group(2):
                inline_defaults.append(f"{path.name}: {match.group(1)}")
    assert read <= set(declared), read - set(declared)
    assert inline_defaults == []  # the default lives in dbt_project.yml only


def test_opawg_lists_ship_with_the_product():
    s = Settings.from_env({})
    assert s.opawg_dir == PROJECT_ROOT / "seeds" / "opawg-user-agents-v2"
    assert Settings.from_env({"PODWH_OPAWG_DIR": "/elsewhere"}).opawg_dir.as_posix() == \
        "/elsewhere"


def test_published_copy_sits_beside_the_duckdb_warehouse(tmp_path):
    s = Settings.from_env({"PODWH_DUCKDB_PATH": str(tmp_path / "w.duckdb")})
    assert s.published_path == tmp_path / "published" / "w.duckdb"
    assert Settings.from_env({"PODWH_PUBLISHED_PATH": "off"}).published_path is None
    assert Settings.from_env({"PODWH_WAREHOUSE": "postgres"}).published_path is None


def test_production_refuses_the_demo_salt_and_short_salts():
    with pytest.raises(SettingsError, match="PODWH_ENVIRONMENT=production needs PODWH_IP_SALT"):
        Settings.from_env({"PODWH_ENVIRONMENT": "production"})
    for salt in ("podwh-demo-salt", "short-salt"):
        with pytest.raises(SettingsError, match="at least 16 characters"):
            Settings.from_env({"PODWH_ENVIRONMENT": "production", "PODWH_IP_SALT": salt})
    s = Settings.from_env({"PODWH_ENVIRONMENT": "Production",
                           "PODWH_IP_SALT": "a-long-enough-secret-salt"})
    assert s.environment == "production"
    assert Settings.from_env({}).environment == "demo"
    with pytest.raises(SettingsError, match="PODWH_ENVIRONMENT='staging'"):
        Settings.from_env({"PODWH_ENVIRONMENT": "staging"})


def test_secrets_are_never_in_a_settings_repr():
    s = Settings.from_env({"PODWH_IP_SALT": "salt-in-no-repr", "PODWH_PG_PASSWORD": "pw-in-none"})
    assert "salt-in-no-repr" not in repr(s) and "pw-in-none" not in repr(s)


def test_the_salt_reaches_dbt_sessions_through_the_environment_only():
    """DuckDB's plugin reads PODWH_IP_SALT; libpq reads PGOPTIONS, where a space or a
    backslash must be escaped to stay inside the value."""
    env = Settings.from_env({"PODWH_IP_SALT": r"a salt\with odd chars"}).dbt_env()
    assert env["PODWH_IP_SALT"] == r"a salt\with odd chars"
    assert env["PGOPTIONS"] == r"-c podwh.ip_salt=a\ salt\\with\ odd\ chars"


@pytest.mark.postgres
def test_postgres_sessions_read_the_salt_back_whole(pg_database, monkeypatch):
    import psycopg

    salt = r"a salt\with odd 'chars' -c x=y"
    monkeypatch.setenv("PGOPTIONS", Settings(ip_salt=salt).dbt_env()["PGOPTIONS"])
    with psycopg.connect(pg_database.conninfo()) as con:
        assert con.execute("select current_setting('podwh.ip_salt')").fetchone() == (salt,)
