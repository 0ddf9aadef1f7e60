"""Names of the warehouse's tables for Python code, never written by hand.

- dbt models (staging, intermediate, marts): `schema.alias` from the dbt manifest
  (dbt/target/manifest.json), so a model moved to another schema or aliased in dbt is
  followed by every Python reader. `model("fct_downloads")` -> "marts.fct_downloads";
  `sql("select ... from {fct_downloads}")` fills every `{model}` placeholder, as dbt's
  `ref()` does.
- raw tables: the loader creates them from the landing contract (core/contract.py), and
  dbt's sources point at them: `raw("access_logs")` -> "raw.access_logs".
- the analyses tables the Python assets write: `analyses("attribution_markov")`.

A name that isn't in the manifest or the contract raises RelationError naming it, at the
first use rather than as a SQL error in the middle of a run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from core.contract import RAW_SCHEMA, table
from core.settings import DBT_DIR

MANIFEST_PATH = DBT_DIR / "target" / "manifest.json"
ANALYSES_SCHEMA = "analyses"  # where the Python assets write (PRODUCT.md)
# The counting definition a warehouse was counted under: written by dbt's on-run-end hook
# record_counting_definition, not a model, so not in the manifest (schema, table).
COUNTING_DEFINITION = ("intermediate", "counting_definition")
# The incremental models' helper tables (dbt macro helper_schema()): granted to no reader.
HELPER_SCHEMA = "private"


class RelationError(LookupError):
    """A table name Python asked for that the manifest or the contract doesn't know."""


@cache
def manifest() -> Mapping[str, Any]:
    """The dbt manifest (read once per process)."""
    if not MANIFEST_PATH.exists():
        raise RelationError(f"no dbt manifest at {MANIFEST_PATH}: run `make` (or `dbt parse` "
                            "in dbt/) to parse the dbt project")
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


@cache
def _models() -> dict[str, tuple[str, str]]:
    return {node["name"]: (node["schema"], node.get("alias") or node["name"])
            for node in manifest()["nodes"].values() if node["resource_type"] == "model"}


def model_relation(name: str) -> tuple[str, str]:
    """(schema, table) of the dbt model `name`."""
    try:
        return _models()[name]
    except KeyError:
        raise RelationError(f"dbt model {name!r} is not in {MANIFEST_PATH} (renamed or "
                            "removed in dbt/models?)") from None


def model(name: str) -> str:
    """`schema.table` of the dbt model `name`, e.g. marts.fct_downloads."""
    return ".".join(model_relation(name))


def raw(name: str) -> str:
    """`raw.<table>` of a landing-contract table (checked against the contract)."""
    try:
        return f"{RAW_SCHEMA}.{table(name).name}"
    except KeyError:
        raise RelationError(f"{name!r} is not a raw table of the landing contract") from None


def analyses(name: str) -> str:
    """A table the Python analyses write, e.g. analyses.attribution_markov."""
    return f"{ANALYSES_SCHEMA}.{name}"


class _Models(dict):
    def __missing__(self, name: str) -> str:
        return model(name)


def sql(template: str, **values: Any) -> str:
    """`template` with each `{model_name}` replaced by the model's `schema.table` (other
    placeholders from `values`)."""
    return template.format_map(_Models(values))
