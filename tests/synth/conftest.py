from __future__ import annotations

from pathlib import Path

import pytest

from synth import WorldConfig, generate_world
from synth.config import demo_config


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, WorldConfig(seed=7))
    return out


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The world `make demo` generates."""
    out = tmp_path_factory.mktemp("demo")
    generate_world(out, demo_config())
    return out
