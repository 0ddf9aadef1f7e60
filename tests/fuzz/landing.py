"""Hypothesis strategies for landing files, derived from the landing contract.

A case is one landing file of one raw table in one format the table accepts, built from
rows whose fate is known in advance: a good row (valid per its columns' types and the
README's range rules) must load with its values intact; a bad row (one value or one line
broken) must be quarantined at its line with a reason; a refused file (corrupt gzip,
reserved column names, no header, missing required columns) must leave exactly one
quarantine row and no rows. Nothing here is written per table: every table gets the same
treatment from its `RawTable` in `core.contract`.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import strategies as st

from core.contract import RESERVED_NAMES, TABLES, Column, RawTable

NOW = datetime.now(UTC).replace(tzinfo=None)
EARLIEST = datetime(2000, 1, 2)
LONG_LINE = 2_100_000  # past DuckDB's 2 MB line limit


def formats(table: RawTable) -> list[str]:
    """The formats the contract's file patterns accept, by file suffix."""
    found = []
    for pattern in table.patterns:
        for fmt in ("jsonl.gz", "jsonl", "parquet", "csv"):
            if pattern.endswith("." + fmt) and fmt not in found:
                found.append(fmt)
                break
    return found


CASES = [(t, fmt) for t in TABLES for fmt in formats(t)]


def file_name(table: RawTable, fmt: str, n: int) -> str:
    """A name inside the table's folder that its patterns match (flat patterns only)."""
    pattern = next(p for p in table.patterns if p.endswith("." + fmt) and "/" not in p)
    return pattern.replace("*", f"fuzz{n:06d}", 1)


def key_column(table: RawTable) -> Column:
    """The required text column that carries each good row's unique key."""
    return next(c for c in table.columns if c.required and c.kind == "text")


# -- values ----------------------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=12)
IP_SPELLINGS = ["203.0.113.7", " 203.0.113.7 ", "0.0.0.0", "203.0.113.7:443", "2001:db8::1",
                "2001:DB8::1", "::", "::ffff:203.0.113.7", "fe80::1%eth0",
                "[2001:db8::1]:443", "1:2:3:4:5::1.2.3.4"]
BAD_IPS = ["999.1.1.1", "1.2.3", "010.1.1.1", "hello", "::g", "1::2::3", "12345::1",
           "203.0.113.7x", "-"]
BAD_TIMES = ["2026-03-02T07:14:09", "2026-03-02T07:14:09 PST", "2026-03-02T07:14:09+25:00",
             "0001-01-01T00:00:00Z", "2099-03-02T00:00:00Z", "infinity", "-infinity",
             "2026-02-30T00:00:00Z", "2026-03-02", "yesterday", "1709363649", "epoch"]
BAD_DATES = ["2026-02-30", "0001-01-01", "2099-01-01", "infinity", "03/02/2026", "soon"]
BAD_NUMBERS = ["abc", "", "1,000", "0x10", "\uff11\uff12", "--1"]


@dataclass(frozen=True)
class Good:
    """A value as written, and as the raw table must hold it."""

    text: str | None  # None: absent (CSV: empty field, JSON: no key, Parquet: null)
    stored: Any


def _int_range(col: Column) -> tuple[int, int]:
    bits = 31 if col.kind == "int" else 63
    low = int(col.minimum) if col.minimum is not None else -(2 ** bits)
    high = int(col.maximum) if col.maximum is not None else 2 ** bits - 1
    return low, high


@st.composite
def good_value(draw: st.DrawFn, col: Column, table: RawTable) -> Good:
    optional_empty = not col.required and draw(st.integers(0, 5)) == 0
    if optional_empty:
        default = table.defaults.get(col.name)
        stored = None if default is None else (
            default.strip("'") if col.kind == "text" else int(default))
        return Good(draw(st.sampled_from([None, ""])), stored)
    if col.kind == "text":
        text = draw(TEXT.filter(bool) if col.required else TEXT)
        if text == "" and col.name in table.defaults:
            return Good(text, table.defaults[col.name].strip("'"))
        return Good(text, text if text else None)
    if col.kind == "ip":
        ip = draw(st.sampled_from(IP_SPELLINGS) | st.ip_addresses().map(str))
        return Good(ip, ip.strip())
    if col.kind in ("int", "bigint"):
        n = draw(st.integers(*_int_range(col)))
        return Good(str(n), n)
    if col.kind == "double":
        x = draw(st.floats(allow_nan=False, allow_infinity=False, min_value=col.minimum,
                           max_value=col.maximum))
        return Good(repr(x), x)
    if col.kind == "date":
        d = draw(st.dates(date(2000, 1, 1), NOW.date() + timedelta(days=365)))
        return Good(d.isoformat(), d)
    assert col.kind == "timestamp", col.kind
    utc = draw(st.datetimes(EARLIEST, NOW - timedelta(days=1)))
    minutes = draw(st.integers(-12 * 4, 14 * 4)) * 15
    local = utc + timedelta(minutes=minutes)
    sign, off = ("-" if minutes < 0 else "+"), abs(minutes)
    offset = (draw(st.sampled_from(["Z", "+00:00"])) if minutes == 0
              else f"{sign}{off // 60:02d}:{off % 60:02d}")
    fraction = f".{local.microsecond:06d}" if local.microsecond else ""
    sep = draw(st.sampled_from(["T", " "]))
    return Good(local.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + fraction + offset, utc)


