"""Find a CSV landing file's header, so that the file is read with a fixed dialect rather
than DuckDB's sniffer, which gives up on a whole file over one bad quote.

The header is the first of the first `SEARCH_LINES` lines that names every required
column of the table; names are matched ignoring case and surrounding spaces (`TENANT_ID`
is `tenant_id`). Lines before it (an export tool's banner) are returned so that they are
quarantined, never silently skipped.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

from core.contract import RawTable
from ingest.load.csv_returns import uses_lf

SEARCH_LINES = 20


class NoHeader(Exception):
    """No line near the top names the table's required columns."""


@dataclass(frozen=True)
class Header:
    names: list[str]  # the columns in file order, contract names normalised
    line: int  # 1-based line of the header
    before: list[tuple[int, str]]  # (line, text) of the lines above it


def find_header(path: Path, table: RawTable) -> Header:
    required = {c.name for c in table.columns if c.required}
    known = {c.name for c in table.columns}
    lines = _first_lines(path)
    for index, text in enumerate(lines):
        try:
            fields = next(csv.reader([text.replace("\r", " ")]), [])
        except csv.Error:  # a field over the csv module's limit (128 KiB): no header
            continue
        names = [_normalised(f, known) for f in fields]
        if required <= set(names):
            return Header(names, index + 1, list(enumerate(lines[:index], start=1)))
    raise NoHeader(f"no header naming {', '.join(sorted(required))} in the first "
                   f"{SEARCH_LINES} lines")


def _normalised(field: str, known: set[str]) -> str:
    name = field.lstrip("\ufeff").strip()
    return name.lower() if name.lower() in known else name


def _first_lines(path: Path) -> list[str]:
    """The top lines, split where the CSV reader splits them: at LF (CRLF) in a file whose
    lines end so, a stray CR inside a line staying part of it; at CR in a CR-only file."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as raw:
        top = raw.read(1 << 16)
    newline = "\n" if uses_lf(top) else ""
    with opener(path, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8", errors="replace",
                                                      newline=newline) as text:
        return [line.rstrip("\r\n") for _, line in zip(range(SEARCH_LINES), text,
                                                        strict=False)]
