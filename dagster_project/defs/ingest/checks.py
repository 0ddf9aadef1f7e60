"""The data contracts (ingest/load/contracts.py) as asset checks on each loader asset.

`contract` (severity error) fails when a file's rows break what the models assume; the dbt
step then leaves out that raw table's models (and Dagster skips what depends on them)
until a load passes it again, while every other source builds. The verdict is kept in the
warehouse (raw._load_manifest.contract_failed), so it holds across runs and processes.
Dagster's own `blocking` flag can't do this here: a failed blocking check fails its step,
Dagster then skips every step downstream of it, and all dbt models are one step.
`contract_warnings` (severity warn) reports what is suspicious but usable: empty values,
unknown values, stale or partial deliveries.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import dagster as dg

from core.contract import RawTable
from ingest.load.contracts import ContractReport, Finding, suite

CONTRACT_CHECK = "contract"
CONTRACT_WARNINGS_CHECK = "contract_warnings"


def contract_check_specs(key: dg.AssetKey, table: RawTable) -> list[dg.AssetCheckSpec]:
    expectations = suite(table)
    blocking = "; ".join(e.description for e in expectations if e.blocking)
    warning = "; ".join(e.description for e in expectations if not e.blocking)
    return [
        dg.AssetCheckSpec(
            CONTRACT_CHECK, asset=key,
            description="Great Expectations on the files this load changed (and those that "
                        "failed before): " + blocking + ". A failure holds back this "
                        "table's dbt models until a load passes."),
        dg.AssetCheckSpec(
            CONTRACT_WARNINGS_CHECK, asset=key,
            description="Great Expectations warnings on the files this load changed: "
                        + (warning or "none declared for this table")),
    ]


def contract_results(report: ContractReport) -> list[dg.AssetCheckResult]:
    return [
        _result(CONTRACT_CHECK, report, report.blocking, dg.AssetCheckSeverity.ERROR),
        _result(CONTRACT_WARNINGS_CHECK, report, report.warnings, dg.AssetCheckSeverity.WARN),
    ]


def _result(name: str, report: ContractReport, findings: Sequence[Finding],
            severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    files = sorted({p for f in findings for p in f.files})
    return dg.AssetCheckResult(
        check_name=name, passed=not findings, severity=severity,
        description="; ".join(f.describe() for f in findings) if findings else (
            f"{len(report.files)} file(s), {report.rows} rows: as the contract says"
            if report.files else "no changed files"),
        metadata={
            "files_validated": len(report.files), "rows_validated": report.rows,
            "expectations": report.expectations, "seconds": round(report.seconds, 2),
            "failed": [f.expectation.name for f in findings],
            "failing_files": json.dumps(files),
        },
    )
