"""Bulk writes to the raw schema of either warehouse.

Both targets expose the same small interface: run statements, fetch rows, and append an
Arrow stream to a raw table in bulk (DuckDB reads the Arrow data natively; Postgres gets
it through COPY ... FROM STDIN as CSV). No row-by-row inserts anywhere.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from core.ddl import RAW_SCHEMA, Dialect, create_schema_sql, quote
from core.settings import Settings

log = logging.getLogger(__name__)
LOCK_WAIT_S = 1800  # how long a load or transform waits for another to finish


class WarehouseUnavailable(Exception):
    """The configured warehouse can't be opened; the message says which and why."""


class WarehouseBusy(WarehouseUnavailable):
    """Another process held the warehouse for longer than a run waits."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a Postgres advisory lock named `name`."""
    return int.from_bytes(hashlib.sha256(f"podwh:{name}".encode()).digest()[:8], "big",
                          signed=True)


class Warehouse(Protocol):
    dialect: Dialect

    def execute(self, sql: str, params: Iterable[Any] = ()) -> None: ...

    def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]: ...

    def fetch_dicts(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]: ...

    def append(self, table: str, batches: Iterable[pa.RecordBatch], schema: str = ...) -> int:
        """Append record batches (columns named as the table's) and return the row count."""
        ...

    def transaction(self) -> Any: ...

    def exclusive(self, name: str, wait_s: float = ...) -> Any:
        """Hold the warehouse-wide lock `name` (one load of a table, the transform) for the
        block: a second holder waits up to `wait_s`, then stops with WarehouseBusy."""
        ...

    def close(self) -> None: ...


