"""Every table the analyses write to schema `analyses`: the README lists each with its
grain, and tests/analyses/test_catalog.py keeps the two in step."""

from __future__ import annotations

from analyses.attribution.sponsors import MARKOV, SHAPLEY
from analyses.matching import MATCHES
from analyses.tables import AnalysisTable
from analyses.tenant_costs import COSTS

TABLES: tuple[AnalysisTable, ...] = (
    MARKOV,
    SHAPLEY,
    COSTS,
    MATCHES,
)