def bad_values(col: Column) -> list[str]:
    """Values of the column's kind that the rules refuse (each names the column)."""
    if col.kind == "ip":
        return [*BAD_IPS, "203.0.\x00113.7"]
    if col.kind == "text":
        return ["Over\x00cast"]
    if col.kind == "timestamp":
        return BAD_TIMES
    if col.kind == "date":
        return BAD_DATES
    numbers = [n for n in BAD_NUMBERS if n]
    if col.kind == "double":
        return [*numbers, "NaN", "inf", "-Infinity", "1e400"]
    low, high = _int_range(col)
    out = [*numbers, "12.5", str(high + 1), str(low - 1), "9" * 30]
    return out


# -- rows and files --------------------------------------------------------------------


@dataclass
class Row:
    values: dict[str, str | None]  # column -> text as written
    stored: dict[str, Any] | None = None  # good rows: what the raw table must hold
    reason: str | None = None  # bad rows: a fragment of the quarantine reason
    raw: bytes | None = None  # a line written as is (structural damage)
    json_values: dict[str, Any] = field(default_factory=dict)  # JSON-typed overrides


@dataclass
class Case:
    table: RawTable
    fmt: str
    content: bytes
    rows: list[tuple[int, Row]]  # (expected line or row number, row) in file order
    refused: str | None = None  # the whole file is refused: a fragment of the reason
    notes: list[str] = field(default_factory=list)

    @property
    def good(self) -> list[tuple[int, Row]]:
        return [(n, r) for n, r in self.rows if r.reason is None]

    @property
    def bad(self) -> list[tuple[int, Row]]:
        return [(n, r) for n, r in self.rows if r.reason is not None]


@st.composite
def good_row(draw: st.DrawFn, table: RawTable, key: str) -> Row:
    values, stored = {}, {}
    for col in table.columns:
        v = draw(good_value(col, table))
        values[col.name], stored[col.name] = v.text, v.stored
    kc = key_column(table).name
    values[kc] = stored[kc] = key
    return Row(values, stored)


@st.composite
def bad_value_row(draw: st.DrawFn, table: RawTable, key: str, fmt: str,
                  names: list[str] | None) -> Row:
    """A good row with one value broken: missing, not its type, out of range, a NUL (in a
    column the file has: `names`, or all)."""
    row = draw(good_row(table, key))
    col = draw(st.sampled_from([c for c in table.columns if names is None or c.name in names]))
    kinds = (["missing"] if col.required else []) + ["bad"] * (col.kind != "text"
                                                              or col.required)
    if col.kind == "text":
        kinds.append("nul")
    if fmt.startswith("jsonl") and col.kind in ("int", "bigint", "double"):
        kinds.append("json_type")
    if not kinds:
        return row  # an optional text column: nothing to break, the row stays good
    kind = draw(st.sampled_from(kinds))
    if kind == "missing":
        row.values[col.name] = draw(st.sampled_from([None, "", "  "] if col.kind == "ip"
                                                    else [None, ""]))
        row.reason = f"missing required field {col.name}"
    elif kind == "json_type":
        row.json_values[col.name] = draw(st.sampled_from([[1], {"a": 1}, True, "x", 12.5]))
        row.reason = f"field {col.name}:"
    elif kind == "nul":
        row.values[col.name] = "Over\x00cast"
        row.reason = f"field {col.name}: contains a NUL character"
    else:
        value = draw(st.sampled_from(bad_values(col)))
        if value == "" or (col.kind == "ip" and not value.strip()):
            row.reason = (f"missing required field {col.name}" if col.required else None)
        else:
            row.reason = f"field {col.name}:"
        row.values[col.name] = value
    row.stored = None if row.reason else row.stored
    return row


