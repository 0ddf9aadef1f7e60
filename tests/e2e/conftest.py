"""A small synthetic world materialised in-process on DuckDB and on Postgres, shared by the
end-to-end tests. Under pytest-xdist the DuckDB tests run on one worker and the Postgres
tests on the other (pytest_collection_modifyitems), each building the world once."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from cli.pipeline import failures, materialize_all
from core.settings import PROJECT_ROOT, Settings
from core.warehouse import DuckDBWarehouse, PostgresWarehouse, Warehouse
from synth import WorldConfig, generate_world
from tests.conftest import fresh_postgres_database

MARTS = ["dim_shows", "dim_episodes", "dim_apps", "fct_downloads",
         "fct_download_reconciliation_daily", "fct_episode_daily", "fct_episode_daily_segments",
         "fct_episode_performance", "fct_show_listeners", "fct_host_reported_downloads_daily",
         "dim_sponsors", "dim_campaigns", "dim_line_items", "fct_ad_impressions",
         "fct_campaign_delivery_daily", "fct_conversions", "fct_touchpoints", "fct_attribution",
         "fct_campaign_roi", "fct_campaign_incrementality",
         "fct_show_revenue_weekly", "dim_feature_rollouts", "fct_show_engagement_daily",
         "fct_show_engagement_weekly", "fct_partner_program_funnel",
         "fct_creator_revenue_cohorts"]
# When a row was fetched, loaded or (re)built is the clock's business, not the data's; so is
# an incremental model's fingerprint of its inputs (it includes their load times).
BOOKKEEPING = re.compile(r"(fetched|seen|loaded|processed|changed)_at$|^_inputs_fingerprint$")


E2E = Path(__file__).resolve().parent
POSTGRES_FIXTURES = {"postgres_warehouse", "postgres_marts"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Two xdist groups: a worker each for the DuckDB and the Postgres end-to-end tests, so
    the two targets' slow materialisations run side by side. Tests in one group share that
    worker's session warehouses and run in file order."""
    for item in items:
        if Path(item.path).parent != E2E:
            continue
        on_postgres = "postgres" in item.name or POSTGRES_FIXTURES & set(item.fixturenames)
        item.add_marker(pytest.mark.xdist_group("e2e-postgres" if on_postgres else
                                                "e2e-duckdb"))


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    # ads three times as effective as the demo's: at market CPMs and returns a world this
    # small has too few orders for its incrementality estimates to detect the effect
    generate_world(out, WorldConfig(seed=11, ad_response=3.0))
    return out


def secret_text(kind: str) -> str:
    """A secret no file or table could hold by chance (test_secrets.py looks for it), the
    same in every xdist worker: both targets must hash with one salt to build equal marts."""
    return f"e2e-{kind}-{hashlib.sha256(f'podwh-e2e-{kind}'.encode()).hexdigest()[:24]}"


def _env(settings: Settings) -> dict[str, str]:
    return {**settings.dbt_env(), "PODWH_LANDING_DIR": str(settings.landing_dir)}


# The Dagster instances the session's runs used, by Settings.describe(): test_secrets reads
# their event logs (Dagster's storage) for secrets.
instances: dict[str, list[dg.DagsterInstance]] = {}


def materialise(settings: Settings, **extra_env: str) -> None:
    """Run the daily job in-process against `settings` (plus any extra PODWH_* variables)."""
    instance = dg.DagsterInstance.ephemeral()
    instances.setdefault(settings.describe(), []).append(instance)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {**_env(settings), **extra_env}.items():
            mp.setenv(name, value)
        result = materialize_all(instance)
        assert result.success, failures(result)


def _open(settings: Settings) -> Warehouse:
    if settings.warehouse == "duckdb":
        return DuckDBWarehouse(settings.duckdb_path, read_only=True)
    return PostgresWarehouse(settings.postgres.conninfo())


