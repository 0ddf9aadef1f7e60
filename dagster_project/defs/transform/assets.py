"""dbt models as Dagster assets; dbt tests show up as asset checks."""


import json
import shutil
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliInvocation,
    DbtProject,
    dbt_assets,
)
from pydantic import Field

from core import backfill, privacy
from core.settings import OPTIONS_BY_NAME, ModelOptions
from core.warehouse import Warehouse, exclusive
from dagster_project.defs.transform.checks import describe_test, with_failing_rows
from dagster_project.resources import (
    DbtCli,
    ModelOptionsResource,
    WarehouseResource,
    dbt_project,
    dbt_resource,
)
from ingest.load.contracts import held_back

PARSE_FILE = "partial_parse.msgpack"

# A fresh clone has no manifest yet; `dagster dev` re-parses to pick up model edits.
if not dbt_project.manifest_path.exists() or dbt_project.preparer.using_dagster_dev():
    dbt_resource().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()


class Translator(DagsterDbtTranslator):
    """Groups by layer folder (staging/intermediate/marts); sources keep the asset key their
    `meta.dagster.asset_key` names, which links them to the ingest assets. Every dbt test is
    an asset check with a description: source tests on the ingest assets, singular tests
    with several parents on the model their config names (meta.dagster.ref)."""

    def __init__(self) -> None:
        super().__init__(DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True))

    def get_asset_check_spec(self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any],
                             unique_id: str, project: DbtProject | None
                             ) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        return spec._replace(description=describe_test(manifest["nodes"][unique_id]))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 2:
            return fqn[1]
        return super().get_group_name(dbt_resource_props)


def _option(name: str) -> Any:
    return Field(default=None, description=OPTIONS_BY_NAME[name].help
                 + " (unset: the model_options resource's value)")


class DbtBuildConfig(dg.Config):
    """Run config of the dbt models, for one run: the counting and attribution options
    (each unset one comes from the model_options resource: its field, else its PODWH_*
    variable, else its default in dbt/dbt_project.yml) and a full refresh. The same options
    as `podwh` flags."""

    download_window_type: str | None = _option("download_window_type")
    abusive_ip_threshold: int | None = _option("abusive_ip_threshold")
    abusive_ip_allowlist: list[str] | None = _option("abusive_ip_allowlist")
    default_header_bytes: int | None = _option("default_header_bytes")
    attribution_half_life_days: float | None = _option("attribution_half_life_days")
    lookback_days: int | None = _option("lookback_days")
    full_refresh: bool = Field(default=False, description="Forget every count and recount "
                               "the whole warehouse (in passes) under this run's options.")

    def options(self, base: ModelOptions) -> ModelOptions:
        values = {name: getattr(self, name) for name in OPTIONS_BY_NAME}
        return base.with_values(values, source="run config")


def dbt_run_config(options: ModelOptions | None = None, full_refresh: bool = False
                   ) -> dict[str, Any]:
    """Run config setting the dbt models' options (all of them, from `options`) and full
    refresh: what `podwh` and the schedules hand to a job, so a run shows what it used."""
    config: dict[str, Any] = {"full_refresh": full_refresh}
    if options is not None:
        config.update(options.dbt_vars())
    return {"ops": {dbt_models.op.name: {"config": config}}}


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=Translator(),
            project=dbt_project)
