"""Backups never overwrite anything: an existing backup, a warehouse in the way of a
restore and a missing backup are refused with a message. (Restores that carry on
incrementally: tests/e2e/test_incremental.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.backup import BackupError, backup, restore
from core.settings import PostgresSettings, Settings
from core.warehouse import connect


def _duckdb(path: Path) -> Settings:
    return Settings(warehouse="duckdb", duckdb_path=path)


def test_a_duckdb_backup_restores_into_a_new_file_only(tmp_path: Path) -> None:
    source = _duckdb(tmp_path / "w.duckdb")
    wh = connect(source)
    wh.execute("insert into raw.shows (tenant_id, show_id, feed_url) values ('t', 's', 'f')")
    wh.close()
    backup(source, tmp_path / "backup")
    with pytest.raises(BackupError, match="exists; choose an empty folder"):
        backup(source, tmp_path / "backup")
    with pytest.raises(BackupError, match="exists; restore into a new file"):
        restore(source, tmp_path / "backup")
    with pytest.raises(BackupError, match="no backup at"):
        restore(_duckdb(tmp_path / "other.duckdb"), tmp_path / "nowhere")
    restored = _duckdb(tmp_path / "restored" / "w.duckdb")
    restore(restored, tmp_path / "backup")
    wh = connect(restored)
    assert wh.fetchall("select tenant_id, show_id from raw.shows") == [("t", "s")]
    wh.close()


@pytest.mark.postgres
def test_a_postgres_restore_refuses_a_database_that_holds_a_warehouse(
        pg_database: PostgresSettings, tmp_path: Path) -> None:
    settings = Settings(warehouse="postgres", postgres=pg_database)
    wh = connect(settings)
    wh.execute("insert into raw._load_manifest (table_name, source_file, sha256, loaded_at) "
               "values ('shows', 'shows/shows.csv', 'x', now())")
    wh.close()
    backup(settings, tmp_path / "backup")
    assert (tmp_path / "backup" / "warehouse.pgdump").stat().st_size > 0
    with pytest.raises(BackupError, match="holds a warehouse; restore into an empty database"):
        restore(settings, tmp_path / "backup")
    wh = connect(settings)  # and left it as it was
    assert wh.fetchall("select count(*) from raw._load_manifest") == [(1,)]
    wh.close()
