from __future__ import annotations

from pathlib import Path

import pytest

from ingest.synth import WorldConfig, generate_world


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, WorldConfig(seed=7))
    return out
