"""Synthetic podcast world: every landing source of core.contract plus its ground truth."""

from synth.config import WorldConfig, WorldSummary
from synth.world import generate_world

__all__ = ["WorldConfig", "WorldSummary", "generate_world"]
