"""Data contracts on what a load wrote: Great Expectations suites over the raw tables.

The loader's row checks (`parse.py`) quarantine each row that can't be read; a contract
judges what passed them, file by file and in aggregate: the table's columns, required
fields, the ranges the models assume, the share of empty optional values, unknown values
in closed vocabularies, stale deliveries and a file far smaller than its table's usual.

Cost stays bounded at any table size: the engine (DuckDB or Postgres, through
`core.warehouse`) profiles only the rows of the files a load changed, one row of
aggregates per file, and GX validates that small pandas frame (GX 1.x can't reach DuckDB
through SQLAlchemy; one path serves both targets). Each expectation is either blocking
(the file breaks what the models assume: the Dagster wiring holds back the table's dbt
models) or a warning (the data is suspicious, the models still run). Suites are derived
from the landing contract (`core/contract.py`) plus `LIMITS`, what the contract doesn't
say.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from core.contract import LINEAGE_COLUMNS, RAW_SCHEMA, RawTable
from core.ddl import quote, text_literal
from core.warehouse import Warehouse

if TYPE_CHECKING:
    import pandas as pd

FILE = "file"  # the profile's key column: one row per landing file
NUMERIC = frozenset({"int", "bigint", "double"})
TEXTUAL = frozenset({"text", "ip"})
Rule = Literal["schema", "required", "range", "values", "empty_share", "freshness", "volume"]


@dataclass(frozen=True)
class Limits:
    """What a table's contract doesn't say: ranges the models assume (blocking), and
    closed vocabularies, empty-value shares, staleness and volume (warnings)."""

    ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    values: Mapping[str, frozenset[str]] = field(default_factory=dict)
    max_empty_share: Mapping[str, float] = field(default_factory=dict)
    # a changed file whose newest row is more than this many days older than the table's
    # newest row is a stale delivery (tables with an event time only)
    stale_days: float | None = None
    # a changed file with fewer rows than this share of the median of the table's files
    # (when it has at least MIN_FILES_FOR_VOLUME) is a partial delivery
    min_rows_share: float | None = None


MIN_FILES_FOR_VOLUME = 3
POSITIONS = frozenset({"pre", "mid", "post"})
CURRENCY_MAX = 1e7  # a money amount beyond this is a unit or parsing mistake

LIMITS: dict[str, Limits] = {
    "access_logs": Limits(
        values={"method": frozenset({"GET", "HEAD"})},
        max_empty_share={"user_agent": 0.2},  # the bot and app rules need it
        stale_days=30, min_rows_share=0.1),
    "hosting_api_downloads": Limits(ranges={"downloads": (0, 1e8)}, stale_days=90),
    "ad_deliveries": Limits(values={"position": POSITIONS},
                            max_empty_share={"user_agent": 0.2},
                            stale_days=30, min_rows_share=0.1),
    "baked_in_ads": Limits(values={"position": POSITIONS}),
    # bookings (sponsors, campaigns, codes, line items): only what the contract says here;
    # dbt lists each booking mistake with its file and line (int_booking_errors) and the
    # other bookings go on, so a bad campaign doesn't hold back every campaign
    # experiments: a closed vocabulary of test types and metrics the readout knows
    "experiments": Limits(values={"test_type": frozenset({"creative", "offer"}),
                                  "primary_metric": frozenset({"order"}),
                                  "is_control": frozenset({"true", "false"})}),
    "orders": Limits(ranges={"revenue": (0, CURRENCY_MAX)}, stale_days=90),
    "pixel_visits": Limits(max_empty_share={"user_agent": 0.2}, stale_days=90),
    "survey_answers": Limits(max_empty_share={"answer": 0.5}, stale_days=90),
    "engagement_events": Limits(
        values={"event_type": frozenset({"follow", "unfollow", "comment", "share"})},
        stale_days=90),
    "subscriptions": Limits(ranges={"monthly_price": (0, CURRENCY_MAX)}),
    "partner_program_events": Limits(
        ranges={"amount": (0, CURRENCY_MAX)},
        values={"status": frozenset({"eligible", "applied", "approved", "active", "payout"})}),
    "shows": Limits(ranges={"header_bytes": (0, None)}),
}


@dataclass(frozen=True)
class Expectation:
    """One expectation of a table's suite, over the per-file profile."""

    rule: Rule
    column: str | None  # the landing column it is about (None: the table)
    blocking: bool
    description: str

    @property
    def name(self) -> str:
        return f"{self.column}:{self.rule}" if self.column else self.rule


