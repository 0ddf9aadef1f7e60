"""Deterministic file writers: CSV (pandas), JSON Lines and Parquet (DuckDB / pyarrow)."""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from core.contract import table


def iso(ts: np.ndarray, offset_s: np.ndarray | None = None,
        suffix: np.ndarray | None = None) -> np.ndarray:
    """ISO 8601 with offset; the instant is ts (epoch seconds) in every spelling."""
    ts = np.asarray(ts, dtype=np.int64)
    if offset_s is None:
        return np.char.add(np.datetime_as_string(ts.astype("datetime64[s]")), "+00:00")
    local = np.datetime_as_string((ts + offset_s).astype("datetime64[s]"))
    return np.char.add(local, np.asarray(suffix, dtype=str))


def write_csv(df: pd.DataFrame, path: Path, table_name: str | None = None) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = table(table_name).column_names if table_name else list(df.columns)
    df[cols].to_csv(path, index=False, lineterminator="\n")
    return len(df)


def _write_lines(tab: pa.Table, path: Path) -> None:
    """Write a one-column table of newline-terminated strings byte for byte."""
    gz = path.name.endswith(".gz")
    with (gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) if gz else open(path, "wb")) as f:
        for ch in tab.column(0).chunks:
            width = np.int64 if ch.type == pa.large_string() else np.int32
            off = np.frombuffer(ch.buffers()[1], dtype=width)[ch.offset:ch.offset + len(ch) + 1]
            if len(ch):
                f.write(memoryview(ch.buffers()[2])[int(off[0]):int(off[-1])])


def write_frame(con: duckdb.DuckDBPyConnection, data: pa.Table | pd.DataFrame, path: Path,
                table_name: str | None = None,
                columns: list[tuple[str, str]] | None = None) -> int:
    """Write rows as .jsonl, .jsonl.gz or .parquet (by suffix) with exactly the columns.

    `columns` are (name, SQL expression over the input) pairs; default: the contract table's
    columns taken as they are. JSON lines are built by DuckDB (`to_json` escapes strings)
    and written as bytes; gzip with mtime 0 so files are reproducible.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tab = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
    if columns is None:
        names = table(table_name).column_names if table_name else tab.column_names
        columns = [(n, f'"{n}"') for n in names]
    con.register("_w", tab)
    try:
        if path.name.endswith(".parquet"):
            sel = ", ".join(f'{e} AS "{n}"' for n, e in columns)
            pq.write_table(con.sql(f"SELECT {sel} FROM _w").to_arrow_table(), path,
                           compression="zstd")
        else:
            fields = " || ',' || ".join(
                f"""'"{n}":' || coalesce(to_json({e})::VARCHAR, 'null')""" for n, e in columns)
            line = f"'{{' || {fields} || '}}' || chr(10)"
            _write_lines(con.sql(f"SELECT {line} AS line FROM _w").to_arrow_table(), path)
    finally:
        con.unregister("_w")
    return tab.num_rows
