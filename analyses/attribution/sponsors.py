"""Data-driven attribution per sponsor, from the journey aggregates dbt computes
(the dbt model int_attribution_transitions). The Shapley values need no more than an
aggregation: dbt computes them (int_attribution_shapley_values) and
analyses.attribution_shapley publishes them as SHAPLEY."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analyses.attribution.markov import CONVERSION, markov_attribution
from analyses.tables import TENANT_ID, AnalysisTable, Column

_CHANNEL = {
    "tenant_id": TENANT_ID,
    "sponsor_id": Column("text", "The sponsor whose conversion paths are modelled."),
    "channel": Column("text", "A state of the journey: touch type and campaign, "
                              "'impression:c0001'; promo codes, vanity URLs, visits and "
                              "surveys are channels too."),
    "touch_type": Column("text", "The channel's touch type (impression, visit, promo_code, "
                                 "vanity_url, survey)."),
    "campaign_id": Column("text", "The channel's campaign; null for touches of no campaign."),
}
MARKOV = AnalysisTable(
    "attribution_markov", "tenant x sponsor x channel",
    "First-order Markov attribution: each channel's removal effect, solved exactly from "
    "the absorbing chain over converting and non-converting journeys.",
    {**_CHANNEL,
     "conversion_probability": Column("double", "The sponsor's probability that a journey "
                                                "ends in a conversion, from the chain."),
     "removal_effect": Column("double", "Relative drop of the conversion probability when "
                                        "the channel is removed (its paths fail)."),
     "attributed_conversions": Column("double", "The sponsor's conversions x this removal "
                                                "effect / the sum of its removal effects.")})
SHAPLEY = AnalysisTable(
    "attribution_shapley", "tenant x sponsor x channel",
    "Shapley values of the channels, v(S) = the conversions whose channels all lie in S, "
    "by their closed form (each conversion shared equally among its distinct channels).",
    {**_CHANNEL,
     "shapley_value": Column("double", "The channel's Shapley value, in conversions."),
     "attributed_conversions": Column("double", "Conversions attributed to the channel "
                                                "(equal to its Shapley value).")})


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
