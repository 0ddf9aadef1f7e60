"""Read one landing file in DuckDB and split it into typed rows and quarantined rows.

Every format is read by DuckDB's own readers (CSV, JSON Lines through a line reader,
Parquet), so parsing runs in the engine, vectorised, whatever the file size. The result is
a temp table `_parsed` holding the contract's typed columns plus `_source_line`,
`_reason` (NULL for a good row, else why the row is quarantined) and `_raw_record`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingest.contract import Column, RawTable
from ingest.load.ddl import quote, sql_type

PARSED = "_parsed"


class UnreadableFile(Exception):
    """The whole file can't be read (corrupt, wrong format, missing columns)."""


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


def parse_file(con: duckdb.DuckDBPyConnection, path: Path, table: RawTable) -> None:
    """Fill temp table `_parsed` from one landing file; raise UnreadableFile if it can't."""
    fmt = file_format(path)
    for temp in ("_fields", "_rejected", "_rows", PARSED):
        con.execute(f"drop table if exists {temp}")
    try:
        if fmt == "parquet":
            _parquet_fields(con, path, table)
        else:
            _text_fields(con, path, table, fmt)
        con.execute(f"create temp table {PARSED} as {_typed_select(table, fmt)}")
    except duckdb.Error as exc:
        raise UnreadableFile(f"{path.name}: {_first_line(exc)}") from exc


def _text_fields(con: duckdb.DuckDBPyConnection, path: Path, table: RawTable, fmt: str) -> None:
    """CSV or JSON Lines into `_fields` (all varchar) with line numbers; bad lines kept."""
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
    else:
        reader = (
            f"read_csv(?, header = true, all_varchar = true, delim = ',', quote = '\"', "
            f"escape = '\"', {common})"
        )
        header_lines = 1
    con.execute(
        f"create temp table _rows as select *, row_number() over () as _k from {reader}",
        [str(path)],
    )
    if fmt == "csv":
        _require_columns(con, "_rows", table, path)
    # A rejected line is not a row of _rows: shift later rows' line numbers past it.
    con.execute(
        f"""
        create temp table _fields as
        with rejected as (
            select distinct line from _rej_errors
        ),
        gaps as (
            select line - {header_lines} - row_number() over (order by line) as good_before
            from rejected
        )
        select
            r.*,
            r._k + {header_lines}
                + (select count(*) from gaps where gaps.good_before < r._k) as _source_line
        from _rows as r
        """
    )
    con.execute(
        """
        create temp table _rejected as
        select distinct on (line) line, error_type || ': ' || error_message as reason,
            csv_line
        from _rej_errors order by line
        """
    )
    con.execute("drop table _rows")


def _parquet_fields(con: duckdb.DuckDBPyConnection, path: Path, table: RawTable) -> None:
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


def _require_columns(con: duckdb.DuckDBPyConnection, rel: str, table: RawTable, path: Path) -> None:
    present = {row[0] for row in con.execute(f"describe {rel}").fetchall()}
    missing = [c.name for c in table.columns if c.name not in present]
    if missing:
        raise UnreadableFile(f"{path.name}: missing column(s) {', '.join(missing)}")


def _raw_value(col: Column, fmt: str) -> str:
    """The column's value as text, NULL when absent or empty."""
    if fmt == "jsonl":
        value = f"json_extract_string(obj, '$.\"{col.name}\"')"
    else:
        value = f"cast({quote(col.name)} as varchar)"
    return f"nullif({value}, '')" if col.kind != "text" else value


def _cast(col: Column, raw: str) -> str:
    if col.kind == "text":
        return raw
    if col.kind == "timestamp":
        # Instants with any offset become UTC; the session time zone is UTC for naive ones.
        return f"timezone('UTC', try_cast({raw} as timestamptz))"
    return f"try_cast({raw} as {sql_type(col.kind, 'duckdb')})"


def _typed_select(table: RawTable, fmt: str) -> str:
    values = {c.name: f"_v_{i}" for i, c in enumerate(table.columns)}
    raw_cols = ",\n".join(f"{_raw_value(c, fmt)} as {values[c.name]}" for c in table.columns)
    typed_cols = ",\n".join(
        f"{_with_default(table, c, _cast(c, values[c.name]))} as {quote(c.name)}"
        for c in table.columns
    )
    checks = [_check(c, values[c.name], _cast(c, values[c.name])) for c in table.columns]
    if fmt == "jsonl":
        checks.insert(0, "case when not json_valid(line) then 'not valid JSON' "
                         "when obj is null then 'not a JSON object' end")
        source = """
            select _source_line, line, line as _raw_record,
                case when json_valid(line) then
                    case when json_type(line) = 'OBJECT' then line end
                end as obj
            from _fields where line is not null and trim(line) <> ''
        """
    else:
        fields = ", ".join(f"{quote(c.name)} := f.{quote(c.name)}" for c in table.columns)
        source = f"select f.*, cast(to_json(struct_pack({fields})) as varchar) as _raw_record " \
                 f"from _fields as f"
    return f"""
        with records as ({source}),
        raw_values as (
            select _source_line, _raw_record, {raw_cols}{", line, obj" if fmt == "jsonl" else ""}
            from records
        )
        select {typed_cols},
            _source_line,
            coalesce({", ".join(checks)}) as _reason,
            _raw_record
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


def _check(col: Column, raw: str, typed: str) -> str:
    missing = f"{raw} is null" if col.kind != "text" else f"coalesce({raw}, '') = ''"
    parts = []
    if col.required:
        parts.append(f"when {missing} then 'missing required field {col.name}'")
    if col.kind != "text":
        parts.append(
            f"when {raw} is not null and {typed} is null then "
            f"'field {col.name}: cannot read ''' || left({raw}, 60) || ''' as {col.kind}'"
        )
    return f"case {' '.join(parts)} end" if parts else "null"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
