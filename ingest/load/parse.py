"""Read one landing file in DuckDB and split it into typed rows and quarantined rows.

Every format is read by DuckDB's own readers (CSV, JSON Lines through a line reader,
Parquet), so parsing runs in the engine, vectorised, whatever the file size. The result is
a temp table `_parsed` holding the contract's typed columns plus `_source_line`,
`_reason` (NULL for a good row, else why the row is quarantined) and `_raw_record`.
"""

from __future__ import annotations

import gzip
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from core.contract import DATE_HORIZON_DAYS, EARLIEST_DAY, RESERVED_NAMES, Column, RawTable
from core.ddl import quote, sql_type
from ingest.load import csv_returns
from ingest.load.addresses import ip_check_sql
from ingest.load.csv_header import Header, NoHeader, find_header

PARSED = "_parsed"
# A time's UTC offset, right after its time of day: Z or +-hh[[:]mm], at most 14 hours (Kiribati's
# +14:00; -12:00 is the other end). A zone name or abbreviation (PST: which one?), no
# offset at all or an impossible one (+25:00) is quarantined.
OFFSET_PATTERN = (r"[0-9]:[0-9]{2}(:[0-9]{2})?(\.[0-9]+)?\s*"
                  r"(Z|[+-](0[0-9]|1[0-3])(:?[0-5][0-9])?|[+-]14(:?00)?)$")


class UnreadableFile(Exception):
    """The whole file can't be read (corrupt, wrong format, missing columns)."""


@dataclass(frozen=True)
class TimeWindow:
    """The times and dates a row may carry: finite, from EARLIEST_DAY on, and not further
    ahead of the load than `future_days` (times) or DATE_HORIZON_DAYS (dates, which
    bookings set in advance). Outside it a row is quarantined: a year-1 or year-2099
    request would otherwise send every day loop of the models over centuries."""

    loaded_at: datetime
    future_days: int = 2

    @property
    def latest_time(self) -> str:
        return (self.loaded_at + timedelta(days=self.future_days)).isoformat(sep=" ")

    @property
    def latest_date(self) -> str:
        return (self.loaded_at.date() + timedelta(days=DATE_HORIZON_DAYS)).isoformat()

    @property
    def earliest(self) -> str:
        return EARLIEST_DAY


def file_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    raise UnreadableFile(
        f"{path.name}: unknown landing format (expected .csv, .jsonl[.gz], .parquet)"
    )


def parse_file(con: duckdb.DuckDBPyConnection, path: Path, table: RawTable,
               window: TimeWindow) -> None:
    """Fill temp table `_parsed` from one landing file; raise UnreadableFile if it can't."""
    fmt = file_format(path)
    if path.name.lower().endswith(".gz"):
        _verify_gzip(path)
    for temp in ("_fields", "_rejected", "_rows", PARSED):
        con.execute(f"drop table if exists {temp}")
    try:
        if fmt == "parquet":
            _parquet_fields(con, path, table)
            native_times = frozenset(name for name, kind, *_ in con.execute(
                "describe _fields").fetchall() if kind.startswith("TIMESTAMP"))
        else:
            native_times = frozenset()
            with tempfile.TemporaryDirectory(prefix="podwh-csv-") as workdir:
                _text_fields(con, path, table, fmt, Path(workdir))
        con.execute(f"create temp table {PARSED} as "
                    f"{_typed_select(table, fmt, window, native_times)}")
    except duckdb.Error as exc:
        raise UnreadableFile(f"{path.name}: {_first_line(exc)}") from exc


def _csv_header(path: Path, table: RawTable) -> Header:
    try:
        return find_header(path, table)
    except NoHeader as exc:
        raise UnreadableFile(f"{path.name}: {exc}") from exc


def _verify_gzip(path: Path) -> None:
    """Read a gzip file through once, checking its CRC: DuckDB's reader stops without an
    error at some corruptions and loads what it got. A damaged file is refused whole."""
    try:
        with gzip.open(path, "rb") as stream:
            while stream.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error) as exc:
        raise UnreadableFile(f"{path.name}: corrupted or truncated gzip ({exc}); refused "
                             "whole, so that no part of it loads: deliver it again") from exc