CSV_DAMAGE = {
    "too many columns": "TOO MANY COLUMNS",
    "too few columns": "MISSING COLUMNS",
    "bad quote": "UNQUOTED VALUE",
    "raw CR": "carriage return",
    "not UTF-8": "INVALID ENCODING",
    "overlong": "",  # DuckDB may name the line size or the column count it saw
}
JSONL_DAMAGE = {
    "not JSON": "not valid JSON",
    "truncated": "not valid JSON",
    "array": "not a JSON object",
    "scalar": "not a JSON object",
    "raw CR": "carriage return",
    "not UTF-8": "INVALID ENCODING",
    "raw NUL": "",
    "overlong": "LINE SIZE OVER MAXIMUM",
}


def _csv_line(fields: list[str | None], newline: str) -> bytes:
    """One record: a field holding a comma, a quote, CR or LF is quoted (quotes doubled)."""
    out = []
    for f in fields:
        f = "" if f is None else f
        out.append('"' + f.replace('"', '""') + '"' if any(c in f for c in ',"\r\n') else f)
    return (",".join(out) + newline).encode()


def absent(table: RawTable, name: str) -> Any:
    """What the raw table holds for a column a file doesn't have: its default, or NULL."""
    default = table.defaults.get(name)
    if default is None:
        return None
    return default.strip("'") if default.startswith("'") else int(default)


@st.composite
def damaged_row(draw: st.DrawFn, table: RawTable, key: str, fmt: str, names: list[str],
                newline: str) -> Row:
    """A line broken as a line: wrong column count, a bad quote, a stray CR, bad bytes."""
    row = draw(good_row(table, key))
    damage = draw(st.sampled_from(sorted(CSV_DAMAGE if fmt == "csv" else JSONL_DAMAGE)))
    if fmt == "csv":
        fields = [row.values.get(n) or "x" for n in names]
        fields = [f.replace('"', "").replace("\r", "").replace("\n", "") or "x"
                  for f in fields]  # plain, unquoted fields
        if damage == "too many columns":
            line = ",".join([*fields, "extra"])
        elif damage == "too few columns":
            line = ",".join(fields[:-1])
        elif damage == "bad quote":
            line = ",".join(['"A "quoted" word"', *fields[1:]])
        elif damage == "raw CR":
            line = ",".join([fields[0] + "\rx", *fields[1:]])
        elif damage == "overlong":
            line = ",".join([fields[0] + "x" * LONG_LINE, *fields[1:]])
        else:
            line = ",".join(fields)
        raw = line.encode() + newline.encode()
        if damage == "not UTF-8":
            raw = b"\xff\xfe" + raw
        row.reason = CSV_DAMAGE[damage]
    else:
        text = json.dumps(row.values)
        raw = {
            "not JSON": b"{not json at all",
            "truncated": text[: len(text) // 2].encode(),
            "array": json.dumps(list(row.values.values())).encode(),
            "scalar": b"42",
            "raw CR": text.replace(":", ":\r", 1).encode(),
            "not UTF-8": text.replace('"', '"\xff', 1).encode("latin-1", "replace"),
            "raw NUL": text.replace(f'"{key}"', f'"{key}\x00"').encode(),
            "overlong": text.replace(f'"{key}"', f'"{key}{"x" * LONG_LINE}"').encode(),
        }[damage] + newline.encode()
        if damage == "not UTF-8":
            raw = text.replace('"', '"\xff', 1).encode("utf-8").replace(b"\xc3\xbf", b"\xff")
            raw += newline.encode()
        row.reason = JSONL_DAMAGE[damage]
    row.raw, row.stored = raw, None
    return row


_counter = iter(range(10**9))


def next_key() -> str:
    return f"k{next(_counter):07d}"


@st.composite
def rows(draw: st.DrawFn, table: RawTable, fmt: str, names: list[str] | None = None,
         newline: str = "\n") -> list[Row]:
    out = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["good", "good", "bad value", "damaged"]))
        if kind == "damaged" and fmt != "parquet":
            out.append(draw(damaged_row(table, next_key(), fmt, names or [], newline)))
        elif kind == "bad value":
            out.append(draw(bad_value_row(table, next_key(), fmt, names)))
        else:
            out.append(draw(good_row(table, next_key())))
    return out


