"""Causal estimates of the platform's features, per tenant: comments (a staggered rollout)
by difference-in-differences, creator analytics (an opt-in) by propensity-score matching.
The statistics live in analyses.causal; this asset reads the marts and writes the rows."""

import dagster as dg
from pydantic import Field

from analyses.causal import psm
from analyses.causal.features import CAUSAL, Settings, comments_rows, creator_analytics_rows
from analyses.store import read_frame, replace_rows
from core.relations import ANALYSES_SCHEMA, sql
from dagster_project.defs.analyses.assets.wiring import AUTOMATION, analysis_key, dbt_key
from dagster_project.resources import WarehouseResource

DAILY, ROLLOUTS = "fct_show_engagement_daily", "dim_feature_rollouts"
SHOWS, EPISODES = "dim_shows", "dim_episodes"


class CausalConfig(dg.Config):
    alpha: float = Field(0.05, description="1 - confidence level of the intervals.")
    min_shows: int = Field(4, description="Fewest shows a tenant needs for the "
                                          "difference-in-differences (else a skipped row).")
    event_period_days: int = Field(7, description="Event-study bin width in days.")
    min_matched_group: int = Field(20, description="Fewest treated and fewest untreated "
                                                   "shows for propensity matching.")
    caliper_sd: float = Field(0.2, description="Matching caliper, in SDs of the logit "
                                               "propensity score (Austin 2011).")
    neighbours: int = Field(4, description="Controls matched to each treated show "
                                           "(with replacement).")

    def settings(self) -> Settings:
        return Settings(alpha=self.alpha, min_shows=self.min_shows,
                        event_period_days=self.event_period_days,
                        matching=psm.Matching(neighbours=self.neighbours,
                                              caliper_sd=self.caliper_sd,
                                              min_treated=self.min_matched_group,
                                              min_controls=self.min_matched_group))


@dg.asset(key=analysis_key(CAUSAL.name), group_name=ANALYSES_SCHEMA,
          automation_condition=AUTOMATION,
          deps=[dbt_key(m) for m in (DAILY, ROLLOUTS, SHOWS, EPISODES)])
def causal_estimates(config: CausalConfig,
                     warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per tenant: comments -> follows, retention (unfollows) and downloads (a placebo) by
    PPML two-way fixed effects clustered by show, with an event study's pre-trend test;
    creator analytics -> follows by propensity-score matching with a balance table."""
    cfg = config.settings()
    with warehouse.connect() as wh:
        daily = read_frame(wh, sql(
            "select tenant_id, show_id, activity_date, follows, unfollows, downloads, "
            f"listeners from {{{DAILY}}} order by tenant_id, show_id, activity_date"))
        rollouts = read_frame(wh, sql(
            "select tenant_id, show_id, feature_name, enabled_date "
            f"from {{{ROLLOUTS}}} order by tenant_id, show_id, feature_name"))
        shows = read_frame(wh, sql(f"select show_id, categories from {{{SHOWS}}} "
                                   "order by show_id"))
        episodes = read_frame(wh, sql(f"select show_id, published_date from {{{EPISODES}}} "
                                      "order by show_id, published_date"))
        rows = []
        if len(daily):
            rows = (comments_rows(daily, rollouts, cfg)
                    + creator_analytics_rows(daily, rollouts, shows, episodes, cfg))
        written = replace_rows(wh, CAUSAL, rows)
    return dg.MaterializeResult(metadata={"rows": written})
