"""Data-driven attribution per sponsor, from the journey aggregates dbt computes
(the dbt model int_attribution_transitions). The Shapley values need no more than an
aggregation: dbt computes them (int_attribution_shapley_values) and
analyses.attribution_shapley publishes them with SHAPLEY_COLUMNS."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analyses.attribution.markov import CONVERSION, markov_attribution

MARKOV_COLUMNS = {"tenant_id": "text", "sponsor_id": "text", "channel": "text",
                  "touch_type": "text", "campaign_id": "text", "conversion_probability": "double",
                  "removal_effect": "double", "attributed_conversions": "double"}
SHAPLEY_COLUMNS = {"tenant_id": "text", "sponsor_id": "text", "channel": "text",
                   "touch_type": "text", "campaign_id": "text", "shapley_value": "double",
                   "attributed_conversions": "double"}


def _channel_parts(channel: str) -> dict[str, str | None]:
    """'impression:c0001' -> touch type and campaign (channels are touch_type:campaign_id)."""
    touch_type, _, campaign = channel.partition(":")
    return {"touch_type": touch_type, "campaign_id": campaign or None}


def markov_by_sponsor(transitions: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per tenant x sponsor x channel (`transitions`: tenant_id, sponsor_id,
    from_state, to_state, transitions)."""
    rows = []
    for (tenant, sponsor), steps in transitions.groupby(["tenant_id", "sponsor_id"],
                                                        sort=True, dropna=False):
        if not (steps["to_state"] == CONVERSION).any():
            continue  # nothing converted: nothing to attribute
        result = markov_attribution(steps)
        for channel, effect in result.removal_effect.items():
            rows.append({"tenant_id": tenant, "sponsor_id": sponsor, "channel": channel,
                         **_channel_parts(channel),
                         "conversion_probability": result.conversion_probability,
                         "removal_effect": effect,
                         "attributed_conversions": result.attributed_conversions[channel]})
    return rows
