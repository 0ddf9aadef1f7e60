"""A raw table whose data contract fails holds back its own dbt models only: the other
sources' models build in the same run. It stays held back while the bad file's rows are
in the table (in later runs too, whatever Dagster instance runs them), and builds again
once a corrected file replaces them."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.ingest.assets import landing_assets, raw_key
from dagster_project.defs.ingest.checks import CONTRACT_CHECK, CONTRACT_WARNINGS_CHECK
from dagster_project.defs.transform.assets import dbt_models
from dagster_project.resources import resources
from synth.config import WorldConfig
from synth.world import generate_world

ORDERS, SURVEYS = raw_key("orders"), raw_key("survey_answers")
STG_ORDERS = dg.AssetKey(["staging", "stg_conversions__orders"])
STG_SURVEYS = dg.AssetKey(["staging", "stg_conversions__survey_answers"])
# the orders' staging model reads the kept values of purged IPs (core/privacy.py)
STG_PURGED = dg.AssetKey(["staging", "stg_privacy__purged_ips"])
REFUNDS = "conversions/orders_refunds.csv"


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    generate_world(tmp_path / "world", WorldConfig(seed=5, listeners=600, days=7,
                                                   bad_landing=True, ground_truth=False))
    for name, value in {"PODWH_WAREHOUSE": "duckdb",
                        "PODWH_DUCKDB_PATH": str(tmp_path / "wh.duckdb"),
                        "PODWH_LANDING_DIR": str(tmp_path / "world" / "landing"),
                        "PODWH_PUBLISHED_PATH": "off"}.items():
        monkeypatch.setenv(name, value)
    return tmp_path / "world" / "landing"


# Python assets reading a model each, as the analyses and publishing do
@dg.asset(key="reads_orders", deps=[STG_ORDERS])
def reads_orders() -> None: ...


@dg.asset(key="reads_surveys", deps=[STG_SURVEYS])
def reads_surveys() -> None: ...


def _run(instance: dg.DagsterInstance, *keys: dg.AssetKey) -> dg.ExecuteInProcessResult:
    return dg.materialize([*landing_assets, dbt_models, reads_orders, reads_surveys],
                          selection=list(keys), resources=resources(), instance=instance,
                          raise_on_error=False)


def _materialised(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {e.asset_key for e in result.get_asset_materialization_events()}


def _contract(result: dg.ExecuteInProcessResult, key: dg.AssetKey, name: str = CONTRACT_CHECK
              ) -> dg.AssetCheckEvaluation:
    [evaluation] = [e for e in result.get_asset_check_evaluations()
                    if e.asset_key == key and e.check_name == name]
    return evaluation


def test_a_failed_contract_holds_back_only_its_sources_models(landing: Path):
    result = _run(dg.DagsterInstance.ephemeral(), ORDERS, SURVEYS, STG_PURGED, STG_ORDERS,
                  STG_SURVEYS, reads_orders.key, reads_surveys.key)
    assert result.success
    failed = _contract(result, ORDERS)
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR
    assert REFUNDS in failed.description and "revenue within 0" in failed.description
    assert _contract(result, SURVEYS).passed
    assert _contract(result, SURVEYS, CONTRACT_WARNINGS_CHECK).passed
    # both raw tables load; the orders' model waits, the survey answers' model builds
    # and Dagster skips what reads the held model
    assert _materialised(result) >= {ORDERS, SURVEYS, STG_SURVEYS, reads_surveys.key}
    assert not _materialised(result) & {STG_ORDERS, reads_orders.key}

    # nothing new landed: the refunds' rows are still there, checked again, still held;
    # the verdict is the warehouse's, not one Dagster instance's memory
    result = _run(dg.DagsterInstance.ephemeral(), ORDERS, STG_ORDERS)
    assert not _contract(result, ORDERS).passed
    assert STG_ORDERS not in _materialised(result)
    # a run of the models alone holds them back too
    assert STG_ORDERS not in _materialised(_run(dg.DagsterInstance.ephemeral(), STG_ORDERS))

    # a corrected file replaces them: the contract passes and the orders' model builds
    fixed = (landing / REFUNDS).read_text().replace(",-", ",")
    (landing / REFUNDS).write_text(fixed)
    result = _run(dg.DagsterInstance.ephemeral(), ORDERS, STG_ORDERS)
    assert _contract(result, ORDERS).passed
    assert STG_ORDERS in _materialised(result)
