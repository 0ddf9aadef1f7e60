"""Postgres: loads and transforms take warehouse-wide advisory locks, so two at once can't
load a file twice or rebuild a model under each other; a second one waits, and past its
wait stops with a message naming the holder. (DuckDB's file allows one writer process.)"""

from __future__ import annotations

import json
import threading
from contextlib import ExitStack
from pathlib import Path

import pytest

from core.contract import table
from core.settings import PostgresSettings, Settings
from core.warehouse import PostgresWarehouse, WarehouseBusy, connect, exclusive, lock_key
from ingest.load.loader import load_table
from tests.conftest import fresh_postgres_database

pytestmark = pytest.mark.postgres
LINES = 60_000


def _settings(pg: PostgresSettings, landing: Path) -> Settings:
    return Settings(warehouse="postgres", postgres=pg, landing_dir=landing)


def _landing(root: Path) -> Path:
    logs = root / "access_logs"
    logs.mkdir(parents=True)
    line = {"timestamp": "2026-03-02T09:14:09Z", "ip": "203.0.113.7", "user_agent": "Overcast",
            "method": "GET", "url": "https://cdn.example/a.mp3", "status": 200,
            "range": "", "bytes_sent": 1000, "referer": ""}
    for day in (1, 2):
        rows = (json.dumps({**line, "bytes_sent": i + day}) for i in range(LINES))
        (logs / f"day{day}.jsonl").write_text("\n".join(rows) + "\n")
    return root


def test_two_loads_at_once_load_each_file_once(pg_database: PostgresSettings,
                                               tmp_path: Path) -> None:
    settings = _settings(pg_database, _landing(tmp_path))
    connect(settings).close()  # the raw schema, before the race
    reports, errors = [], []

    def load() -> None:
        wh = connect(settings)
        try:
            reports.append(load_table(wh, settings.landing_dir, table("access_logs")))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            wh.close()

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    statuses = sorted(sorted(f.status for f in r.files) for r in reports)
    assert statuses == [["loaded", "loaded"], ["unchanged", "unchanged"]]
    wh = connect(settings)
    try:
        assert wh.fetchall("select count(*) from raw.access_logs") == [(2 * LINES,)]
        assert wh.fetchall("select count(*) from raw._load_manifest") == [(2,)]
    finally:
        wh.close()


def test_a_second_holder_waits_then_stops_naming_the_first(pg_database: PostgresSettings,
                                                           tmp_path: Path) -> None:
    settings = _settings(pg_database, tmp_path)
    # the same lock held in another database (another warehouse) is not the holder
    elsewhere = ExitStack()
    other = PostgresWarehouse(elsewhere.enter_context(fresh_postgres_database()).conninfo())
    other.execute("select pg_advisory_lock(?)", [lock_key("the dbt build of this warehouse")])
    first = PostgresWarehouse(pg_database.conninfo())
    first.execute("set application_name = 'first-run'")
    try:
        with first.exclusive("the dbt build of this warehouse"):
            with pytest.raises(WarehouseBusy) as busy, \
                    exclusive(settings, "the dbt build of this warehouse", wait_s=0.5):
                pass
            message = str(busy.value)
            assert message.startswith("the dbt build of this warehouse is still running in "
                                      "another process after 0.5 s (held by PID")
            assert "first-run" in message
            with exclusive(settings, "the load of raw.shows", wait_s=0.5):
                pass  # another lock is free
        with exclusive(settings, "the dbt build of this warehouse", wait_s=0.5):
            pass  # released at the end of the block
    finally:
        first.close()
        other.close()
        elsewhere.close()


def test_a_killed_holder_leaves_the_lock_free(pg_database: PostgresSettings,
                                              tmp_path: Path) -> None:
    settings = _settings(pg_database, tmp_path)
    holder = PostgresWarehouse(pg_database.conninfo())
    holder.execute("select pg_advisory_lock(?)", [lock_key("the dbt build of this warehouse")])
    holder.con.close()  # what a kill -9 does to its session: the server drops the lock
    with exclusive(settings, "the dbt build of this warehouse", wait_s=5):
        pass