class DuckDBWarehouse:
    dialect: Dialect = "duckdb"

    def __init__(self, path: Path | str, read_only: bool = False,
                 memory_limit: str | None = None, published: Path | None = None) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            config = {"memory_limit": memory_limit} if memory_limit else {}
            self.con = duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.IOException as exc:  # typically: another process holds the write lock
            raise WarehouseUnavailable(_open_error(path, str(exc), published)) from exc
        self.con.execute("set TimeZone = 'UTC'")

    def execute(self, sql: str, params: Iterable[Any] = ()) -> None:
        self.con.execute(sql, list(params))

    def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def fetch_dicts(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, list(params))
        return _as_dicts(cur.description, cur.fetchall())

    def append(
        self, table: str, batches: Iterable[pa.RecordBatch], schema: str = RAW_SCHEMA
    ) -> int:
        rows = 0
        for batch in batches:
            if batch.num_rows == 0:
                continue
            cols = ", ".join(quote(c) for c in batch.schema.names)
            self.con.register("_incoming", batch)
            try:
                self.con.execute(
                    f"insert into {schema}.{quote(table)} ({cols}) select {cols} from _incoming"
                )
            finally:
                self.con.unregister("_incoming")
            rows += batch.num_rows
        return rows

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("begin transaction")
        try:
            yield
        except BaseException:
            self.con.execute("rollback")
            raise
        self.con.execute("commit")

    @contextmanager
    def exclusive(self, name: str, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
        # DuckDB allows one writer process: holding the file open is the lock
        yield

    def close(self) -> None:
        self.con.close()


class PostgresWarehouse:
    dialect: Dialect = "postgres"

    def __init__(self, conninfo: str, where: str = "Postgres") -> None:
        import psycopg  # imported here: DuckDB-only users never need a server client

        try:
            self.con = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:
            raise WarehouseUnavailable(
                f"cannot connect to {where}: {str(exc).strip().splitlines()[-1]} "
                f"(check PODWH_PG_HOST/PORT/USER/PASSWORD/DATABASE; the database must exist)"
            ) from exc
        self.con.execute("set timezone = 'UTC'")
        self._in_tx = False

    def execute(self, sql: str, params: Iterable[Any] = ()) -> None:
        self.con.execute(sql.replace("?", "%s"), list(params) or None)

    def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql.replace("?", "%s"), list(params) or None).fetchall()

    def fetch_dicts(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        cur = self.con.execute(sql.replace("?", "%s"), list(params) or None)
        return _as_dicts(cur.description, cur.fetchall())

    def append(
        self, table: str, batches: Iterable[pa.RecordBatch], schema: str = RAW_SCHEMA
    ) -> int:
        rows = 0
        with self.con.cursor() as cur:
            for batch in batches:
                if batch.num_rows == 0:
                    continue
                cols = ", ".join(quote(c) for c in batch.schema.names)
                sql = f"copy {schema}.{quote(table)} ({cols}) from stdin (format csv)"
                with cur.copy(sql) as copy:
                    copy.write(_to_csv(batch))
                rows += batch.num_rows
        return rows

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.con.transaction():
            yield

    @contextmanager
    def exclusive(self, name: str, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
        """A session advisory lock: released at the end of the block, or when the process
        dies (its connection closes), so a killed run never leaves the warehouse locked."""
        import psycopg

        key = lock_key(name)
        if not self.fetchall("select pg_try_advisory_lock(?)", [key])[0][0]:
            log.warning("waiting for %s: %s", name, self._holder(key))
            try:
                self.execute(f"set lock_timeout = '{int(wait_s * 1000)}ms'")
                self.execute("select pg_advisory_lock(?)", [key])
            except psycopg.errors.LockNotAvailable:
                raise WarehouseBusy(
                    f"{name} is still running in another process after {wait_s:g} s "
                    f"({self._holder(key)}): let it finish, or stop it, and run again"
                ) from None
            finally:
                self.execute("reset lock_timeout")
        try:
            yield
        finally:
            self.execute("select pg_advisory_unlock(?)", [key])

    def _holder(self, key: int) -> str:
        rows = self.fetchall(
            "select a.pid, a.application_name, a.backend_start from pg_locks l "
            "join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory' "
            "and l.granted and l.objsubid = 1 "
            # advisory locks are per database; pg_locks shows the whole server's
            "and l.database = (select oid from pg_database where datname = current_database()) "
            "and (l.classid::bigint << 32) | l.objid::bigint = ?", [key])
        if not rows:
            return "held by another session"
        pid, app, started = rows[0]
        return (f"held by PID {pid} ({app or 'no application name'}, connected "
                f"{started:%Y-%m-%d %H:%M} UTC)")

    def close(self) -> None:
        self.con.close()


def _open_error(path: Path | str, error: str, published: Path | None) -> str:
    """Why the DuckDB file can't be opened, and what to do when another process holds it."""
    holder = re.search(r"Conflicting lock is held in (.*?) \(PID (\d+)\)", error)
    if holder is None:
        return f"cannot open DuckDB file {path}: {error}"
    program, pid = holder.groups()
    advice = (f"; readers should open the published copy {published} instead (read-only, "
              f"refreshed after every run, it never blocks the pipeline)" if published else "")
    return (f"the DuckDB file {path} is open in another process ({Path(program).name}, PID "
            f"{pid}: a notebook, a BI tool or the duckdb CLI?) and DuckDB allows one writer: "
            f"close that connection and run again{advice}")


def _as_dicts(description: Any, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    names = [d[0] for d in description]
    return [dict(zip(names, row, strict=True)) for row in rows]


def _to_csv(batch: pa.RecordBatch) -> bytes:
    """CSV that Postgres COPY reads back exactly: NULL unquoted and empty, '' quoted."""
    buf = io.BytesIO()
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    pacsv.write_csv(batch, buf, write_options=options)
    return buf.getvalue()


@contextmanager
def exclusive(settings: Settings, name: str, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold the warehouse-wide lock `name` around work that runs in another process (dbt):
    on Postgres on a connection of its own, held for the block; on DuckDB nothing is needed
    (the file has one writer process at a time, dbt included)."""
    if settings.warehouse != "postgres":
        yield
        return
    wh = PostgresWarehouse(settings.postgres.conninfo(), settings.postgres.describe())
    try:
        with wh.exclusive(name, wait_s):
            yield
    finally:
        wh.close()


def connect(settings: Settings) -> Warehouse:
    """Open the configured warehouse and make sure the raw schema exists."""
    wh: Warehouse
    if settings.warehouse == "duckdb":
        wh = DuckDBWarehouse(settings.duckdb_path, memory_limit=settings.duckdb_memory_limit,
                             published=settings.published_path)
    else:
        wh = PostgresWarehouse(settings.postgres.conninfo(), settings.postgres.describe())
    for stmt in create_schema_sql(wh.dialect):
        wh.execute(stmt)
    return wh