def mart_frame(wh: Warehouse, mart: str, exact: bool = False) -> pd.DataFrame:
    """The mart's rows, bookkeeping columns left out, sorted, as text; floats to 10
    significant digits unless `exact` (engines add floats in different orders)."""
    rows = wh.fetchall(f"select * from marts.{mart}")
    cols = [r[0] for r in wh.fetchall(
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? order by ordinal_position", [mart])]
    frame = pd.DataFrame(rows, columns=cols)
    frame = frame.drop(columns=[c for c in cols if BOOKKEEPING.search(c)])
    # floats may differ in their last bits between engines (their functions, e.g. exp)
    floats = [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, float)).any()]
    frame[floats] = frame[floats].apply(lambda col: col.map(
        lambda v: (v.hex() if exact else float(f"{v:.10g}")) if isinstance(v, float) else v))
    frame = frame.astype(str)
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def _expected_episodes(landing: Path) -> dict[tuple[str, str], str | None]:
    """(show, guid or enclosure URL) -> enclosure length, read with the standard library's XML
    parser, independently of feedparser and of the dbt models."""
    episodes: dict[tuple[str, str], str | None] = {}
    with (landing / "shows" / "shows.csv").open() as fh:
        shows = list(csv.DictReader(fh))
    for show in shows:
        root = ET.parse(landing / show["feed_url"]).getroot()
        for item in root.iter("item"):
            guid = (item.findtext("guid") or "").strip()
            enclosure = item.find("enclosure")
            url = enclosure.get("url") if enclosure is not None else None
            key = (show["show_id"], guid or url or "")
            # A duplicate guid is one episode: the first item in feed order wins.
            episodes.setdefault(key, enclosure.get("length") if enclosure is not None else None)
    return episodes


def _check_marts(settings: Settings, world: Path,
                 exact: bool = False) -> dict[str, pd.DataFrame]:
    landing = world / "landing"
    wh = _open(settings)
    try:
        frames = {m: mart_frame(wh, m, exact) for m in MARTS}
        with (landing / "shows" / "shows.csv").open() as fh:
            registry = {row["show_id"] for row in csv.DictReader(fh)}
        assert set(frames["dim_shows"]["show_id"]) == registry
        expected = _expected_episodes(landing)
        identities = wh.fetchall("select show_id, coalesce(guid, enclosure_url), "
                                 "enclosure_length_bytes from marts.dim_episodes")
        assert len(identities) == len(expected)
        assert {(show, key) for show, key, _ in identities} == set(expected)
        lengths = {(show, key): length for show, key, length in identities}
        assert all(lengths[key] == (int(length) if length else None)
                   for key, length in expected.items())
        counts = json.loads((world / "world.json").read_text())["files"]
        written = sum(n for name, n in counts.items() if "access_logs" in name)
        assert wh.fetchall("select count(*) from raw.access_logs")[0][0] == written
        return frames
    finally:
        wh.close()


def _run(settings: Settings, world: Path, twice: bool) -> dict[str, pd.DataFrame]:
    materialise(settings)
    frames = _check_marts(settings, world)
    if twice:  # a second run over the same landing files changes nothing, to the last bit
        exact = _check_marts(settings, world, exact=True)
        materialise(settings)
        again = _check_marts(settings, world, exact=True)
        for mart in MARTS:
            pd.testing.assert_frame_equal(exact[mart], again[mart])
    return frames


@pytest.fixture(scope="session")
def duckdb_warehouse(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A DuckDB warehouse with every asset materialised on the world, twice: the rerun must
    change nothing."""
    db = tmp_path_factory.mktemp("duck") / "warehouse.duckdb"
    settings = Settings(warehouse="duckdb", duckdb_path=db, landing_dir=world / "landing",
                        ip_salt=secret_text("salt"))
    settings_marts[settings.describe()] = _run(settings, world, twice=True)
    return settings


@pytest.fixture(scope="session")
def postgres_warehouse(world: Path) -> Iterator[Settings]:
    """The same on a throw-away Postgres database."""
    with fresh_postgres_database() as pg:
        # a password the server (trust authentication) ignores: test_secrets looks for it
        pg = dataclasses.replace(pg, password=pg.password or secret_text("password"))
        settings = Settings(warehouse="postgres", postgres=pg, landing_dir=world / "landing",
                            ip_salt=secret_text("salt"))
        settings_marts[settings.describe()] = _run(settings, world, twice=False)
        yield settings


settings_marts: dict[str, dict[str, pd.DataFrame]] = {}  # by Settings.describe()


@pytest.fixture(scope="session")
def duckdb_marts(duckdb_warehouse: Settings) -> dict[str, pd.DataFrame]:
    return settings_marts[duckdb_warehouse.describe()]


@pytest.fixture(scope="session")
def postgres_marts(postgres_warehouse: Settings) -> dict[str, pd.DataFrame]:
    return settings_marts[postgres_warehouse.describe()]


def dbt_cli(settings: Settings, target_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run dbt against `settings`' warehouse, as a user would from the project folder."""
    cmd = [str(Path(sys.executable).parent / "dbt"), *args, "--project-dir", "dbt",
           "--profiles-dir", "dbt", "--target-path", str(target_path),
           "--log-path", str(target_path)]
    env = {**os.environ, **settings.dbt_env()}
    return subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


def open_warehouse(settings: Settings) -> Warehouse:
    return _open(settings)
