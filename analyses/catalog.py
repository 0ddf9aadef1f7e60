"""Every table the analyses write to schema `analyses`: the README lists each with its
grain, and tests/analyses/test_catalog.py keeps the two in step."""

from __future__ import annotations

from analyses.anomalies.tables import ANOMALIES, DRIVERS
from analyses.attribution.sponsors import MARKOV, SHAPLEY
from analyses.causal.features import CAUSAL
from analyses.churn import LISTENER_CHURN
from analyses.experiments import READOUTS
from analyses.forecasts.episodes import EPISODE_FORECASTS
from analyses.forecasts.inventory import INVENTORY_FORECASTS
from analyses.matching import MATCHES
from analyses.sponsor_mentions import MENTIONS
from analyses.tables import AnalysisTable
from analyses.tenant_costs import COSTS
from analyses.traffic_quality import TRAFFIC_QUALITY

TABLES: tuple[AnalysisTable, ...] = (
    MARKOV,
    SHAPLEY,
    COSTS,
    MENTIONS,
    CAUSAL,
    READOUTS,
    EPISODE_FORECASTS,
    INVENTORY_FORECASTS,
    LISTENER_CHURN,
    TRAFFIC_QUALITY,
    ANOMALIES,
    DRIVERS,
    MATCHES,
)
