"""Back up a warehouse to a folder and restore it into an empty one, which then carries on
incrementally as the original would have.

- DuckDB: `COPY FROM DATABASE` into `<folder>/warehouse.duckdb` and back. (EXPORT / IMPORT
  DATABASE write SQL scripts that re-create views in an order IMPORT can't always follow:
  a staging view read by a view created before it; a database copy carries them whole.)
- Postgres: `pg_dump --format=custom` into `<folder>/warehouse.pgdump`, and `pg_restore`.
  The password reaches them in PGPASSWORD, never on a command line.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb

from core.settings import Settings, child_environment
from core.warehouse import WarehouseUnavailable, connect

DUCKDB_FILE = "warehouse.duckdb"
PG_DUMP_FILE = "warehouse.pgdump"


class BackupError(WarehouseUnavailable):
    """A backup or restore that can't go ahead; the message says why."""


def backup(settings: Settings, folder: Path) -> Path:
    """Write the whole warehouse (raw tables, models, analyses, helper tables) to `folder`;
    the path of the backup file."""
    folder.mkdir(parents=True, exist_ok=True)
    if settings.warehouse == "duckdb":
        target = folder / DUCKDB_FILE
        _refuse_existing(target)
        connect(settings).close()  # fails clearly when another process holds the file
        _copy_database(settings.duckdb_path, target)
        return target
    target = folder / PG_DUMP_FILE
    _refuse_existing(target)
    _pg("pg_dump", settings, "--format=custom", f"--file={target}")
    return target


def restore(settings: Settings, folder: Path) -> None:
    """Restore the backup in `folder` into the configured warehouse, which must be empty
    (no DuckDB file yet; a Postgres database without our schemas)."""
    if settings.warehouse == "duckdb":
        source = folder / DUCKDB_FILE
        _require(source)
        if settings.duckdb_path.exists():
            raise BackupError(f"restore: {settings.duckdb_path} exists; restore into a new "
                              "file (PODWH_DUCKDB_PATH) so that nothing is overwritten")
        _copy_database(source, settings.duckdb_path)
        return
    source = folder / PG_DUMP_FILE
    _require(source)
    wh = connect(settings)  # creates `raw`: empty tables are all it may hold
    try:
        if wh.fetchall("select count(*) from raw._load_manifest")[0][0]:
            raise BackupError(f"restore: {settings.postgres.describe()} holds a warehouse; "
                              "restore into an empty database")
        wh.execute("drop schema raw cascade")  # empty: the dump brings its own
    finally:
        wh.close()
    _pg("pg_restore", settings, "--no-owner", "--exit-on-error", str(source))


def _copy_database(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute("attach ? as source (read_only)", [str(source)])
        con.execute("attach ? as target", [str(target)])
        con.execute("copy from database source to target")
    except duckdb.Error as exc:
        target.unlink(missing_ok=True)
        raise BackupError(f"cannot copy {source} to {target}: {exc}") from exc
    finally:
        con.close()


def _pg(program: str, settings: Settings, *args: str) -> None:
    if shutil.which(program) is None:
        raise BackupError(f"{program} is not installed (Debian: apt-get install "
                          "postgresql-client, the server's major version or newer)")
    pg = settings.postgres
    env = child_environment({"PGPASSWORD": pg.password} if pg.password else {})
    env.pop("PGOPTIONS", None)
    command = [program, f"--host={pg.host}", f"--port={pg.port}", f"--username={pg.user}",
               f"--dbname={pg.database}", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"{program} failed: {result.stderr.strip()[-2000:]}")


def _refuse_existing(target: Path) -> None:
    if target.exists():
        raise BackupError(f"backup: {target} exists; choose an empty folder")


def _require(source: Path) -> None:
    if not source.exists():
        raise BackupError(f"restore: no backup at {source}")



