"""dbt tests as Dagster asset checks: a description for each, and, when one fails, the
query that lists the rows to look at."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg

UNIQUE_ID = "unique_id"  # the dbt node id dagster-dbt puts in a check result's metadata


def describe_test(node: Mapping[str, Any]) -> str:
    """The test's own description (singular tests: dbt/tests/_singular__tests.yml), or one
    read from a generic test's name and arguments."""
    if node.get("description"):
        return str(node["description"]).strip()
    meta = node.get("test_metadata") or {}
    kwargs = meta.get("kwargs", {})
    column = kwargs.get("column_name")
    on = f"{node['attached_node'].split('.')[-1]}." if node.get("attached_node") else ""
    match meta.get("name"):
        case "unique":
            return f"{on}{column} is unique: one row per {column} (the model's key)."
        case "not_null":
            return f"{on}{column} is never null."
        case "accepted_values":
            values = ", ".join(str(v) for v in kwargs.get("values", []))
            return f"{on}{column} is one of: {values}."
        case "relationships":
            target = str(kwargs.get("to", "")).replace("ref('", "").replace("')", "")
            return f"Every {on}{column} exists in {target}.{kwargs.get('field')}."
        case "expression_is_true":
            expression = f"{column or ''} {kwargs.get('expression', '')}".strip()
            return f"Every row of {on.rstrip('.') or 'the model'} satisfies: {expression}."
        case "unique_combination_of_columns":
            columns = " x ".join(kwargs.get("combination_of_columns", []))
            return f"One row per {columns} in {on.rstrip('.') or 'the model'} (its key)."
        case _:
            return f"dbt test {node['name']}."


def compiled_test_path(target_path: Path, node: Mapping[str, Any]) -> Path:
    """Where dbt writes the test's compiled SQL under an invocation's target path."""
    compiled = target_path / "compiled" / node["package_name"] / node["original_file_path"]
    return compiled / node["path"] if node.get("test_metadata") else compiled


def with_failing_rows(result: dg.AssetCheckResult, manifest: Mapping[str, Any],
                      target_path: Path) -> dg.AssetCheckResult:
    """A failed check's result with the query returning the rows that made it fail (the
    test's compiled SQL) and its description."""
    if result.passed:
        return result
    meta = result.metadata.get(UNIQUE_ID)
    node = manifest["nodes"].get(getattr(meta, "value", meta) or "")
    if node is None:
        return result
    path = compiled_test_path(target_path, node)
    sql = path.read_text(encoding="utf-8").strip() if path.exists() else ""
    extra = {"failing rows": dg.MetadataValue.md(
        "The rows to look at: run this query on the warehouse.\n\n```sql\n" + sql + "\n```")
    } if sql else {}
    return result._replace(metadata={**result.metadata, **extra},
                           description=describe_test(node))
