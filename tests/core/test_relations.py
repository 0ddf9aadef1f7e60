"""Python names the warehouse's tables through core.relations: dbt models from the manifest,
raw tables from the landing contract (which dbt's sources must match)."""

from __future__ import annotations

import re
import string

import pytest

from cli import summary
from core import backfill, relations
from core.contract import RAW_SCHEMA
from core.contract import table as contract_table
from dagster_project.defs.analyses.assets import analysis_assets
from dagster_project.defs.transform.assets import dbt_models


def test_models_resolve_from_the_manifest() -> None:
    assert relations.model("fct_downloads") == "marts.fct_downloads"
    assert relations.model_relation("int_requests_filtered") == ("intermediate",
                                                                 "int_requests_filtered")
    assert relations.sql("select 1 from {dim_shows} limit {n}", n=3) == (
        "select 1 from marts.dim_shows limit 3")
    with pytest.raises(relations.RelationError, match="no_such_model"):
        relations.model("no_such_model")
    with pytest.raises(relations.RelationError, match="not a raw table"):
        relations.raw("no_such_table")


def test_every_model_python_reads_is_in_the_manifest() -> None:
    """A model renamed in dbt fails here, not in the middle of a run."""
    templates = [getattr(summary, name) for name in dir(summary) if name.endswith("_SQL")]
    names = {field for t in templates for _, field, _, _ in string.Formatter().parse(t) if field}
    names -= {"top", "quarantine"}
    names |= {backfill.FILTERED_MODEL, "fct_show_listeners", "fct_campaign_roi"}
    assert len(names) >= 11
    for name in names:
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", relations.model(name)), name


def test_dbt_sources_are_the_contracts_raw_tables() -> None:
    """dbt declares the loader's tables as sources: same schema and name as the contract."""
    sources = [s for s in relations.manifest()["sources"].values()
               if s.get("meta", {}).get("dagster", {}).get("asset_key", [""])[0] == RAW_SCHEMA]
    assert sources
    for source in sources:
        name = source["identifier"]
        assert source["schema"] == RAW_SCHEMA
        assert source["meta"]["dagster"]["asset_key"] == [RAW_SCHEMA, name]
        assert relations.raw(name) == f"{RAW_SCHEMA}.{contract_table(name).name}"


def test_analyses_depend_on_the_dbt_models_they_read() -> None:
    """On dbt models, or on another analysis whose table they read (the revenue drivers
    explain analyses.anomalies); never on nothing."""
    dbt_keys = set(dbt_models.keys)
    analysis_keys = {key for asset in analysis_assets for key in asset.keys}
    for asset in analysis_assets:
        deps = {dep.asset_key for spec in asset.specs for dep in spec.deps}
        assert deps & dbt_keys and deps <= dbt_keys | analysis_keys, asset.key
