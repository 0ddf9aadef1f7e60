"""Named, independent random streams derived from the world seed (no global state)."""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str, *extra: int) -> np.random.Generator:
    """A generator for one purpose; the same (seed, name, extra) always gives the same draws."""
    key = (zlib.crc32(name.encode()), *extra)
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=key))