@dataclass(frozen=True)
class Finding:
    """A failed expectation: which files broke it and what was seen."""

    expectation: Expectation
    files: tuple[str, ...]
    observed: str

    @property
    def blocking(self) -> bool:
        return self.expectation.blocking

    def describe(self) -> str:
        where = ", ".join(self.files[:5]) + (f" and {len(self.files) - 5} more"
                                             if len(self.files) > 5 else "")
        return f"{self.expectation.description}: {self.observed}" + (
            f" ({where})" if where else "")


@dataclass
class ContractReport:
    table: str
    files: list[str]  # the landing files validated
    rows: int = 0
    expectations: int = 0
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0  # what the validation took, GX's import included

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.blocking]


def suite(table: RawTable, limits: Limits | None = None) -> list[Expectation]:
    """The table's expectations, from its contract columns and its `LIMITS` entry."""
    lim = LIMITS.get(table.name, Limits()) if limits is None else limits
    out = [Expectation("schema", None, True, f"raw.{table.name} has the contract's columns")]
    for col in table.columns:
        if col.required:
            out.append(Expectation("required", col.name, True, f"{col.name} is never empty"))
        low, high = _range(table, col.name, lim)
        if low is not None or high is not None:
            out.append(Expectation("range", col.name, True,
                                   f"{col.name} within {_fmt(low)} to {_fmt(high)}"))
        if col.name in lim.values:
            out.append(Expectation("values", col.name, False,
                                   f"{col.name} in {{{', '.join(sorted(lim.values[col.name]))}}}"))
        if col.name in lim.max_empty_share:
            out.append(Expectation("empty_share", col.name, False,
                                   f"{col.name} empty in at most "
                                   f"{lim.max_empty_share[col.name]:.0%} of a file's rows"))
    if lim.stale_days is not None and table.loaded_at_field:
        out.append(Expectation("freshness", table.loaded_at_field, False,
                               f"a file's newest {table.loaded_at_field} at most "
                               f"{lim.stale_days:g} days before the table's newest"))
    if lim.min_rows_share is not None:
        out.append(Expectation("volume", None, False,
                               f"a file has at least {lim.min_rows_share:.0%} of the median "
                               f"rows of the table's files"))
    return out


def check_load(wh: Warehouse, table: RawTable, changed: Sequence[str]) -> ContractReport:
    """After a load: validate the files it changed and those whose rows broke the contract
    before (still in the table until a corrected file replaces them), and record each
    one's blocking failures in raw._load_manifest.contract_failed, where `held_back` reads
    them."""
    before = set(failing_files(wh, table))
    report = validate(wh, table, sorted({*changed, *before}))
    broken: dict[str, list[str]] = {}
    for finding in report.blocking:
        for path in finding.files or report.files:  # the schema: every file validated
            broken.setdefault(path, []).append(finding.expectation.name)
    for path in sorted(before | set(broken)):
        wh.execute("update raw._load_manifest set contract_failed = ? "
                   "where table_name = ? and source_file = ?",
                   ["; ".join(broken[path]) if path in broken else None, table.name, path])
    return report


def failing_files(wh: Warehouse, table: RawTable) -> list[str]:
    """The table's files whose rows broke its contract when last validated."""
    return [path for (path,) in wh.fetchall(
        "select source_file from raw._load_manifest where table_name = ? "
        "and contract_failed is not null order by source_file", [table.name])]


def held_back(wh: Warehouse) -> list[str]:
    """The raw tables holding rows that break their contract: their models wait."""
    return [name for (name,) in wh.fetchall(
        "select distinct table_name from raw._load_manifest where contract_failed is not null "
        "order by table_name")]


def validate(wh: Warehouse, table: RawTable, files: Sequence[str],
             limits: Limits | None = None) -> ContractReport:
    """Validate the rows `files` (paths as in `_source_file`) hold in raw.<table> against
    the table's suite. Nothing to validate when `files` is empty."""
    started = time.perf_counter()
    report = ContractReport(table.name, sorted(set(files)))
    if not report.files:
        return report
    lim = LIMITS.get(table.name, Limits()) if limits is None else limits
    expectations = suite(table, lim)
    report.expectations = len(expectations)
    present = _columns(wh, table)
    frame = profile(wh, table, report.files, lim, present)
    report.rows = int(frame["rows"].sum()) if len(frame) else 0
    if frame.empty:  # the files hold no rows (all quarantined): the schema alone
        expectations = [e for e in expectations if e.rule == "schema"]
    report.findings = _run_gx(table, expectations, frame, lim, present)
    report.seconds = time.perf_counter() - started
    return report


