"""Readers never block the pipeline: the marts are published to a copy swapped in atomically,
and a reader holding the warehouse itself gets a message that says what to do."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from core.publish import publish
from core.settings import Settings
from core.warehouse import DuckDBWarehouse, WarehouseUnavailable, connect

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print(con.execute(sys.argv[3]).fetchall()[0][0], flush=True)
time.sleep(60)
"""


@contextmanager
def held_open(path: Path, read_only: bool, sql: str = "select 1") -> Iterator[str]:
    """Another process (a notebook, say) with the DuckDB file open; yields what it read."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), "ro" if read_only else "rw",
                             sql], stdout=subprocess.PIPE, text=True)
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.kill()
        proc.wait()


def _warehouse(path: Path, episodes: int) -> None:
    wh = DuckDBWarehouse(path)
    try:
        for schema in ("marts", "analyses", "intermediate"):
            wh.execute(f"create schema if not exists {schema}")
        wh.execute("create or replace table intermediate.windows as select range as "
                   "download_id, case when range % 2 = 0 then 'acme' else 'beta' end "
                   f"as tenant_id from range({episodes})")
        wh.execute("create or replace view marts.fct_downloads as "
                   "select * from intermediate.windows")
        wh.execute("comment on view marts.fct_downloads is 'counted IAB downloads'")
        wh.execute("comment on column marts.fct_downloads.download_id is 'the window''s id'")
        wh.execute("create or replace table marts.fct_downloads__scope as select 1 as x")
        wh.execute("create or replace table analyses.attribution_shapley as "
                   "select 0.5 as v, 'beta' as tenant_id")
    finally:
        wh.close()


def _published_tables(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = con.execute("select table_schema || '.' || table_name "
                            "from information_schema.tables order by 1").fetchall()
        return {n: con.execute(f"select count(*) from {n}").fetchone()[0] for (n,) in names}
    finally:
        con.close()


def test_publish_copies_marts_and_analyses_and_swaps_atomically(tmp_path: Path) -> None:
    db, target = tmp_path / "wh.duckdb", tmp_path / "published" / "wh.duckdb"
    _warehouse(db, episodes=3)
    wh = DuckDBWarehouse(db)
    try:
        report = publish(wh, target)
    finally:
        wh.close()
    # views are published as tables; replace_scope helpers and other schemas are not
    assert _published_tables(target) == {"analyses.attribution_shapley": 1,
                                         "marts.fct_downloads": 3}
    assert (report.tables, report.rows) == (2, 4)
    con = duckdb.connect(str(target), read_only=True)  # BI tools see the models' docs
    try:
        assert con.execute("select comment from duckdb_tables() where table_name = "
                           "'fct_downloads'").fetchall() == [("counted IAB downloads",)]
        assert con.execute("select comment from duckdb_columns() where column_name = "
                           "'download_id'").fetchall() == [("the window's id",)]
    finally:
        con.close()
    with held_open(target, read_only=True, sql="select count(*) from marts.fct_downloads") \
            as seen_before:
        _warehouse(db, episodes=5)  # the next run ...
        wh = DuckDBWarehouse(db)
        try:
            publish(wh, target)  # ... publishes while a reader has the copy open
        finally:
            wh.close()
        assert seen_before == "3"
    assert _published_tables(target)["marts.fct_downloads"] == 5
    # each tenant's own file, with its rows only (downloads 0, 2, 4 are acme's)
    tenants = target.parent / "tenants"
    assert _published_tables(tenants / "acme.duckdb") == {"analyses.attribution_shapley": 0,
                                                          "marts.fct_downloads": 3}
    assert _published_tables(tenants / "beta.duckdb") == {"analyses.attribution_shapley": 1,
                                                          "marts.fct_downloads": 2}
    # no temporary file left
    assert sorted(p.name for p in target.parent.iterdir()) == ["tenants", "wh.duckdb"]
    assert sorted(p.name for p in tenants.iterdir()) == ["acme.duckdb", "beta.duckdb"]


def test_a_tenant_without_rows_loses_its_file(tmp_path: Path) -> None:
    db, target = tmp_path / "wh.duckdb", tmp_path / "published" / "wh.duckdb"
    _warehouse(db, episodes=3)
    for episodes in (3, 1):  # one download left: tenant beta has none but its analysis row
        _warehouse(db, episodes=episodes)
        wh = DuckDBWarehouse(db)
        try:
            wh.execute("delete from analyses.attribution_shapley")
            publish(wh, target)
        finally:
            wh.close()
    assert [p.name for p in (target.parent / "tenants").iterdir()] == ["acme.duckdb"]


def test_publish_does_nothing_when_switched_off(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    _warehouse(db, episodes=1)
    wh = DuckDBWarehouse(db)
    try:
        report = publish(wh, None)
        assert report.path is None
        # the summary says publishing is off, not that this is Postgres
        assert "off" in report.summary() and "Postgres" not in report.summary()
    finally:
        wh.close()


def test_a_reader_holding_the_warehouse_is_named_with_what_to_do(tmp_path: Path) -> None:
    settings = Settings(duckdb_path=tmp_path / "wh.duckdb")
    _warehouse(settings.duckdb_path, episodes=1)
    with held_open(settings.duckdb_path, read_only=False), \
            pytest.raises(WarehouseUnavailable) as info:
        connect(settings)
    message = str(info.value)
    assert "open in another process" in message and "PID" in message
    assert str(settings.published_path) in message
