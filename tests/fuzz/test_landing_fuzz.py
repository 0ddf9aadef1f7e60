"""Fuzzing every landing source through the loader, on DuckDB (all tables and formats)
and Postgres (a subset: it loads through COPY). For each generated file: the load never
raises and ends within LOAD_TIMEOUT_S; every bad row is in raw.quarantine at its line
with a reason naming the field or the damage; every good row is in its raw table with its
values intact; loaded + quarantined rows equal the rows written; a refused file leaves
exactly one quarantine row and no rows; loading it again adds nothing."""

from __future__ import annotations

import json
import math
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from core.settings import Settings
from core.warehouse import Warehouse, connect
from ingest.load.loader import TableReport, load_table
from tests.conftest import fresh_postgres_database
from tests.fuzz.landing import CASES, Case, cases, file_name, key_column

LOAD_TIMEOUT_S = 60  # a hang, not a slow machine: a fuzz file loads in well under 1 s
STATS = Counter()  # (target, table, format, what) -> count, for the closing figures


def _run_with_timeout(fn: Callable[[], TableReport]) -> TableReport:
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["report"] = fn()
        except BaseException as exc:
            result["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(LOAD_TIMEOUT_S)
    if worker.is_alive():
        pytest.fail(f"the load hung: still running after {LOAD_TIMEOUT_S} s")
    if "error" in result:
        raise result["error"]
    return result["report"]


def _same(kind: str, expected: Any, actual: Any) -> bool:
    if kind == "text":
        return (expected or "") == (actual or "")
    if expected is None or actual is None:
        return expected is None and actual is None
    if kind == "double":
        return float(actual) == expected or (math.isnan(expected) and math.isnan(actual))
    if isinstance(actual, Decimal):
        actual = int(actual)
    if kind == "timestamp" and isinstance(actual, datetime) and actual.tzinfo:
        actual = actual.replace(tzinfo=None)
    if kind == "date" and isinstance(actual, datetime):
        actual = actual.date()
    return actual == expected or (isinstance(expected, date) and str(actual) == str(expected))


class Landing:
    """One warehouse and landing directory that many generated files go through."""

    def __init__(self, wh: Warehouse, landing: Path, target: str) -> None:
        self.wh, self.landing, self.target, self.n = wh, landing, target, 0

    def check(self, case: Case) -> None:
        t, self.n = case.table, self.n + 1
        name = file_name(t, case.fmt, self.n)
        path = self.landing / t.source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.content)
        rel = f"{t.source}/{name}"
        stat = (self.target, t.name, case.fmt)
        STATS[(*stat, "cases")] += 1
        try:
            report = _run_with_timeout(lambda: load_table(self.wh, self.landing, t))
            [f] = [f for f in report.files if f.path == rel]
            quarantined = self.wh.fetchall(
                "select source_line, reason from raw.quarantine where source_table = ? "
                "and source_file = ? order by source_line", [t.name, rel])
            cols = ", ".join(f'"{c}"' for c in t.column_names)
            loaded = self.wh.fetchall(f'select {cols}, _source_line from raw."{t.name}" '
                                      "where _source_file = ?", [rel])
            if case.refused:
                STATS[(*stat, "refused files")] += 1
                assert (f.status, len(loaded), len(quarantined)) == ("unreadable", 0, 1), (
                    f, quarantined)
                [(line, reason)] = quarantined
                assert line is None and case.refused in reason, reason
            else:
                self._rows(case, f, quarantined, loaded, stat)
            again = _run_with_timeout(lambda: load_table(self.wh, self.landing, t))
            assert [g.status for g in again.files if g.path == rel] == ["unchanged"]
            assert self.wh.fetchall("select count(*) from raw.quarantine where "
                                    "source_file = ?", [rel])[0][0] == len(quarantined)
            assert self.wh.fetchall(f'select count(*) from raw."{t.name}" where '
                                    "_source_file = ?", [rel])[0][0] == len(loaded)
        finally:
            path.unlink()
            _record_stats()

    def _rows(self, case: Case, f: Any, quarantined: list, loaded: list, stat: tuple) -> None:
        t = case.table
        STATS[(*stat, "good rows")] += len(case.good)
        STATS[(*stat, "bad rows")] += len(case.bad)
        # reconciliation: every row written is loaded or quarantined, once
        assert len(loaded) + len(quarantined) == len(case.rows) == f.rows + f.quarantined, (
            f"{len(case.rows)} rows written, {len(loaded)} loaded, "
            f"{len(quarantined)} quarantined: {quarantined}")
        want_bad = {line: row.reason for line, row in case.bad}
        assert [line for line, _ in quarantined] == sorted(want_bad), (quarantined, want_bad)
        for line, reason in quarantined:
            assert reason and want_bad[line] in reason, (line, reason, want_bad[line])
        key = t.column_names.index(key_column(t).name)
        by_key = {row[key]: row for row in loaded}
        for line, row in case.good:
            got = by_key.get(row.stored[key_column(t).name])
            assert got is not None, f"good row at line {line} neither loaded nor quarantined"
            assert got[-1] == line, (got[-1], line)
            for col, value in zip(t.columns, got, strict=False):
                assert _same(col.kind, row.stored[col.name], value), (
                    col.name, row.values[col.name], row.stored[col.name], value)


