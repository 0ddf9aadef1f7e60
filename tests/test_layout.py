"""The layout the README's map describes: packages by role, one reader of the environment,
and a Dagster project holding definitions only."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from core.settings import PROJECT_ROOT

CORE = "core"
# Every package the wheel ships (pyproject.toml): the product's code.
PACKAGES = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())[
    "tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
DEFINITION_MODULES = {"assets", "checks", "jobs", "schedules", "sensors", "resources"}


def _modules(package: str) -> list[Path]:
    return sorted((PROJECT_ROOT / package).rglob("*.py"))


def _environment_reads(path: Path) -> list[str]:
    """Lines of `path` that read the process environment: os.environ, os.getenv, or
    either imported from os."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            for alias in node.names:
                if alias.name in ("environ", "getenv", "environb"):
                    found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} "
                                 f"from os import {alias.name}")
    return found


def test_the_wheel_ships_the_packages_of_the_map() -> None:
    assert set(PACKAGES) == {"core", "ingest", "synth", "analyses", "dagster_project", "cli"}


def test_only_core_reads_the_environment() -> None:
    reads = [line for package in PACKAGES if package != CORE
             for path in _modules(package) for line in _environment_reads(path)]
    assert reads == [], "configuration is read in core/settings.py only: " + "; ".join(reads)


def test_the_scan_sees_an_environment_read() -> None:
    probe = PROJECT_ROOT / "core" / "settings.py"
    assert any("os.environ" in line for line in _environment_reads(probe))


def test_dagster_project_holds_definitions_only() -> None:
    root = PROJECT_ROOT / "dagster_project"
    for path in _modules("dagster_project"):
        relative = path.relative_to(root)
        if relative.parts[0] != "defs":
            assert relative.name in ("__init__.py", "definitions.py", "resources.py"), relative
            continue
        # defs/<area>/<kind>.py, the kind one of Dagster's definitions, or a package
        # defs/<area>/<kind>/ of such definitions, a module each (the analyses' assets)
        assert len(relative.parts) in (2, 3, 4), relative
        if relative.name == "__init__.py" and len(relative.parts) < 4:
            continue
        kind = relative.parts[2] if len(relative.parts) == 4 else path.stem
        assert len(relative.parts) >= 3 and kind in DEFINITION_MODULES, relative


def test_ingest_holds_sources_only() -> None:
    """Settings, the warehouse connection and the landing contract live in core; the world
    generator in synth."""
    names = {p.name for p in (PROJECT_ROOT / "ingest").iterdir() if not p.name.startswith("__")}
    assert names == {"hosting", "load", "rss", "registry.py", "user_agents.py"}, names


# package -> the project's packages it may import (besides itself)
MAY_IMPORT = {
    "core": set(),
    "ingest": {"core"},
    "analyses": {"core"},
    "synth": {"core"},
    "dagster_project": {"core", "ingest", "analyses"},
    "cli": {"core", "ingest", "analyses", "synth", "dagster_project"},
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names & set(MAY_IMPORT)


def test_packages_depend_downwards_only() -> None:
    assert set(MAY_IMPORT) == set(PACKAGES)
    wrong = [f"{path.relative_to(PROJECT_ROOT)} imports {sorted(extra)}"
             for package, allowed in MAY_IMPORT.items() for path in _modules(package)
             if (extra := _imported_packages(path) - allowed - {package})]
    assert wrong == []