def profile(wh: Warehouse, table: RawTable, files: Sequence[str], limits: Limits,
            present: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per landing file of `files`: its rows and, per column the suite looks at,
    empty values, minimum and maximum, unknown values; its newest event time against the
    table's newest; its rows against the median of the table's files. Computed in
    the engine, over those files' rows only."""
    import pandas as pd

    cols = {c.name: c for c in table.columns if present is None or c.name in present}
    parts = ["count(*) as rows"]
    for name, col in cols.items():
        q = quote(name)
        empty = f"{q} is null" + (f" or {q} = ''" if col.kind in TEXTUAL else "")
        parts.append(f"sum(case when {empty} then 1 else 0 end) as {quote(name + '__empty')}")
        low, high = _range(table, name, limits)
        if col.kind in NUMERIC and (low is not None or high is not None):
            outside = " or ".join([*([f"{q} < {low!r}"] if low is not None else []),
                                   *([f"{q} > {high!r}"] if high is not None else [])])
            parts += [f"sum(case when {outside} then 1 else 0 end) "
                      f"as {quote(name + '__outside')}",
                      f"min({q}) as {quote(name + '__min')}",
                      f"max({q}) as {quote(name + '__max')}"]
        if name in limits.values:
            known = ", ".join(text_literal(v) for v in sorted(limits.values[name]))
            parts.append(f"sum(case when {q} not in ({known}) then 1 else 0 end) "
                         f"as {quote(name + '__unknown')}")
            parts.append(f"string_agg(distinct case when {q} not in ({known}) then {q} end, "
                         f"', ') as {quote(name + '__unknown_values')}")
    event = table.loaded_at_field if table.loaded_at_field in cols else None
    if event:
        parts.append(f"max({quote(event)}) as newest")
    rel = f"{RAW_SCHEMA}.{quote(table.name)}"
    loaded = {path: rows for path, rows in wh.fetchall(
        "select source_file, rows_loaded from raw._load_manifest where table_name = ? "
        "and duplicate_of is null and rows_loaded > 0", [table.name])}
    everything = set(loaded) <= set(files)  # a first load: no filter, however many files
    where = "" if everything else (
        f"where _source_file in ({', '.join('?' for _ in files)}) ")
    frame = pd.DataFrame(wh.fetch_dicts(
        f"select _source_file as {FILE}, {', '.join(parts)} from {rel} {where}"
        f"group by _source_file order by _source_file", [] if everything else list(files)))
    if frame.empty:
        return frame
    for column in frame.columns:  # Postgres sums are decimals; GX compares numbers
        if column not in (FILE, "newest") and not column.endswith("__unknown_values"):
            frame[column] = pd.to_numeric(frame[column])
    for name in cols:
        frame[name + "__empty_share"] = frame[name + "__empty"] / frame["rows"]
    if event:
        # the table's newest row; when these files are all it holds, it is among them
        if everything:
            table_newest = frame["newest"].dropna().max()
        else:
            [(table_newest,)] = wh.fetchall(f"select max({quote(event)}) from {rel}")
        frame["stale_days"] = [
            (table_newest - t).total_seconds() / 86400
            if t is not None and not pd.isna(t) and not pd.isna(table_newest) else math.nan
            for t in frame["newest"]]
    median = _median(list(loaded.values())) if len(loaded) >= MIN_FILES_FOR_VOLUME else None
    frame["rows_share"] = frame["rows"] / median if median else math.nan
    return frame


def _run_gx(table: RawTable, expectations: Sequence[Expectation], frame: pd.DataFrame,
            limits: Limits, present: Sequence[str]) -> list[Finding]:
    """Validate the profile with GX (imported here: it takes seconds to import)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = gx.get_context(mode="ephemeral", project_config=DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(), analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False)))
    batch = (context.data_sources.add_pandas("landing").add_dataframe_asset(table.name)
             .add_batch_definition_whole_dataframe("changed_files")
             .get_batch(batch_parameters={"dataframe": frame if len(frame.columns) else
                                          _empty_frame([FILE])}))
    schema_frame = (context.data_sources.add_pandas("schema").add_dataframe_asset(table.name)
                    .add_batch_definition_whole_dataframe("columns")
                    .get_batch(batch_parameters={"dataframe": _empty_frame(present)}))
    gx_suite = gx.ExpectationSuite(name=f"raw.{table.name}")
    schema_suite = gx.ExpectationSuite(name=f"raw.{table.name}.schema")
    by_id: dict[str, Expectation] = {}
    for exp in expectations:
        for i, gx_exp in enumerate(_to_gx(gx, exp, table, limits, frame)):
            gx_exp.meta = {"id": f"{exp.name}#{i}"}
            by_id[f"{exp.name}#{i}"] = exp
            (schema_suite if exp.rule == "schema" else gx_suite).add_expectation(gx_exp)
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": [FILE]}
    results = list(schema_frame.validate(schema_suite, result_format=result_format).results)
    if gx_suite.expectations:
        results += batch.validate(gx_suite, result_format=result_format).results
    findings: dict[str, Finding] = {}
    for res in results:
        if res.success:
            continue
        exp = by_id[res.expectation_config.meta["id"]]
        files, observed = _failure(exp, res.result, frame)
        findings[exp.name] = Finding(exp, files, observed)
    return [findings[e.name] for e in expectations if e.name in findings]


def _to_gx(gx: Any, exp: Expectation, table: RawTable, limits: Limits,
           frame: pd.DataFrame) -> list[Any]:
    e, c = gx.expectations, exp.column
    if exp.rule == "schema":
        names = [*table.column_names, *(col.name for col in LINEAGE_COLUMNS)]
        return [e.ExpectTableColumnsToMatchSet(column_set=names, exact_match=True)]
    if c is not None and (c + "__empty" not in frame.columns and exp.rule != "freshness"):
        return []  # the column is missing: the schema expectation says so
    if exp.rule == "required":
        return [e.ExpectColumnValuesToBeBetween(column=f"{c}__empty", max_value=0)]
    if exp.rule == "range":
        return ([e.ExpectColumnValuesToBeBetween(column=f"{c}__outside", max_value=0)]
                if f"{c}__outside" in frame.columns else [])
    if exp.rule == "values":
        return [e.ExpectColumnValuesToBeBetween(column=f"{c}__unknown", max_value=0)]
    if exp.rule == "empty_share":
        return [e.ExpectColumnValuesToBeBetween(column=f"{c}__empty_share",
                                                max_value=limits.max_empty_share[c or ""])]
    if exp.rule == "freshness" and "stale_days" in frame.columns:
        return [e.ExpectColumnValuesToBeBetween(column="stale_days",
                                                max_value=limits.stale_days)]
    if exp.rule == "volume" and frame["rows_share"].notna().any():
        return [e.ExpectColumnValuesToBeBetween(column="rows_share",
                                                min_value=limits.min_rows_share)]
    return []


def _failure(exp: Expectation, result: Mapping[str, Any], frame: pd.DataFrame
             ) -> tuple[tuple[str, ...], str]:
    if exp.rule == "schema":
        observed = result.get("observed_value") or []
        details = (result.get("details") or {}).get("mismatched") or {}
        return (), (f"missing {details.get('missing') or []}, unexpected "
                    f"{details.get('unexpected') or []}" if details else f"columns {observed}")
    files = tuple(sorted({row[FILE] for row in result.get("unexpected_index_list") or []}))
    rows = frame[frame[FILE].isin(files)]
    c = exp.column
    if exp.rule in ("required", "values"):
        bad = int(rows[f"{c}__empty" if exp.rule == "required" else f"{c}__unknown"].sum())
        observed = f"{bad} row(s)"
        if exp.rule == "values":
            seen = sorted({v for s in rows[f"{c}__unknown_values"].dropna()
                           for v in str(s).split(", ")})
            observed += f" with {', '.join(seen[:10])}"
        return files, observed
    if exp.rule == "empty_share":
        return files, f"up to {rows[f'{c}__empty_share'].max():.0%} empty"
    if exp.rule == "freshness":
        return files, f"newest row up to {rows['stale_days'].max():.0f} days older"
    if exp.rule == "volume":
        return files, f"down to {rows['rows_share'].min():.2%} of the median"
    return files, (f"{int(rows[f'{c}__outside'].sum())} row(s) outside, values from "
                   f"{_fmt(rows[f'{c}__min'].min())} to {_fmt(rows[f'{c}__max'].max())}")


def _columns(wh: Warehouse, table: RawTable) -> list[str]:
    return [name for (name,) in wh.fetchall(
        "select column_name from information_schema.columns where table_schema = ? "
        "and table_name = ? order by ordinal_position", [RAW_SCHEMA, table.name])]


def _empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _range(table: RawTable, column: str, limits: Limits) -> tuple[float | None, float | None]:
    """The contract's range for the column (the loader's), narrowed by `limits`."""
    col = next((c for c in table.columns if c.name == column), None)
    low, high = (col.minimum, col.maximum) if col is not None else (None, None)
    extra_low, extra_high = limits.ranges.get(column, (None, None))
    if extra_low is not None:
        low = extra_low if low is None else max(low, extra_low)
    if extra_high is not None:
        high = extra_high if high is None else min(high, extra_high)
    return low, high


def _median(values: Sequence[int]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _fmt(value: Any) -> str:
    if value is None:
        return "any"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