def _gzip(data: bytes, corrupt: bool) -> bytes:
    packed = bytearray(gzip.compress(data))
    if corrupt:
        packed = packed[: max(10, len(packed) // 2)]
    return bytes(packed)


@st.composite
def csv_case(draw: st.DrawFn, table: RawTable) -> Case:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    optional = [c.name for c in table.columns if not c.required]
    names = [c.name for c in table.columns if c.required] + draw(
        st.lists(st.sampled_from(optional), unique=True) if optional else st.just([]))
    names = draw(st.permutations(names))
    extra = draw(st.lists(st.sampled_from(["notes", "Unknown Col", "x"]), unique=True,
                          max_size=2))
    reserved = draw(st.sampled_from(sorted(RESERVED_NAMES))) if draw(
        st.integers(0, 9)) == 0 else None
    spelled = [draw(st.sampled_from([n, n.upper(), f" {n} "])) for n in names]
    header_names = spelled + extra + ([reserved.upper()] if reserved else [])
    junk = draw(st.lists(st.sampled_from(["Exported by RegistryTool 4.2", "# report",
                                          "total: 12 rows", "generated 2026-03-01"]),
                         max_size=3))
    bom = draw(st.booleans())
    written = draw(rows(table, "csv", names + extra, newline))
    out = bytearray(b"\xef\xbb\xbf" if bom else b"")
    for line in junk:
        out += line.encode() + newline.encode()
    prefix = bytes(out)
    out += _csv_line(header_names, newline)
    expected: list[tuple[int, Row]] = [(i, Row({}, reason="a line above the header"))
                                       for i, _ in enumerate(junk, start=1)]
    line = len(junk) + 1
    for row in written:
        line += 1
        if row.raw is not None:
            out += row.raw
        else:
            values = [row.values.get(n) for n in names]
            out += _csv_line(values + ["extra"] * len(extra) + (["x"] if reserved else []),
                             newline)
            for n in table.column_names:  # a column the header lacks: its default or NULL
                if n not in names and row.stored is not None:
                    row.stored[n] = absent(table, n)
        expected.append((line, row))
    if reserved:
        return Case(table, "csv", bytes(out), expected, refused="reserved")
    if draw(st.integers(0, 15)) == 0:  # empty, or no header naming the required columns
        body = bytes(out)[len(prefix) + len(_csv_line(header_names, newline)):]
        nameless = prefix + _csv_line([f"{n}_x" for n in header_names], newline) + body
        content = draw(st.sampled_from([b"", nameless]))
        return Case(table, "csv", content, expected, refused="no header naming")
    return Case(table, "csv", bytes(out), expected)


@st.composite
def jsonl_case(draw: st.DrawFn, table: RawTable, gz: bool) -> Case:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    ascii_only = draw(st.booleans())
    written = draw(rows(table, "jsonl", None, newline))
    out, expected, line = bytearray(), [], 0
    for row in written:
        if draw(st.integers(0, 5)) == 0:  # a blank line is no row
            out += newline.encode()
            line += 1
        line += 1
        if row.raw is not None:
            out += row.raw
        else:
            obj = {k: v for k, v in row.values.items() if v is not None}
            obj.update(row.json_values)
            if draw(st.booleans()):  # numbers as JSON numbers where they are numbers
                for c in table.columns:
                    if (c.kind in ("int", "bigint") and c.name not in row.json_values
                            and re.fullmatch(r"-?[0-9]+", obj.get(c.name) or "")):
                        obj[c.name] = int(obj[c.name])
            if draw(st.integers(0, 4)) == 0:
                obj["unexpected_key"] = "ignored"
            out += json.dumps(obj, ensure_ascii=ascii_only).encode() + newline.encode()
        expected.append((line, row))
    corrupt = gz and bool(out) and draw(st.integers(0, 7)) == 0
    content = _gzip(bytes(out), corrupt) if gz else bytes(out)
    return Case(table, "jsonl.gz" if gz else "jsonl", content, expected,
                refused="corrupted or truncated gzip" if corrupt else None)


@st.composite
def parquet_case(draw: st.DrawFn, table: RawTable) -> Case:
    written = draw(rows(table, "parquet"))
    names = list(draw(st.permutations(table.column_names)))
    drop_required = draw(st.integers(0, 11)) == 0
    if drop_required:
        names.remove(key_column(table).name)
    reserved = draw(st.sampled_from(sorted(RESERVED_NAMES))) if draw(
        st.integers(0, 11)) == 0 else None
    columns = {n: pa.array([r.values.get(n) for r in written], pa.string()) for n in names}
    if reserved:
        columns[reserved] = pa.array(["x"] * len(written), pa.string())
    buf = io.BytesIO()
    pq.write_table(pa.table(columns) if columns else pa.table({}), buf)
    expected = list(enumerate(written, start=1))
    refused = "reserved" if reserved else "missing column" if drop_required else None
    return Case(table, "parquet", buf.getvalue(), expected, refused=refused)


def cases(table: RawTable, fmt: str) -> st.SearchStrategy[Case]:
    if fmt == "csv":
        return csv_case(table)
    if fmt == "parquet":
        return parquet_case(table)
    return jsonl_case(table, gz=fmt == "jsonl.gz")
