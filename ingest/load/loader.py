"""Load landing files into raw tables: bulk, idempotent, bad rows quarantined.

A file is identified by its path under the landing directory and its content hash. A file
already loaded with the same hash is skipped; a file whose content changed replaces its
earlier rows. A file with the same content as another loaded file of its table (a delivery
repeated under a new name) is a duplicate: it is skipped, reported and given a quarantine
row naming the original, and it loads after all if the original's content changes. Each
file is loaded in one transaction (its rows, its quarantine rows and its manifest row
together), so a run killed half-way leaves no partial file behind.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from core.contract import QUARANTINE, TABLES, RawTable
from core.ddl import arrow_batch, quote
from core.warehouse import Warehouse
from ingest.load.parse import PARSED, TimeWindow, UnreadableFile, parse_file
from ingest.registry import quarantine_claimed_shows

log = logging.getLogger(__name__)
BATCH_ROWS = 500_000
PARSER_MEMORY_LIMIT = "2GB"
REQUIRED_SOURCES = frozenset({"shows"})  # the registry: without it nothing can be tracked


class LandingError(Exception):
    """The landing directory lacks something the pipeline can't run without."""


@dataclass
class FileReport:
    path: str
    status: str  # loaded | replaced | unchanged | unreadable | duplicate
    rows: int = 0
    quarantined: int = 0
    message: str = ""


