"""The Definitions load, wire every source to its ingest asset, and validate."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from core.contract import RSS_TABLES, TABLES
from core.settings import PROJECT_ROOT
from dagster_project.definitions import defs


def _graph() -> dg.AssetGraph:
    return defs.resolve_asset_graph()


def test_every_raw_table_has_an_ingest_asset():
    keys = _graph().get_all_asset_keys()
    for t in (*TABLES, *RSS_TABLES):
        assert dg.AssetKey(["raw", t.name]) in keys, t.name


def test_dbt_staging_models_depend_on_their_ingest_assets():
    graph = _graph()
    parents = graph.get(dg.AssetKey(["staging", "stg_rss__items"])).parent_keys
    assert dg.AssetKey(["raw", "rss_items"]) in parents
    episodes = graph.get(dg.AssetKey(["marts", "dim_episodes"]))
    assert episodes.group_name == "marts"
    assert graph.get(dg.AssetKey(["staging", "stg_registry__shows"])).group_name == "staging"
    assert graph.get(dg.AssetKey(["raw", "shows"])).group_name == "ingest"
    assert graph.get(dg.AssetKey(["raw", "quarantine"])).group_name == "ingest"


def test_analysis_assets_read_the_dbt_models():
    graph = _graph()
    markov = graph.get(dg.AssetKey(["analyses", "attribution_markov"]))
    assert dg.AssetKey(["intermediate", "int_attribution_transitions"]) in markov.parent_keys
    shapley = graph.get(dg.AssetKey(["analyses", "attribution_shapley"]))
    assert dg.AssetKey(["intermediate", "int_attribution_shapley_values"]) in shapley.parent_keys
    for analysis in (markov, shapley):  # where each row's tenant_id comes from
        assert dg.AssetKey(["marts", "dim_sponsors"]) in analysis.parent_keys


def test_every_dbt_test_is_an_asset_check_with_a_description():
    import json

    from dagster_project.defs.transform.assets import dbt_project

    manifest = json.loads(dbt_project.manifest_path.read_text())
    tests = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    graph = _graph()
    checks = {key.name: key for key in graph.asset_check_keys}
    assert set(tests) <= set(checks), set(tests) - set(checks)
    for name in tests:
        assert graph.get_check_spec(checks[name]).description, name
    # singular tests with several parents are checks on the model they guard
    assert checks["assert_exposures_roll_up"].asset_key == dg.AssetKey(
        ["intermediate", "int_exposures_rolled_up_to_households"])
    assert checks["assert_request_days_in_step"].asset_key == dg.AssetKey(
        ["intermediate", "int_requests_filtered"])
    # source tests are checks on the ingest assets
    assert checks["source_not_null_access_logs_access_logs_ip"].asset_key == dg.AssetKey(
        ["raw", "access_logs"])


def test_transform_job_selects_exactly_the_dbt_models_and_publishing():
    job = defs.resolve_job_def("transform")
    selected = job.asset_layer.executable_asset_keys
    dbt_keys = {k for k in _graph().get_all_asset_keys()
                if k.path[0] in ("staging", "intermediate", "marts")}
    assert selected == dbt_keys | {dg.AssetKey("published_marts")}
    assert dg.AssetKey(["intermediate", "int_requests_filtered"]) in selected
    assert not any(k.path[0] == "raw" for k in selected)


def test_published_marts_wait_for_every_mart_and_analysis():
    parents = _graph().get(dg.AssetKey("published_marts")).parent_keys
    marts = {k for k in _graph().get_all_asset_keys() if k.path[0] in ("marts", "analyses")}
    assert marts and parents == marts
    for job in ("daily_refresh", "transform", "analyses", "refresh_episode_models"):
        keys = defs.resolve_job_def(job).asset_layer.executable_asset_keys
        assert dg.AssetKey("published_marts") in keys, job


def test_schedules_daily_and_every_fifteen_minutes():
    crons = {s.name: s.cron_schedule for s in defs.schedules}
    assert "0 3 * * *" in crons.values()
    assert "*/15 * * * *" in crons.values()


def test_dagster_definitions_validate(tmp_path):
    exe = Path(sys.executable).parent / "dagster"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    proc = subprocess.run([str(exe), "definitions", "validate", "-w", "workspace.yaml"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