def _text_fields(con: duckdb.DuckDBPyConnection, path: Path, table: RawTable, fmt: str,
                 workdir: Path) -> None:
    """CSV or JSON Lines into `_fields` (all varchar) with line numbers; bad lines kept."""
    source = path
    con.execute("drop table if exists _rej_errors; drop table if exists _rej_scans")
    common = (
        "store_rejects = true, rejects_table = '_rej_errors', rejects_scan = '_rej_scans', "
        "compression = 'auto'"
    )
    if fmt == "jsonl":
        # One varchar column per line: JSON never contains a raw \x01, so nothing is split.
        reader = (
            f"read_csv(?, columns = {{'line': 'VARCHAR'}}, header = false, delim = '\\x01', "
            f"quote = '', escape = '', auto_detect = false, {common})"
        )
        header_lines = 0
        mended = csv_returns.mend(path, 0, 1, workdir, quoted=False)
        source = mended.path
    else:
        header = _csv_header(path, table)
        mended = csv_returns.mend(path, header.line, len(header.names), workdir)
        columns = ", ".join(f"'{n.replace(chr(39), chr(39) * 2)}': 'VARCHAR'"
                            for n in header.names)
        # a fixed dialect: the sniffer gives up on a whole file over one bad quote; with it,
        # each bad line is a reject (quarantined) and the rest loads
        reader = (
            f"read_csv(?, header = false, skip = {header.line}, columns = {{{columns}}}, "
            f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', {common})"
        )
        header_lines = header.line
        source = mended.path
        _refuse_reserved(con, reader, path, source)
    con.execute(
        f"create temp table _fields as select *, row_number() over () + {header_lines} "
        f"as _source_line from {reader}",
        [str(source)],
    )
    if fmt == "csv":
        _require_columns(con, "_fields", table, path)
    con.execute(
        """
        create temp table _rejected as
        select distinct on (line) line, error_type || ': ' || error_message as reason,
            csv_line
        from _rej_errors order by line
        """
    )
    if fmt == "csv" and mended.stand_ins:  # each stand-in's line gets its record and reason
        con.executemany("update _rejected set reason = ?, csv_line = ? where contains(csv_line, ?)",
                        [[csv_returns.REASON, text, stand_in]
                         for stand_in, text in mended.stand_ins.items()])
    if con.execute("select count(*) from _rejected").fetchall()[0][0]:
        _renumber_past_rejects(con, header_lines)
    if fmt == "jsonl":  # a stand-in line becomes the line it stands for, quarantined
        for stand_in, text in mended.stand_ins.items():
            con.execute("insert into _rejected select _source_line, ?, ? from _fields "
                        "where line = ?", [csv_returns.JSONL_REASON, text, stand_in])
            con.execute("delete from _fields where line = ?", [stand_in])
    if fmt == "csv" and header.before:
        con.executemany("insert into _rejected values (?, ?, ?)",
                        [[line, "a line above the header", text]
                         for line, text in header.before])


def _renumber_past_rejects(con: duckdb.DuckDBPyConnection, header_lines: int) -> None:
    """A rejected line is no row of _fields: shift later rows' line numbers past it."""
    con.execute(
        f"""
        create temp table _gaps as
        select line - {header_lines} - row_number() over (order by line) as good_before
        from _rejected
        """
    )
    con.execute(
        f"""
        update _fields set _source_line = _source_line
            + (select count(*) from _gaps where _gaps.good_before < _fields._source_line
               - {header_lines})
        """
    )
    con.execute("drop table _gaps")


def _parquet_fields(con: duckdb.DuckDBPyConnection, path: Path, table: RawTable) -> None:
    _refuse_reserved(con, "read_parquet(?)", path)
    con.execute(
        "create temp table _fields as select *, file_row_number + 1 as _source_line "
        "from read_parquet(?, file_row_number = true)",
        [str(path)],
    )
    _require_columns(con, "_fields", table, path)
    con.execute(
        "create temp table _rejected as select null::bigint as line, null::varchar as reason, "
        "null::varchar as csv_line where false"
    )