@dataclass
class TableReport:
    table: str
    files: list[FileReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    @property
    def quarantined_share(self) -> float:
        """Of the rows this load read (loaded or quarantined), the share quarantined."""
        read = self.rows + self.quarantined
        return self.quarantined / read if read else 0.0

    def summary(self) -> str:
        changed = sum(f.status in ("loaded", "replaced") for f in self.files)
        duplicates = sum(f.status == "duplicate" for f in self.files)
        return (
            f"raw.{self.table}: {changed} file(s) loaded, "
            f"{len(self.files) - changed - duplicates} unchanged/unreadable, "
            + (f"{duplicates} duplicate(s) skipped, " if duplicates else "")
            + f"{self.rows} rows, {self.quarantined} quarantined"
        )


@dataclass(frozen=True)
class Loaded:
    """A landing file's row in raw._load_manifest."""

    sha256: str
    rows: int
    duplicate_of: str | None


class Manifest:
    """What raw._load_manifest says of one table's files, kept current as a load goes on:
    each file's hash, and for each content hash the file whose rows hold it."""

    def __init__(self, rows: list[tuple[str, str, int | None, str | None]]) -> None:
        self.files = {path: Loaded(sha, rows or 0, dup) for path, sha, rows, dup in rows}
        self.originals: dict[str, str] = {}
        for path, entry in sorted(self.files.items()):
            self._hold(path, entry)

    def _hold(self, path: str, entry: Loaded) -> None:
        if entry.duplicate_of is None and entry.rows > 0:
            self.originals.setdefault(entry.sha256, path)

    def original_of(self, path: str, digest: str) -> str | None:
        """The other file whose rows hold this content, if any."""
        original = self.originals.get(digest)
        return original if original != path else None

    def unchanged(self, path: str, digest: str, duplicate_of: str | None) -> bool:
        entry = self.files.get(path)
        return (entry is not None and entry.sha256 == digest
                and entry.duplicate_of == duplicate_of)

    def record(self, path: str, entry: Loaded) -> None:
        self.originals = {sha: p for sha, p in self.originals.items() if p != path}
        self.files[path] = entry
        self._hold(path, entry)


def landing_files(landing_dir: Path, table: RawTable) -> list[Path]:
    """The table's landing files, sorted; a clear error or warning when there are none."""
    if not landing_dir.is_dir():
        raise LandingError(
            f"landing directory {landing_dir} does not exist (set PODWH_LANDING_DIR, "
            f"or run `make demo` to generate a synthetic world)"
        )
    folder = landing_dir / table.source
    files = sorted({p for pattern in table.patterns for p in folder.glob(pattern) if p.is_file()})
    if not files and table.source in REQUIRED_SOURCES:
        expected = folder / table.patterns[0]
        raise LandingError(f"missing landing file {expected}: {table.doc}")
    return files


def load_table(wh: Warehouse, landing_dir: Path, table: RawTable,
               future_days: int = TimeWindow.future_days) -> TableReport:
    """Load the table's new and changed landing files. Two loads of one table never run at
    once (on Postgres an advisory lock; on DuckDB the file's single writer): the second
    reads the manifest the first left, so it adds nothing twice."""
    with wh.exclusive(f"the load of raw.{table.name}"):
        report = _load_table(wh, landing_dir, table, future_days)
        if table.name == "shows":  # a show id is a key within its first tenant's world
            for reason in quarantine_claimed_shows(wh):
                report.warnings.append(reason)
        return report


def _load_table(wh: Warehouse, landing_dir: Path, table: RawTable,
                future_days: int) -> TableReport:
    report = TableReport(table.name)
    files = landing_files(landing_dir, table)
    if not files:
        report.warnings.append(
            f"no landing files for raw.{table.name} in {landing_dir / table.source} "
            f"(patterns {', '.join(table.patterns)}): nothing loaded"
        )
    manifest = Manifest(wh.fetchall(
        "select source_file, sha256, rows_loaded, duplicate_of from raw._load_manifest "
        "where table_name = ?", [table.name]))
    # Parsing holds one landing file at a time; bounded so loads stay small beside the
    # warehouse (it spills to disk beyond this).
    parser = duckdb.connect(config={"memory_limit": PARSER_MEMORY_LIMIT,
                                    "temp_directory": tempfile.gettempdir()})
    parser.execute("set TimeZone = 'UTC'")
    try:
        deferred = []  # duplicates, judged once every original of this run has loaded
        for path in files:
            rel, digest = path.relative_to(landing_dir).as_posix(), _sha256(path)
            if manifest.original_of(rel, digest):
                deferred.append((path, rel, digest))
            elif manifest.unchanged(rel, digest, None):
                report.files.append(FileReport(rel, "unchanged"))
            else:
                report.files.append(_load(wh, parser, path, rel, digest, table, manifest,
                                          future_days))
        for path, rel, digest in deferred:
            original = manifest.original_of(rel, digest)
            if original is None:  # the original's content changed in this run
                report.files.append(_load(wh, parser, path, rel, digest, table, manifest,
                                          future_days))
            elif manifest.unchanged(rel, digest, original):
                report.files.append(FileReport(rel, "unchanged"))
            else:
                report.files.append(_skip_duplicate(wh, rel, digest, table, original))
                manifest.record(rel, Loaded(digest, 0, original))
    finally:
        parser.close()
    for f in report.files:
        if f.quarantined:
            log.warning("%s: %d row(s) quarantined %s", f.path, f.quarantined, f.message)
    return report


def load_all(
    wh: Warehouse, landing_dir: Path, tables: Iterable[RawTable] = TABLES,
    future_days: int = TimeWindow.future_days,
) -> list[TableReport]:
    return [load_table(wh, landing_dir, t, future_days) for t in tables]


def _load(wh: Warehouse, parser: duckdb.DuckDBPyConnection, path: Path, rel: str,
          digest: str, table: RawTable, manifest: Manifest, future_days: int) -> FileReport:
    status = "replaced" if rel in manifest.files else "loaded"
    report = _load_file(wh, parser, path, rel, digest, table, status, future_days)
    manifest.record(rel, Loaded(digest, report.rows, None))
    return report


def _skip_duplicate(wh: Warehouse, rel: str, digest: str, table: RawTable,
                    original: str) -> FileReport:
    """A file whose content is already loaded from `original`: none of its rows load (its
    earlier rows, if its content differed before, go), and a quarantine row says why."""
    now = datetime.now(UTC).replace(tzinfo=None)
    reason = (f"duplicate file: the same content (sha256 {digest[:12]}...) as {original}, "
              "already loaded: skipped")
    with wh.transaction():
        _forget_file(wh, table, rel)
        _quarantine_file(wh, table, rel, reason, now, prefix="")
        _record(wh, table, rel, digest, 0, 1, now, duplicate_of=original)
    log.warning("%s: %s", rel, reason)
    return FileReport(rel, "duplicate", 0, 1, reason)


def _forget_file(wh: Warehouse, table: RawTable, rel: str) -> None:
    wh.execute(f"delete from raw.{quote(table.name)} where _source_file = ?", [rel])
    wh.execute("delete from raw.quarantine where source_table = ? and source_file = ?",
               [table.name, rel])


def _record(wh: Warehouse, table: RawTable, rel: str, digest: str, rows: int, bad: int,
            now: datetime, duplicate_of: str | None = None) -> None:
    wh.execute("delete from raw._load_manifest where table_name = ? and source_file = ?",
               [table.name, rel])
    wh.execute(
        "insert into raw._load_manifest (table_name, source_file, sha256, rows_loaded, "
        "rows_quarantined, loaded_at, duplicate_of) values (?, ?, ?, ?, ?, ?, ?)",
        [table.name, rel, digest, rows, bad, now, duplicate_of],
    )


def _load_file(
    wh: Warehouse,
    parser: duckdb.DuckDBPyConnection,
    path: Path,
    rel: str,
    digest: str,
    table: RawTable,
    status: str,
    future_days: int,
) -> FileReport:
    now = datetime.now(UTC).replace(tzinfo=None)
    try:
        parse_file(parser, path, table, TimeWindow(now, future_days))
        unreadable = None
    except UnreadableFile as exc:
        unreadable = str(exc)
    with wh.transaction():
        _forget_file(wh, table, rel)
        if unreadable is not None:
            _quarantine_file(wh, table, rel, unreadable, now)
            rows, bad, status = 0, 1, "unreadable"
        else:
            rows = wh.append(table.name, _good_batches(parser, table, rel, now))
            bad = wh.append(QUARANTINE.name, _bad_batches(parser, table, rel, now))
        _record(wh, table, rel, digest, rows, bad, now)
    message = unreadable or (_first_reasons(parser) if bad else "")
    return FileReport(rel, status, rows, bad, message)


def _good_batches(
    parser: duckdb.DuckDBPyConnection, table: RawTable, rel: str, now: datetime
) -> Iterator[pa.RecordBatch]:
    cols = ", ".join(quote(c) for c in table.column_names)
    reader = parser.sql(
        f"select {cols}, $file as _source_file, _source_line, $now as _loaded_at "
        f"from {PARSED} where _reason is null order by _source_line",
        params={"file": rel, "now": now},
    ).to_arrow_reader(BATCH_ROWS)
    yield from reader


def _bad_batches(
    parser: duckdb.DuckDBPyConnection, table: RawTable, rel: str, now: datetime
) -> Iterator[pa.RecordBatch]:
    reader = parser.sql(
        f"select $table as source_table, $file as source_file, _source_line as source_line, "
        # no NUL: Postgres text can't hold one (the reason quotes the raw value)
        f"replace(_reason, chr(0), '') as reason, "
        f"replace(left(_raw_record, 2000), chr(0), '') as raw_record, $now as quarantined_at "
        f"from {PARSED} where _reason is not null order by _source_line",
        params={"table": table.name, "file": rel, "now": now},
    ).to_arrow_reader(BATCH_ROWS)
    yield from reader


def _quarantine_file(wh: Warehouse, table: RawTable, rel: str, reason: str, now: datetime,
                     prefix: str = "unreadable file: ") -> None:
    row = {"source_table": table.name, "source_file": rel, "source_line": None,
           "reason": prefix + reason, "raw_record": None, "quarantined_at": now}
    wh.append(QUARANTINE.name, [arrow_batch(QUARANTINE, [row], lineage=False)])


def _first_reasons(parser: duckdb.DuckDBPyConnection, limit: int = 3) -> str:
    rows = parser.execute(
        f"select _source_line, _reason from {PARSED} where _reason is not null "
        f"order by _source_line limit {limit}"
    ).fetchall()
    return "(" + "; ".join(f"line {line}: {reason}" for line, reason in rows) + ")"


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
