"""The data contracts (ingest/load/contracts.py) as asset checks on each loader asset.

`contract` (severity error) fails when a file breaks what the models assume; the dbt step
then leaves out that raw table's models (and Dagster skips what depends on them) until a
load passes it again, while every other source builds. Dagster's own `blocking` flag
can't do that here: a failed blocking check fails its step, and Dagster then skips every
step downstream of it, and all dbt models are one step. `contract_warnings` (severity
warn) reports what is suspicious but usable: null rates, unknown values, stale or partial
deliveries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
)

from core.contract import RawTable
from ingest.load.contracts import ContractReport, Finding, suite

CONTRACT_CHECK = "contract"
CONTRACT_WARNINGS_CHECK = "contract_warnings"
FAILING_FILES = "failing_files"  # metadata of a failed `contract`: the files to check again


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


def files_to_validate(instance: dg.DagsterInstance, key: dg.AssetKey,
                      changed: Iterable[str]) -> list[str]:
    """The files a load changed, plus those that failed this table's contract last time:
    their rows are still in the raw table until a corrected file replaces them."""
    evaluation = _last_contract(instance, key)
    failing: list[str] = []
    if evaluation is not None and not evaluation.passed:
        value = evaluation.metadata.get(FAILING_FILES)
        failing = json.loads(str(value.value)) if value is not None else []
    return sorted({*changed, *failing})


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
            f"{len(report.files)} changed file(s), {report.rows} rows: as the contract says"
            if report.files else "no changed files"),
        metadata={
            "files_validated": len(report.files), "rows_validated": report.rows,
            "expectations": report.expectations, "seconds": round(report.seconds, 2),
            "failed": [f.expectation.name for f in findings],
            FAILING_FILES: json.dumps(files),
        },
    )


def held_back(instance: dg.DagsterInstance, keys: Iterable[dg.AssetKey]
              ) -> list[dg.AssetKey]:
    """The raw tables whose latest `contract` check failed: their models wait."""
    return [key for key in keys
            if (evaluation := _last_contract(instance, key)) is not None
            and not evaluation.passed]


def _last_contract(instance: dg.DagsterInstance, key: dg.AssetKey
                   ) -> dg.AssetCheckEvaluation | None:
    """The table's latest completed `contract` evaluation (a running load's is only
    planned)."""
    [*records] = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(key, CONTRACT_CHECK), limit=1,
        status=set(COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES))
    return records[0].evaluation if records else None
