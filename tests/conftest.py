"""Shared fixtures: throw-away Postgres databases, warehouse settings for either target."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT, PostgresSettings, Settings

# ../shared beside the clone holds the spec's fixtures and reference lists (CI lays it out so).
SHARED = Path(os.environ.get("PODWH_SHARED_DIR", PROJECT_ROOT.parent / "shared")).resolve()
if not (SHARED / "fixtures").is_dir():
    raise pytest.UsageError(f"shared fixtures not found at {SHARED}: clone the project beside "
                            f"shared/ or set PODWH_SHARED_DIR")
PG = PostgresSettings()  # the local server the README describes: 127.0.0.1:5432, user postgres


def _postgres_error() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG.conninfo("postgres"), connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: no usable server here
        return f"no PostgreSQL server at {PG.host}:{PG.port} ({str(exc).strip()[:120]})"


_PG_ERROR = _postgres_error()
requires_postgres = pytest.mark.skipif(_PG_ERROR is not None, reason=_PG_ERROR or "")


@contextmanager
def fresh_postgres_database() -> Iterator[PostgresSettings]:
    """A new, empty Postgres database, dropped afterwards (skips when there's no server)."""
    if _PG_ERROR:
        pytest.skip(_PG_ERROR)
    import psycopg

    name = f"podwh_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG.conninfo("postgres"), autocommit=True) as con:
        con.execute(f'create database "{name}"')
    try:
        yield PostgresSettings(host=PG.host, port=PG.port, user=PG.user,
                               password=PG.password, database=name)
    finally:
        with psycopg.connect(PG.conninfo("postgres"), autocommit=True) as con:
            con.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def pg_database() -> Iterator[PostgresSettings]:
    with fresh_postgres_database() as pg:
        yield pg


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a fresh warehouse on each target."""
    landing = tmp_path / "landing"
    if request.param == "duckdb":
        return Settings(warehouse="duckdb", duckdb_path=tmp_path / "wh.duckdb",
                        landing_dir=landing)
    pg = request.getfixturevalue("pg_database")
    return Settings(warehouse="postgres", postgres=pg, landing_dir=landing)
