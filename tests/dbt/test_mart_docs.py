"""Every mart says what it is: its YAML description states its grain, its primary key and
the rule that produces it, and the primary key is tested unique and not null (read from the
manifest of a fresh `dbt parse`). That every column a built mart has is described is
checked against a built warehouse in tests/e2e/test_mart_docs.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.dbt.test_dbt_build import DBT, DBT_DIR

PRIMARY_KEY = re.compile(r"\*\*Primary key:\*\* `(\w+)`")


def parse_manifest(tmp_path: Path) -> dict[str, Any]:
    """The project's manifest, parsed afresh (no warehouse needed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PODWH_")}
    proc = subprocess.run(
        [str(DBT), "parse", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
         "--no-partial-parse"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:]
    return json.loads((tmp_path / "target" / "manifest.json").read_text())


def mart_models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The models under models/marts (dim_*, fct_*), by name."""
    return {node["name"]: node for node in manifest["nodes"].values()
            if node["resource_type"] == "model"
            and node["original_file_path"].startswith("models/marts/")}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return parse_manifest(tmp_path_factory.mktemp("mart_docs"))


def test_every_mart_states_its_grain_key_and_rule(manifest):
    marts = mart_models(manifest)
    assert len(marts) >= 21 and all(name[:4] in ("dim_", "fct_") for name in marts)
    missing = {name: [part for part in ("**Grain:**", "**Primary key:**", "**Rule:**")
                      if part not in node["description"]]
               for name, node in marts.items()}
    assert {name: parts for name, parts in missing.items() if parts} == {}


def test_every_mart_tests_its_primary_key(manifest):
    tested: dict[str, set[tuple[str, str]]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("test_metadata"):
            tested.setdefault(node.get("attached_node") or "", set()).add(
                (node["test_metadata"]["name"], node.get("column_name") or ""))
    untested = []
    for name, node in mart_models(manifest).items():
        key = PRIMARY_KEY.search(node["description"])
        assert key, f"{name}: no **Primary key:** `column` in its description"
        for test in ("unique", "not_null"):
            if (test, key.group(1)) not in tested.get(node["unique_id"], set()):
                untested.append(f"{name}.{key.group(1)}: no {test} test")
    assert untested == []
