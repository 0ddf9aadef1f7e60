"""Load landing files into raw tables: bulk, idempotent, bad rows quarantined.

A file is identified by its path under the landing directory and its content hash. A file
already loaded with the same hash is skipped; a file whose content changed replaces its
earlier rows. Each file is loaded in one transaction (its rows, its quarantine rows and its
manifest row together), so a run killed half-way leaves no partial file behind.
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
from ingest.load.parse import PARSED, UnreadableFile, parse_file

log = logging.getLogger(__name__)
BATCH_ROWS = 500_000
PARSER_MEMORY_LIMIT = "2GB"
REQUIRED_SOURCES = frozenset({"shows"})  # the registry: without it nothing can be tracked


class LandingError(Exception):
    """The landing directory lacks something the pipeline can't run without."""


@dataclass
class FileReport:
    path: str
    status: str  # loaded | replaced | unchanged | unreadable
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

    def summary(self) -> str:
        changed = sum(f.status in ("loaded", "replaced") for f in self.files)
        return (
            f"raw.{self.table}: {changed} file(s) loaded, "
            f"{len(self.files) - changed} unchanged/unreadable, {self.rows} rows, "
            f"{self.quarantined} quarantined"
        )


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


def load_table(wh: Warehouse, landing_dir: Path, table: RawTable) -> TableReport:
    report = TableReport(table.name)
    files = landing_files(landing_dir, table)
    if not files:
        report.warnings.append(
            f"no landing files for raw.{table.name} in {landing_dir / table.source} "
            f"(patterns {', '.join(table.patterns)}): nothing loaded"
        )
    loaded = dict(
        wh.fetchall(
            "select source_file, sha256 from raw._load_manifest where table_name = ?",
            [table.name],
        )
    )
    # Parsing holds one landing file at a time; bounded so loads stay small beside the
    # warehouse (it spills to disk beyond this).
    parser = duckdb.connect(config={"memory_limit": PARSER_MEMORY_LIMIT,
                                    "temp_directory": tempfile.gettempdir()})
    parser.execute("set TimeZone = 'UTC'")
    try:
        for path in files:
            rel = path.relative_to(landing_dir).as_posix()
            digest = _sha256(path)
            if loaded.get(rel) == digest:
                report.files.append(FileReport(rel, "unchanged"))
                continue
            status = "replaced" if rel in loaded else "loaded"
            report.files.append(_load_file(wh, parser, path, rel, digest, table, status))
    finally:
        parser.close()
    for f in report.files:
        if f.quarantined:
            log.warning("%s: %d row(s) quarantined %s", f.path, f.quarantined, f.message)
    return report


def load_all(
    wh: Warehouse, landing_dir: Path, tables: Iterable[RawTable] = TABLES
) -> list[TableReport]:
    return [load_table(wh, landing_dir, t) for t in tables]


def _load_file(
    wh: Warehouse,
    parser: duckdb.DuckDBPyConnection,
    path: Path,
    rel: str,
    digest: str,
    table: RawTable,
    status: str,
) -> FileReport:
    now = datetime.now(UTC).replace(tzinfo=None)
    try:
        parse_file(parser, path, table)
        unreadable = None
    except UnreadableFile as exc:
        unreadable = str(exc)
    with wh.transaction():
        wh.execute(f"delete from raw.{quote(table.name)} where _source_file = ?", [rel])
        wh.execute(
            "delete from raw.quarantine where source_table = ? and source_file = ?",
            [table.name, rel],
        )
        if unreadable is not None:
            _quarantine_file(wh, table, rel, unreadable, now)
            rows, bad, status = 0, 1, "unreadable"
        else:
            rows = wh.append(table.name, _good_batches(parser, table, rel, now))
            bad = wh.append(QUARANTINE.name, _bad_batches(parser, table, rel, now))
        wh.execute(
            "delete from raw._load_manifest where table_name = ? and source_file = ?",
            [table.name, rel],
        )
        wh.execute(
            "insert into raw._load_manifest values (?, ?, ?, ?, ?, ?)",
            [table.name, rel, digest, rows, bad, now],
        )
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
        f"_reason as reason, left(_raw_record, 2000) as raw_record, $now as quarantined_at "
        f"from {PARSED} where _reason is not null order by _source_line",
        params={"table": table.name, "file": rel, "now": now},
    ).to_arrow_reader(BATCH_ROWS)
    yield from reader


def _quarantine_file(wh: Warehouse, table: RawTable, rel: str, reason: str, now: datetime) -> None:
    row = {"source_table": table.name, "source_file": rel, "source_line": None,
           "reason": f"unreadable file: {reason}", "raw_record": None, "quarantined_at": now}
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