def _refuse_reserved(con: duckdb.DuckDBPyConnection, reader: str, path: Path,
                     source: Path | None = None) -> None:
    """A file whose own columns carry the loader's lineage names would overwrite them (and
    with them every row's id): the whole file is refused, naming the columns."""
    names = [row[0] for row in con.execute(f"describe select * from {reader}",
                                           [str(source or path)]).fetchall()]
    reserved = sorted(n for n in names if n.lower() in RESERVED_NAMES)
    if reserved:
        raise UnreadableFile(f"{path.name}: column(s) {', '.join(reserved)} are reserved for "
                             "the loader's lineage: rename or drop them")


def _require_columns(con: duckdb.DuckDBPyConnection, rel: str, table: RawTable, path: Path) -> None:
    """A file lacking a required column is unreadable; a missing optional column is empty
    (so files written before an optional column was added still load)."""
    present = {row[0] for row in con.execute(f"describe {rel}").fetchall()}
    missing = [c for c in table.columns if c.name not in present]
    required = [c.name for c in missing if c.required]
    if required:
        raise UnreadableFile(f"{path.name}: missing column(s) {', '.join(required)}")
    for col in missing:
        con.execute(f"alter table {rel} add column {quote(col.name)} varchar")


def _raw_value(col: Column, position: int, fmt: str) -> str:
    """The column's value as text, NULL when absent or empty."""
    # JSON Lines: the list of extracted values; other formats: the column itself
    value = f"_values[{position + 1}]" if fmt == "jsonl" else f"cast({quote(col.name)} as varchar)"
    if col.kind == "ip":  # kept as text, trimmed; blank is no address
        return f"nullif(trim({value}), '')"
    return f"nullif({value}, '')" if col.kind != "text" else value


def _cast(col: Column, raw: str) -> str:
    if col.kind in ("text", "ip"):
        return raw
    if col.kind == "timestamp":
        # Instants with any offset become UTC (text without one is quarantined: _check)
        return f"timezone('UTC', try_cast({raw} as timestamptz))"
    if col.kind in ("int", "bigint"):  # a whole number: 12.5 is no bigint (a cast rounds it)
        return (f"case when try_cast({raw} as double) = try_cast({raw} as bigint) "
                f"then try_cast({raw} as {sql_type(col.kind, 'duckdb')}) end")
    return f"try_cast({raw} as {sql_type(col.kind, 'duckdb')})"


def _records_sql(table: RawTable, fmt: str) -> str:
    """Rows with their raw record text, and for JSON Lines the extracted values."""
    if fmt != "jsonl":
        fields = ", ".join(f"{quote(c.name)} := f.{quote(c.name)}" for c in table.columns)
        return (f"select f.*, cast(to_json(struct_pack({fields})) as varchar) as _raw_record "
                f"from _fields as f")
    paths = ", ".join(f"'$.\"{c.name}\"'" for c in table.columns)
    # One parse per line extracts every field; `try` turns malformed JSON into NULL.
    return f"""
        select _source_line, line as _raw_record,
            case when left(ltrim(line), 1) = '{{'
                then try(json_extract_string(line, [{paths}])) end as _values
        from _fields
        where line is not null and line <> '' and trim(line) <> ''
    """