def _record_stats() -> None:
    out = os.environ.get("PODWH_FUZZ_STATS")
    if out:
        Path(out).write_text(json.dumps({"|".join(k): v for k, v in STATS.items()}))


def _duckdb(tmp_path: Path) -> Iterator[Landing]:
    landing = tmp_path / "landing"
    landing.mkdir()
    wh = connect(Settings(warehouse="duckdb", duckdb_path=tmp_path / "wh.duckdb",
                          landing_dir=landing))
    try:
        yield Landing(wh, landing, "duckdb")
    finally:
        wh.close()


@pytest.fixture
def duckdb_landing(tmp_path: Path) -> Iterator[Landing]:
    yield from _duckdb(tmp_path)


@pytest.fixture
def postgres_landing(tmp_path: Path) -> Iterator[Landing]:
    landing = tmp_path / "landing"
    landing.mkdir()
    with fresh_postgres_database() as pg:
        wh = connect(Settings(warehouse="postgres", postgres=pg, landing_dir=landing))
        try:
            yield Landing(wh, landing, "postgres")
        finally:
            wh.close()


def _id(case: tuple) -> str:
    return f"{case[0].name}-{case[1]}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_duckdb_load_of_fuzzed_landing_files(case: tuple, duckdb_landing: Landing):
    table, fmt = case

    @given(cases(table, fmt))
    def check(generated: Case) -> None:
        duckdb_landing.check(generated)

    check()


# Postgres loads through COPY: a CSV table, a JSON Lines (gzip) one, a Parquet one and one
# with every kind of value (timestamps, doubles, dates, ints) between them.
POSTGRES_CASES = [c for c in CASES if _id(c) in {
    "shows-csv", "campaigns-csv", "access_logs-jsonl.gz", "ad_deliveries-parquet",
    "hosting_api_downloads-jsonl", "orders-csv"}]


@pytest.mark.postgres
@pytest.mark.parametrize("case", POSTGRES_CASES, ids=_id)
def test_postgres_load_of_fuzzed_landing_files(case: tuple, postgres_landing: Landing):
    table, fmt = case

    @given(cases(table, fmt))
    def check(generated: Case) -> None:
        postgres_landing.check(generated)

    check()


def test_every_table_and_format_of_the_contract_is_fuzzed():
    from core.contract import TABLES

    assert {t.name for t, _ in CASES} == {t.name for t in TABLES}
    assert len(CASES) == 26  # 14 CSV tables, 5 JSON Lines ones (3 also Parquet) + gzip
