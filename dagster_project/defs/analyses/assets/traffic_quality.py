"""Traffic quality per show x day: a thin asset around analyses.traffic_quality, reading
the listener-key mart (built in dbt, where the request-level work is done)."""

import dagster as dg
from pydantic import Field

from analyses import traffic_quality as tq
from analyses.store import read_frame, replace_frame
from core.relations import ANALYSES_SCHEMA, sql
from dagster_project.defs.analyses.assets.wiring import AUTOMATION, analysis_key, dbt_key
from dagster_project.resources import WarehouseResource

KEY_DAYS = "fct_listener_key_daily"
APPS = "dim_apps"
DEFAULTS = tq.Thresholds()


class TrafficQualityConfig(dg.Config):
    """The signals' thresholds (defaults: analyses.traffic_quality.Thresholds)."""

    binge_min_episodes: int = Field(DEFAULTS.binge_min_episodes, description=(
        "A key downloading this many distinct episodes of a show within "
        "binge_max_span_seconds is a binge."))
    binge_max_span_seconds: int = Field(DEFAULTS.binge_max_span_seconds, description=(
        "The span (first to last download) of a binge, in seconds."))
    binge_day_min_episodes: int = Field(DEFAULTS.binge_day_min_episodes, description=(
        "This many distinct episodes of a show in one day is a binge at any span."))
    regular_min_gaps: int = Field(DEFAULTS.regular_min_gaps, description=(
        "Gaps between a key's requests needed to judge their regularity."))
    regular_max_cv: float = Field(DEFAULTS.regular_max_cv, description=(
        "Coefficient of variation of the gaps at or below which timing is too regular."))
    repeat_min_downloads: int = Field(DEFAULTS.repeat_min_downloads, description=(
        "Repeats of downloads of one or two days before by one key in a day that flag it."))
    shared_ip_min_keys: int = Field(DEFAULTS.shared_ip_min_keys, description=(
        "Keys on one IP in a day from which an OPAWG-unknown user agent counts as scripted."))
    history_days: int = Field(DEFAULTS.history_days, description=(
        "Calendar days of the show's history its usual downloads per listener come from."))
    min_history_days: int = Field(DEFAULTS.min_history_days, description=(
        "Days of history needed to judge a jump (status short_history below)."))
    jump_min_z: float = Field(DEFAULTS.jump_min_z, description=(
        "Robust z-score of downloads per listener from which it jumped."))
    jump_min_lift: float = Field(DEFAULTS.jump_min_lift, description=(
        "Relative rise of downloads per listener needed for a jump (0.3: +30 %)."))
    jump_max_listener_growth: float = Field(DEFAULTS.jump_max_listener_growth, description=(
        "Listener growth on the history's median below which listeners count as flat."))
    jump_min_excess: int = Field(DEFAULTS.jump_min_excess, description=(
        "Downloads above the usual ratio needed for a jump (small shows stay quiet)."))
    full_share: float = Field(DEFAULTS.full_share, description=(
        "Suspicious share of downloads at which the share part of the score reaches 1."))
    flag_threshold: float = Field(DEFAULTS.flag_threshold, description=(
        "Score from which a show x day is flagged (is_flagged)."))

    def thresholds(self) -> tq.Thresholds:
        return tq.Thresholds(**self.model_dump())


@dg.asset(key=analysis_key(tq.TRAFFIC_QUALITY.name), group_name=ANALYSES_SCHEMA,
          automation_condition=AUTOMATION, deps=[dbt_key(KEY_DAYS), dbt_key(APPS)])
def traffic_quality(config: TrafficQualityConfig,
                    warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per show x day: downloads of listener keys that binge, use scripted user agents,
    request at regular intervals or repeat earlier downloads, and downloads per listener
    jumping with flat listeners; the suspicious share and a 0-1 score."""
    th = config.thresholds()
    with warehouse.connect() as wh:
        agents = read_frame(wh, sql(tq.USER_AGENTS))
        scripted = (sorted(agents.loc[tq.scripted_user_agents(agents["user_agent"]),
                                      "user_agent_id"]) if len(agents) else [])
        days = read_frame(wh, sql(tq.SHOW_DAYS))
        keys = read_frame(wh, sql(tq.key_rows_sql(scripted, th)))
        frame = tq.traffic_quality(days, keys, th)
        written = replace_frame(wh, tq.TRAFFIC_QUALITY, frame)
        flagged = int(frame["is_flagged"].sum()) if len(frame) else 0
    return dg.MaterializeResult(metadata={"rows": written, "flagged": flagged})


traffic_quality_assets = [traffic_quality]