def dbt_models(context: dg.AssetExecutionContext, config: DbtBuildConfig, dbt: DbtCli,
               warehouse: WarehouseResource, model_options: ModelOptionsResource):
    settings = warehouse.settings()
    # dbt's profiles.yml reads the connection from PODWH_* variables: the dbt subprocess gets
    # this run's resolved, absolute ones in its environment (this process's is left alone).
    env = settings.dbt_env()
    options = config.options(model_options.options())
    dbt_vars = options.dbt_vars()
    context.log.info(f"counting and attribution options: {options.describe()}")
    # one transform at a time per warehouse (Postgres: an advisory lock; DuckDB: its file)
    with exclusive(settings, "the dbt build of this warehouse"):
        with warehouse.connect() as wh:
            # a raw table whose data contract failed keeps its models out of the build
            exclude = _held_back(context, wh)
            # stops on a salt the purged IPs weren't hashed with; a deletion request recounts
            forgotten = privacy.before_transform(wh, settings.ip_salt)
            _recount_if_asked_or_changed(context, wh, config.full_refresh,
                                         backfill.definition_values(options, settings.ip_salt),
                                         forgotten)
            passes = backfill.pending_passes(wh, settings.counting_batch_requests)
        if passes:
            context.log.info(f"counting the access-log backlog in {len(passes)} passes: "
                             f"{backfill.describe(passes)}")
        for first, last in passes:
            # each pass keeps its own run_results.json (timings, failures) for operators
            target = dbt_project.target_path / "passes" / f"{first}_{last}"
            for args in backfill.pass_args(first, last, dbt_vars):
                _keep_parse(dbt.cli([*args, *exclude], env=env,
                                    target_path=target / args[0]).wait())
        # dbt unit tests check the models' logic on fixtures, not the data: CI runs them
        # (tests/dbt), production builds skip them.
        build = dbt.cli(["build", "--exclude-resource-type", "unit_test",
                         "--vars", json.dumps(dbt_vars), *exclude], env=env, context=context)
        manifest = _manifest()
        for event in build.stream():
            if isinstance(event, dg.AssetCheckResult):
                event = with_failing_rows(event, manifest, build.target_path)
            yield event
        _keep_parse(build)


def _held_back(context: dg.AssetExecutionContext, wh: Warehouse) -> list[str]:
    """`--exclude` for the models downstream of the raw tables holding rows that break
    their data contract (ingest/load/contracts.py, the `contract` checks): they wait for a
    load that passes, while every other source's models build. Dagster skips the assets
    that depend on them."""
    held = held_back(wh)
    if not held:
        return []
    sources = {tuple(key): f"source:{s['source_name']}.{s['name']}+"
               for s in _manifest()["sources"].values()
               if (key := s.get("meta", {}).get("dagster", {}).get("asset_key"))}
    context.log.error("held back by a failed data contract, with every model downstream: "
                      + ", ".join(f"raw.{name}" for name in held))
    selectors = [sources[("raw", name)] for name in held if ("raw", name) in sources]
    return ["--exclude", " ".join(selectors)] if selectors else []


def _recount_if_asked_or_changed(context: dg.AssetExecutionContext, wh: Warehouse,
                                 full_refresh: bool, current: dict[str, Any],
                                 forgotten: int = 0) -> None:
    """Drop what was counted when a full refresh is asked for, the counting definition
    differs from the one the warehouse was counted with (a warehouse never mixes two), or
    listeners were forgotten since the last run (core/privacy.py)."""
    changes = backfill.definition_changes(backfill.recorded_definition(wh), current)
    if not (full_refresh or changes or forgotten):
        return
    why = ("full refresh asked for" if full_refresh
           else "the counting definition changed: " + "; ".join(changes) if changes
           else f"{forgotten} deletion request(s) since the last run")
    context.log.warning(f"{why}: recounting every request day from the raw tables")
    backfill.drop_counted(wh, backfill.incremental_relations(_manifest()))
    privacy.mark_recounted(wh)


def _manifest() -> dict[str, Any]:
    return json.loads(dbt_project.manifest_path.read_text())


def _keep_parse(invocation: DbtCliInvocation) -> None:
    """Each dbt invocation gets a target folder of its own, seeded with the project's parse
    (partial_parse.msgpack). dbt parses the whole project again (~15 s) when that parse was
    made with another profile, e.g. a `dbt parse` run with the default warehouse path: copy
    the invocation's parse back, so the next invocation with these settings reuses it."""
    parsed = invocation.target_path / PARSE_FILE
    if parsed.exists():
        shutil.copyfile(parsed, dbt_project.project_dir / dbt_project.target_path / PARSE_FILE)

