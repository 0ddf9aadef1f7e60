"""The rules of dbt-project-evaluator that apply to this project, as tests over the manifest
of a fresh `dbt parse` (the package hub is unreachable, so the package itself can't run).

Each rule lists what breaks it; a finding passes only when EXCEPTIONS names it, with the
reason. Keep that list short: a new entry is a design decision, to be argued in review.

Rules (dbt-project-evaluator's names in brackets):
- staging reads only its own source, one source per model; source() appears nowhere else
  [fct_direct_join_to_source, fct_marts_or_intermediate_dependent_on_source,
  fct_staging_dependent_on_staging, fct_staging_dependent_on_marts_or_intermediate,
  fct_multiple_sources_joined];
- a source table feeds one staging model [fct_source_fanout];
- nothing in staging or intermediate reads a mart (the graph flows forward);
- names and folders: stg_<source>__* in staging/<source>/, int_* in intermediate/,
  dim_*/fct_* in marts/; no model outside a layer folder [fct_model_naming_conventions,
  fct_model_directories, fct_root_models];
- every model is described and tests its primary key: unique + not_null on one column, or
  unique_combination_of_columns [fct_undocumented_models, fct_missing_primary_key_tests];
- every source and source table is described, and used [fct_undocumented_sources,
  fct_undocumented_source_tables, fct_unused_sources];
- no hard-coded relation names in models [fct_hard_coded_references];
- every macro of the project and each of its arguments is described
  [fct_undocumented_macros];
- every source table with a load-time column has loaded_at_field and a freshness threshold
  that only warns [fct_sources_without_freshness].
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.dbt.test_mart_docs import parse_manifest

# (rule, node name) -> why it stands. The only exceptions to the rules below.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("staging_reads_a_model", "stg_ad_delivery__ips"):
        "a raw IP purged after the retention period is a token whose hashes only "
        "stg_privacy__purged_ips keeps; this lookup hashes the raw IPs, so it reads them there",
    ("staging_reads_a_model", "stg_conversions__orders"):
        "hashes the buyer IP in staging (the raw IP never leaves it); a purged one's hashes "
        "are in stg_privacy__purged_ips",
    ("staging_reads_a_model", "stg_conversions__pixel_visits"):
        "hashes the visitor IP in staging (the raw IP never leaves it); a purged one's hashes "
        "are in stg_privacy__purged_ips",
    ("missing_primary_key_test", "stg_access_logs__requests"):
        "a view over the largest raw table: its key (request_id) is tested on the "
        "materialised int_requests_filtered, same grain, so a test run doesn't hash every "
        "request once per test",
    ("missing_primary_key_test", "stg_ad_delivery__inserted_ads"):
        "a view over the ad-delivery logs: its key (inserted_ad_id) is tested on the "
        "materialised int_inserted_ads_matched, same grain",
    ("missing_primary_key_test", "stg_access_logs__ip_spellings"):
        "ephemeral (a CTE of int_ips_located, so the raw IP is never a relation past the raw "
        "layer): no key of its own, and nothing to test a key on",
    ("missing_primary_key_test", "int_requests_enriched"):
        "a view over every request: its key is tested on int_requests_filtered, same grain",
    ("missing_primary_key_test", "int_inserted_ads_enriched"):
        "a view over every delivery: its key is tested on int_inserted_ads_matched, same grain",
    ("source_fanout", "access_logs.access_logs"):
        "the largest raw table has one staging model per way it is read, each one cheap "
        "scan: every request (stg_access_logs__requests), the day summary the incremental "
        "counting compares (request_days), the distinct user agents (user_agents) and the "
        "distinct IP spellings (ips, ip_spellings), so that neither the change detection "
        "nor the lookups pay for the hashing and URL work of every request",
    ("source_fanout", "ad_delivery.ad_deliveries"):
        "as access_logs: the deliveries (inserted_ads), their day summary (delivery_days) "
        "and the distinct IP spellings (ips)",
    ("sources_without_freshness", "loader.quarantine"):
        "the loader's rejected rows, stamped quarantined_at: no new rejects is the healthy "
        "state, so an old newest row says nothing about a stale feed",
    ("model_naming", "time_spine_daily"):
        "MetricFlow's time spine (models/semantic/): the semantic layer names it by "
        "convention and it belongs to no layer",
}

LAYER_PREFIXES = {"staging": ("stg_",), "intermediate": ("int_",), "marts": ("dim_", "fct_")}
HARD_CODED = re.compile(
    r"\b(?:from|join)\s+(?!\{\{)\"?(raw|staging|intermediate|marts|analyses|main|public)\"?"
    r"\s*\.\s*\"?\w+", re.IGNORECASE)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return parse_manifest(tmp_path_factory.mktemp("project_rules"))


def models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["unique_id"]: node for node in manifest["nodes"].values()
            if node["resource_type"] == "model"}


def layer(node: dict[str, Any]) -> str:
    """staging, intermediate, marts or semantic: the model's first folder under models/
    ('' for a model at the root)."""
    parts = node["original_file_path"].split("/")
    return parts[1] if len(parts) > 2 else ""


def findings(rule: str, names: list[str]) -> list[str]:
    """The names that break `rule` and have no exception."""
    return sorted(name for name in names if (rule, name) not in EXCEPTIONS)


def test_every_exception_is_still_needed(manifest):
    """An exception nothing needs any more is removed, so the list stays the truth."""
    needed = set()
    for rule, check in RULES.items():
        needed |= {(rule, name) for name in check(manifest)}
    assert set(EXCEPTIONS) - needed == set()


def _source_readers(manifest):
    nodes = models(manifest)
    return {uid: [d for d in node["depends_on"]["nodes"] if d.startswith("source.")]
            for uid, node in nodes.items()}


def source_outside_staging(manifest) -> list[str]:
    nodes = models(manifest)
    return [nodes[uid]["name"] for uid, sources in _source_readers(manifest).items()
            if sources and layer(nodes[uid]) != "staging"]


def staging_reads_a_model(manifest) -> list[str]:
    return [node["name"] for node in models(manifest).values() if layer(node) == "staging"
            and any(d.startswith("model.") for d in node["depends_on"]["nodes"])]


def staging_reads_several_sources(manifest) -> list[str]:
    nodes = models(manifest)
    return [nodes[uid]["name"] for uid, sources in _source_readers(manifest).items()
            if layer(nodes[uid]) == "staging" and len(sources) != 1]


def staging_reads_another_source(manifest) -> list[str]:
    """stg_<source>__* in staging/<source>/ reads source('<source>', ...)."""
    out = []
    for node in models(manifest).values():
        if layer(node) != "staging":
            continue
        folder = node["original_file_path"].split("/")[2]
        sources = {manifest["sources"][d]["source_name"] for d in node["depends_on"]["nodes"]
                   if d.startswith("source.")}
        if sources != {folder}:
            out.append(node["name"])
    return out


def source_fanout(manifest) -> list[str]:
    children: dict[str, int] = {}
    for sources in _source_readers(manifest).values():
        for source in sources:
            children[source] = children.get(source, 0) + 1
    return [f"{manifest['sources'][s]['source_name']}.{manifest['sources'][s]['name']}"
            for s, n in children.items() if n > 1]


def upstream_reads_a_mart(manifest) -> list[str]:
    nodes = models(manifest)
    return [node["name"] for node in nodes.values()
            if layer(node) in ("staging", "intermediate")
            and any(d in nodes and layer(nodes[d]) == "marts"
                    for d in node["depends_on"]["nodes"])]


def model_naming(manifest) -> list[str]:
    out = []
    for node in models(manifest).values():
        prefixes = LAYER_PREFIXES.get(layer(node))
        if prefixes is None or not node["name"].startswith(prefixes):
            out.append(node["name"])
        elif layer(node) == "staging":
            parts = node["original_file_path"].split("/")
            if len(parts) != 4 or not node["name"].startswith(f"stg_{parts[2]}__"):
                out.append(node["name"])
    return out


def root_models(manifest) -> list[str]:
    return [node["name"] for node in models(manifest).values() if layer(node) == ""]


def undocumented_models(manifest) -> list[str]:
    return [node["name"] for node in models(manifest).values()
            if not node["description"].strip()]


def missing_primary_key_test(manifest) -> list[str]:
    tests: dict[str, set[tuple[str, str]]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("test_metadata"):
            tests.setdefault(node.get("attached_node") or "", set()).add(
                (node["test_metadata"]["name"], node.get("column_name") or ""))
    out = []
    for uid, node in models(manifest).items():
        found = tests.get(uid, set())
        unique = {column for name, column in found if name == "unique"}
        not_null = {column for name, column in found if name == "not_null"}
        combination = any(name == "unique_combination_of_columns" for name, _ in found)
        if not (unique & not_null or combination):
            out.append(node["name"])
    return out


def undocumented_sources(manifest) -> list[str]:
    return [f"{s['source_name']}.{s['name']}" for s in manifest["sources"].values()
            if not s["description"].strip() or not s["source_description"].strip()]


def unused_sources(manifest) -> list[str]:
    used = {d for node in manifest["nodes"].values() for d in node["depends_on"]["nodes"]
            if node["resource_type"] == "model"}
    return [f"{s['source_name']}.{s['name']}" for uid, s in manifest["sources"].items()
            if uid not in used]


def hard_coded_references(manifest) -> list[str]:
    out = []
    for node in models(manifest).values():
        sql = re.sub(r"--[^\n]*|\{#.*?#\}", "", node["raw_code"], flags=re.S)
        if HARD_CODED.search(sql):
            out.append(node["name"])
    return out


def undocumented_macros(manifest) -> list[str]:
    out = []
    for macro in manifest["macros"].values():
        if macro["package_name"] != manifest["metadata"].get("project_name", macro["package_name"]):
            continue
        if macro["original_file_path"].startswith(("macros/", "tests/generic/")) and (
                not macro["description"].strip()
                or any(not (arg.get("description") or "").strip() for arg in macro["arguments"])
                or {arg["name"] for arg in macro["arguments"]} != set(_signature(macro))):
            out.append(macro["name"])
    return out


def _signature(macro: dict[str, Any]) -> list[str]:
    found = re.search(r"\{%-?\s*(?:macro|test)\s+\w+\((.*?)\)\s*-?%\}", macro["macro_sql"], re.S)
    assert found, macro["name"]
    return [arg.split("=")[0].strip() for arg in re.split(r",(?![^\[]*\])", found.group(1))
            if arg.strip()]


def sources_without_freshness(manifest) -> list[str]:
    """A table with a load time (the loader's _loaded_at, or quarantined_at) has
    loaded_at_field and a freshness threshold that warns and never errors: a stale feed is
    a warning to look at, not a reason to stop the daily run (nor to fail a demo world
    dated in the past)."""
    out = []
    for s in manifest["sources"].values():
        if not {"_loaded_at", "quarantined_at"} & set(s["columns"]):
            continue
        freshness = s.get("freshness") or {}
        warn = (freshness.get("warn_after") or {}).get("count")
        error = (freshness.get("error_after") or {}).get("count")
        if not s.get("loaded_at_field") or not warn or error:
            out.append(f"{s['source_name']}.{s['name']}")
    return out


RULES = {
    "source_outside_staging": source_outside_staging,
    "staging_reads_a_model": staging_reads_a_model,
    "staging_reads_several_sources": staging_reads_several_sources,
    "staging_reads_another_source": staging_reads_another_source,
    "source_fanout": source_fanout,
    "upstream_reads_a_mart": upstream_reads_a_mart,
    "model_naming": model_naming,
    "root_models": root_models,
    "undocumented_models": undocumented_models,
    "missing_primary_key_test": missing_primary_key_test,
    "undocumented_sources": undocumented_sources,
    "unused_sources": unused_sources,
    "hard_coded_references": hard_coded_references,
    "undocumented_macros": undocumented_macros,
    "sources_without_freshness": sources_without_freshness,
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule(manifest, rule):
    assert findings(rule, RULES[rule](manifest)) == []


def test_the_rules_see_the_project(manifest):
    """The checks read real nodes: every layer has models, and macros are found."""
    layers = {layer(node) for node in models(manifest).values()}
    assert {"staging", "intermediate", "marts"} <= layers
    assert len([m for m in manifest["macros"].values()
                if m["original_file_path"].startswith("macros/")]) > 100
