"""Synthetic podcast world: every landing source of ingest.contract plus its ground truth."""

from ingest.synth.config import WorldConfig, WorldSummary
from ingest.synth.world import generate_world

__all__ = ["WorldConfig", "WorldSummary", "generate_world"]
