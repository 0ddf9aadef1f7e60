"""Sponsor-show matching: for each sponsor brief, its tenant's shows ranked by content fit,
audience fit, past performance and available inventory, with brand-safety exclusions
(dbt/METHODOLOGY.md, "Sponsor-show matching"). The parts: fit.py (content, audience,
exclusions), market.py (past performance, inventory), rank.py (the score and the rank)."""

from __future__ import annotations

from analyses.matching.rank import Inputs, Weights, match
from analyses.tables import TENANT_ID, AnalysisTable, Column

__all__ = ["MATCHES", "QUERIES", "SOURCES", "Inputs", "Weights", "match"]

# What the matching reads, one query per input frame ({model}: a dbt model's relation).
QUERIES: dict[str, str] = {
    "briefs": "select brief_id, tenant_id, sponsor_id, sponsor_category, topic_text, "
              "target_app_mix, target_device_mix, target_country_mix, is_explicit_excluded, "
              "excluded_categories, excluded_keywords, start_date, end_date "
              "from {dim_sponsor_briefs} order by brief_id",
    "shows": "select tenant_id, show_id, title, description, categories, is_explicit "
             "from {dim_shows} order by show_id",
    # bags of words: the order of the texts does not matter
    "texts": "select show_id, coalesce(title, '') || ' ' || coalesce(description, '') "
             "as text from {dim_episodes} "
             "union all select show_id, transcript_text from {dim_episode_transcripts}",
    "audience": " union all ".join(
        f"select show_id, '{dim}' as dimension, {col} as value, sum(downloads) as downloads "
        "from {fct_episode_daily_segments} group by show_id, " + col
        for dim, col in (("app", "app_name"), ("device", "device_category"),
                         ("country", "country_code"))),
    # reach and visitors are the campaign's, the same under every attribution model
    "history": "select distinct items.tenant_id, items.show_id, sponsors.sponsor_category, "
               "roi.campaign_id, roi.household_reach, roi.visitors "
               "from {fct_campaign_roi} as roi "
               "inner join {dim_line_items} as items on roi.campaign_id = items.campaign_id "
               "inner join {dim_sponsors} as sponsors on roi.sponsor_id = sponsors.sponsor_id",
    "weekly": "select show_id, week_start_date, is_complete, ad_slots "
              "from {fct_show_revenue_weekly}",
    "booked": "select items.show_id, items.booked_impressions, campaigns.start_date, "
              "campaigns.end_date from {dim_line_items} as items "
              "inner join {dim_campaigns} as campaigns "
              "on items.campaign_id = campaigns.campaign_id",
}
SOURCES = ("dim_sponsor_briefs", "dim_shows", "dim_episodes", "dim_episode_transcripts",
           "fct_episode_daily_segments", "fct_campaign_roi", "dim_line_items", "dim_sponsors",
           "fct_show_revenue_weekly", "dim_campaigns")

_DOCS: dict[str, tuple[str, str]] = {
    "tenant_id": (TENANT_ID.kind, TENANT_ID.description + " The brief's tenant: a brief "
                  "is matched against its own tenant's shows only."),
    "brief_id": ("text", "The sponsor brief (`marts.dim_sponsor_briefs`)."),
    "sponsor_id": ("text", "The sponsor the brief is for."),
    "show_id": ("text", "A show of the brief's tenant."),
    "rank": ("int", "1 = the best match among the shows the brief does not exclude; null "
             "for an excluded show."),
    "score": ("double", "Weighted sum of the four parts (weights below, adding to 1); "
              "an unknown part counts 0.5."),
    "content_cosine": ("double", "Cosine similarity of the brief's topic text with the "
                       "show's text (title, description, categories, episode titles and "
                       "notes, transcripts) in TF-IDF space fitted on the tenant's shows."),
    "content_fit": ("double", "content_cosine over the brief's highest: 1 for its best "
                    "content match, 0 when no show shares a word with the brief."),
    "audience_fit": ("double", "1 - total variation distance between the brief's target "
                     "app, device and country mix and the show's downloads, averaged over "
                     "the dimensions the brief names; null without a target or downloads."),
    "past_performance": ("double", "The show's conversion rate (visitors / households "
                         "reached) for sponsors of the brief's category, shrunk to the "
                         "tenant's category rate, over the brief's highest; null without any "
                         "campaign of the category in the tenant."),
    "conversion_rate": ("double", "The show's raw rate before shrinking; null when it ran "
                        "no campaign of the category."),
    "inventory": ("double", "Unsold share of the ad slots forecast over the brief's flight "
                  "(0: sold out or no slots, 1: nothing booked)."),
    "forecast_impressions": ("double", "Ad slots forecast over the flight: mean weekly slots "
                             "of the last complete weeks per day x flight days."),
    "unsold_impressions": ("double", "forecast_impressions less the booked impressions "
                           "falling in the flight, at least 0."),
    "is_excluded": ("bool", "True when the brief's brand-safety rules exclude the show."),
    "exclusion_reason": ("text", "Why, `; `-separated: `explicit`, `category: <name>`, "
                         "`keyword: <word>`; null when not excluded."),
    "content_weight": ("double", "Weight of content_fit in the score."),
    "audience_weight": ("double", "Weight of audience_fit in the score."),
    "past_performance_weight": ("double", "Weight of past_performance in the score."),
    "inventory_weight": ("double", "Weight of inventory in the score."),
    "notes": ("text", "What each market part rests on, and the parts that were unknown."),
}

MATCHES = AnalysisTable(
    "sponsor_show_matches", "tenant x brief x show",
    "Sponsor-show matching: for each sponsor brief, its tenant's shows ranked by a weighted "
    "score of content fit (TF-IDF cosine over show and episode text and transcripts), "
    "audience fit (1 - TVD of the app/device/country mix), past performance in the "
    "sponsor's category and unsold inventory over the flight; shows the brief's brand-safety "
    "rules exclude are listed with the reason and no rank.",
    {name: Column(kind, doc) for name, (kind, doc) in _DOCS.items()})
