"""Stray carriage returns in a CSV file: the one thing DuckDB's CSV reader refuses a whole
file over, however it is told to handle bad lines.

In a file whose lines end in LF or CRLF, a CR that is not followed by LF and sits outside a
quoted field ("On\\re") puts the reader's state machine in an "invalid state" and nothing of
the file loads. Such a record is a bad line like any other: this module finds them and
writes a copy of the file in which each is replaced by a stand-in line the reader rejects
(one column too many), so that its line number stays where it was; the loader then puts
the record's own text and a reason in the quarantine in the stand-in's place. Lines above
the header (quarantined from their own text) just lose their stray CRs in the copy.

A file whose lines end in a bare CR (old Mac exports) has no stray CRs: every CR ends a
line, and the reader handles those.
"""

from __future__ import annotations

import gzip
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

REASON = "a raw carriage return (CR) inside an unquoted field"
JSONL_REASON = "a raw carriage return (CR) inside the line"
_STRAY = re.compile(rb"\r(?!\n)")
_SPECIAL = re.compile(rb'[",\r\n]')
_LINE = re.compile(rb"[\r\n]")


@dataclass(frozen=True)
class Mended:
    path: Path  # the file to read: the original, or the copy with stand-in lines
    stand_ins: dict[str, str]  # stand-in line -> the record's text it replaces


def _open(path: Path) -> BinaryIO:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def _has_stray(path: Path) -> bool:
    """Whether the file holds a stray CR, read a chunk at a time (most files have none)."""
    with _open(path) as fh:
        first = fh.read(1 << 16)
        if not uses_lf(first):
            return False
        tail = b""
        chunk = first
        while chunk:
            buf = tail + chunk
            if any(m.start() < len(buf) - 1 for m in _STRAY.finditer(buf)):
                return True
            tail = b"\r" if buf.endswith(b"\r") else b""
            chunk = fh.read(1 << 20)
        return tail == b"\r"


def uses_lf(data: bytes) -> bool:
    """Lines end in LF or CRLF, not a bare CR (`data` is the top of the file): a CR without
    an LF after it is then stray."""
    return b"\n" in data or b"\r" not in data


def mend(path: Path, header_line: int, columns: int, workdir: Path,
         quoted: bool = True) -> Mended:
    """The file as the CSV reader can take it: `path` itself unless a record past the
    header (line `header_line`) holds a stray CR outside quotes. JSON Lines (`quoted`
    false: the loader reads them one line a row, no quotes) get a stand-in that is no JSON,
    for the loader to swap back."""
    if not _has_stray(path):
        return Mended(path, {})
    with _open(path) as fh:
        data = fh.read()
    if data.endswith(b"\r"):  # the last line's CRLF lost its LF: a line end all the same
        data += b"\n"
    out, stand_ins = bytearray(), {}
    nonce = secrets.token_hex(6)
    pos, line = 0, 1
    while pos < len(data):  # lines up to the header: one line each, stray CRs blanked
        if line > header_line:
            break
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end + 1
        out += _STRAY.sub(b" ", data[pos:end])
        pos, line = end, line + 1
    for start, end, stray in _records(data, pos, quoted):
        record = data[start:end]
        if not stray:
            out += record
            continue
        body = record[:-1] if record.endswith(b"\n") else record
        body = body[:-1] if body.endswith(b"\r") else body
        stand_in = f"podwh-stray-cr-{nonce}-{len(stand_ins)}" + ",-" * columns  # 1 too many
        stand_in = stand_in if quoted else stand_in.replace(",", "")
        stand_ins[stand_in] = body.decode("utf-8", errors="replace")
        out += stand_in.encode() + record[len(body):]
    mended = workdir / f"{nonce}-{path.name.removesuffix('.gz')}"
    mended.write_bytes(bytes(out))
    return Mended(mended, stand_ins)


def _records(data: bytes, pos: int, quotes: bool) -> Iterator[tuple[int, int, bool]]:
    """(start, end, has a stray CR outside quotes) of each record from `pos`, read the way
    DuckDB's reader reads them: a quote opens a quoted field only at the field's start, a
    quoted field may span lines, `""` inside it is a quote (without `quotes`: lines)."""
    start, field_start, quoted, stray = pos, pos, False, False
    matches = (_SPECIAL if quotes else _LINE).finditer(data, pos)
    for m in matches:
        i, ch = m.start(), data[m.start()]
        if quoted:
            if ch == 0x22:  # '"': closes, unless doubled
                if data[i + 1:i + 2] == b'"':
                    next(matches, None)
                else:
                    quoted = False
            continue
        if ch == 0x22:
            quoted = i == field_start
        elif ch == 0x2C:  # ','
            field_start = i + 1
        elif ch == 0x0D:
            stray = stray or data[i + 1:i + 2] != b"\n"
        else:  # LF: the record ends
            yield start, i + 1, stray
            start = field_start = i + 1
            stray = False
    if start < len(data):
        yield start, len(data), stray
