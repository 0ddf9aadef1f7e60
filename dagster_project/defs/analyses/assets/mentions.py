"""Sponsor intelligence: the sponsor reads in episode show notes (analyses.sponsor_mentions),
matched to the network's booked sponsors."""

import dagster as dg
from pydantic import Field

from analyses import sponsor_mentions as sm
from analyses.store import read_frame, replace_rows
from core.relations import ANALYSES_SCHEMA, sql
from dagster_project.defs.analyses.assets.wiring import AUTOMATION, analysis_key, dbt_key
from dagster_project.resources import WarehouseResource

EPISODES, SPONSORS, CAMPAIGNS = "dim_episodes", "dim_sponsors", "dim_campaigns"


class SponsorMentionsConfig(dg.Config):
    min_confidence: float = Field(
        default=0.5, description="Reads scoring below this rule score are left out. 0.5 keeps "
        "every read a cue names (0.55 and up) and every cue-less read with a code or URL; "
        "raise it to 0.7 to keep only reads backed by a code and a URL or a booked sponsor.")


@dg.asset(key=analysis_key(sm.MENTIONS.name), group_name=ANALYSES_SCHEMA,
          automation_condition=AUTOMATION,
          deps=[dbt_key(EPISODES), dbt_key(SPONSORS), dbt_key(CAMPAIGNS)])
def sponsor_mentions(config: SponsorMentionsConfig,
                     warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per episode x sponsor read in its show notes: brand, promo code, vanity URL, offer,
    the booked sponsor it matches (by code, URL, domain or name), a rule score and the
    sentences it was found in."""
    with warehouse.connect() as wh:
        episodes = read_frame(wh, sql(
            f"select tenant_id, show_id, episode_id, description from {{{EPISODES}}} "
            "where description is not null order by tenant_id, show_id, episode_id"))
        sponsors = read_frame(wh, sql(
            f"select tenant_id, sponsor_id, sponsor_name from {{{SPONSORS}}} order by 1, 2"))
        campaigns = read_frame(wh, sql(
            f"select tenant_id, sponsor_id, promo_code, vanity_url from {{{CAMPAIGNS}}} "
            "order by 1, 2, 3, 4"))
        rows = sm.mention_rows(episodes, sm.booked_by_tenant(sponsors, campaigns)) \
            if len(episodes) else []
        kept = [r for r in rows if r["confidence"] >= config.min_confidence]
        written = replace_rows(wh, sm.MENTIONS, kept)
    return dg.MaterializeResult(metadata={"rows": written, "episodes": len(episodes),
                                          "matched": sum(r["sponsor_id"] is not None
                                                         for r in kept)})


mention_assets = [sponsor_mentions]