def _typed_select(table: RawTable, fmt: str, window: TimeWindow,
                  native_times: frozenset[str] = frozenset()) -> str:
    """`native_times`: Parquet columns typed as timestamps, whose instants need no offset."""
    values = {c.name: f"_v_{i}" for i, c in enumerate(table.columns)}
    raw_cols = ",\n".join(f"{_raw_value(c, i, fmt)} as {values[c.name]}"
                          for i, c in enumerate(table.columns))
    typed_cols = ",\n".join(
        f"{_with_default(table, c, _cast(c, values[c.name]))} as {quote(c.name)}"
        for c in table.columns
    )
    checks = [_check(c, values[c.name], _cast(c, values[c.name]), window,
                     text_time=c.name not in native_times) for c in table.columns]
    extra = ""
    if fmt == "jsonl":
        checks.insert(0, "case when _values is null then case when json_valid(_raw_record) "
                         "then 'not a JSON object' else 'not valid JSON' end end")
        extra = ", _values"
    return f"""
        with records as materialized ({_records_sql(table, fmt)}),
        raw_values as (
            select _source_line, _raw_record, {raw_cols}{extra}
            from records
        )
        select {typed_cols},
            _source_line,
            coalesce({", ".join(checks)}) as _reason,
            -- the record text is kept for quarantined rows only
            case when _reason is not null then _raw_record end as _raw_record
        from raw_values
        union all
        select {", ".join(f"null::{sql_type(c.kind, 'duckdb')}" for c in table.columns)},
            line, reason, csv_line
        from _rejected
    """


def _with_default(table: RawTable, col: Column, expr: str) -> str:
    default = table.defaults.get(col.name)
    if default is None:
        return expr
    return f"coalesce(nullif({expr}, ''), {default})" if col.kind == "text" else (
        f"coalesce({expr}, {default})"
    )


def _check(col: Column, raw: str, typed: str, window: TimeWindow,
           text_time: bool = True) -> str:
    """The reason a value can't load, in order: missing, unreadable as its type, holding a
    NUL (Postgres text can't), not finite, outside the range the models assume, a time
    written without its UTC offset."""
    missing = f"{raw} is null" if col.kind != "text" else f"coalesce({raw}, '') = ''"
    parts = []
    if col.required:
        parts.append(f"when {missing} then 'missing required field {col.name}'")
    if col.kind == "ip":
        parts.append(f"when {raw} is not null then {ip_check_sql(raw, col.name)}")
    elif col.kind != "text":
        parts.append(f"when {raw} is not null and {typed} is null then "
                     f"'field {col.name}: cannot read {_quoted(raw)} as {col.kind}'")
    if col.kind in ("text", "ip"):
        parts.append(f"when strpos({raw}, chr(0)) > 0 then "
                     f"'field {col.name}: contains a NUL character'")
    if col.kind == "double":
        parts.append(f"when not isfinite({typed}) then "
                     f"'field {col.name}: {_quoted(raw)} is not a finite number'")
    parts += _range_checks(col, raw, typed, window)
    if col.kind == "timestamp" and text_time:
        parts.append(f"when not regexp_matches(trim({raw}), '{OFFSET_PATTERN}') then "
                     f"'field {col.name}: {_quoted(raw)} has no UTC offset "
                     "(Z or +hh:mm, at most 14 hours)'")
    return f"case {' '.join(parts)} end" if parts else "null"


def _quoted(raw: str) -> str:
    """SQL for the raw value quoted inside a reason: field x: 'value' ..."""
    return "''' || left(" + raw + ", 60) || '''"


def _range_checks(col: Column, raw: str, typed: str, window: TimeWindow) -> list[str]:
    if col.kind == "timestamp":
        low, high = f"timestamp '{window.earliest}'", f"timestamp '{window.latest_time}'"
        span = f"{window.earliest} to {window.latest_time[:16]} UTC"
    elif col.kind == "date":
        low, high = f"date '{window.earliest}'", f"date '{window.latest_date}'"
        span = f"{window.earliest} to {window.latest_date}"
    elif col.minimum is not None or col.maximum is not None:
        bounds = [f"{typed} < {col.minimum:g}" if col.minimum is not None else "",
                  f"{typed} > {col.maximum:g}" if col.maximum is not None else ""]
        span = f"{_number(col.minimum)} to {_number(col.maximum)}"
        return [f"when {' or '.join(b for b in bounds if b)} then "
                f"'field {col.name}: {_quoted(raw)} is outside {span}'"]
    else:
        return []
    return [f"when not ({typed} between {low} and {high}) then "
            f"'field {col.name}: {_quoted(raw)} is outside the accepted {col.kind}s, {span}'"]


def _number(value: float | None) -> str:
    return "any" if value is None else f"{value:g}"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
