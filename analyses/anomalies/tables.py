"""The two tables: analyses.anomalies and analyses.revenue_change_drivers."""

from __future__ import annotations

from analyses.tables import TENANT_ID, AnalysisTable, Column

ANOMALIES = AnalysisTable(
    "anomalies", "series x method x flagged period, or series x method too short to judge",
    "Anomalies in daily and weekly series per show, campaign, sponsor and tenant "
    "(downloads, listeners, impressions, fill rate, CPM, conversions, revenue, RPM) by a "
    "robust rolling z-score and by STL residuals; download series are expected from each "
    "episode's release curve, so a release is not an anomaly. Only flagged points and "
    "series too short to judge are written.",
    {"tenant_id": TENANT_ID,
     "entity_type": Column("text", "show, campaign, sponsor or tenant."),
     "entity_id": Column("text", "The show, campaign, sponsor or tenant id."),
     "show_id": Column("text", "The show a show series belongs to; null otherwise."),
     "metric": Column("text", "downloads, listeners, impressions, fill_rate, cpm, "
                              "conversions, revenue or rpm."),
     "grain": Column("text", "day or week (ISO week, Monday)."),
     "period_date": Column("date", "The day, or the week's Monday, flagged; null on a "
                                   "not_judged row."),
     "observed": Column("double", "The metric's value that period."),
     "expected": Column("double", "What the method expected: the baseline (release curve, "
                                  "reachable downloads, or 1) x the median ratio over the "
                                  "trailing window (rolling_z) or x STL trend + season "
                                  "(stl)."),
     "score": Column("double", "Standardised departure: for counts the Pearson residual "
                               "over the series' dispersion (when above 1), else the "
                               "residual over the robust spread (1.4826 x MAD)."),
     "method": Column("text", "rolling_z (median / MAD over a trailing window) or stl "
                              "(statsmodels STL, weekly period, robust)."),
     "severity": Column("text", "high (|score| >= high threshold) or medium (>= medium); "
                                "null on a not_judged row."),
     "direction": Column("text", "up or down; null on a not_judged row."),
     "status": Column("text", "anomaly, or not_judged when the series is too short for "
                              "the method."),
     "reason": Column("text", "Why a series was not judged (e.g. 'series too short: 9 "
                              "days with a baseline < 15 needed'); null on anomalies.")})

_MONEY = "US dollars"
DRIVERS = AnalysisTable(
    "revenue_change_drivers", "show x week, and each high anomaly",
    "Why revenue changed: each show's week-over-week revenue change and each "
    "high-severity anomaly, decomposed exactly over the revenue tree (LMDI-I over "
    "downloads x ad slots per download x fill rate x eCPM, plus subscription and partner "
    "revenue: the six effects add up to revenue_change), with the segment and the episode "
    "whose downloads moved most and a sentence an account manager can read.",
    {"tenant_id": TENANT_ID,
     "trigger": Column("text", "week_over_week (every show week after its first) or "
                               "anomaly (a high-severity row of analyses.anomalies)."),
     "entity_type": Column("text", "show for week_over_week; the anomaly's entity type."),
     "entity_id": Column("text", "The show, or the anomaly's entity."),
     "show_id": Column("text", "The show whose revenue week is decomposed; null for an "
                               "anomaly on a campaign, sponsor or tenant."),
     "metric": Column("text", "revenue for week_over_week; the anomaly's metric."),
     "period_date": Column("date", "The week's Monday, or the anomaly's day or week."),
     "week_start_date": Column("date", "The week whose change is decomposed (Monday)."),
     "previous_week_start_date": Column("date", "The week it is compared with."),
     "revenue_before": Column("double", f"The show's revenue the previous week ({_MONEY})."),
     "revenue_after": Column("double", f"The show's revenue that week ({_MONEY})."),
     "revenue_change": Column("double", "revenue_after - revenue_before; equals the sum of "
                                        "the six effects."),
     "revenue_change_pct": Column("double", "revenue_change / revenue_before; null when "
                                            "there was no revenue before."),
     "downloads_effect": Column("double", "LMDI-I effect of downloads on ad revenue."),
     "ad_slots_effect": Column("double", "LMDI-I effect of ad slots per download."),
     "fill_rate_effect": Column("double", "LMDI-I effect of fill rate (ads delivered / "
                                          "slots)."),
     "cpm_effect": Column("double", "LMDI-I effect of the effective CPM."),
     "subscription_effect": Column("double", "Change in subscription revenue."),
     "partner_effect": Column("double", "Change in partner-programme payouts."),
     "main_driver": Column("text", "The effect largest in size; null when revenue did not "
                                   "change."),
     "segment_dimension": Column("text", "app_name, device_category or country_code: the "
                                         "dimension of the segment that moved most."),
     "segment": Column("text", "The segment (app, device category, country) whose "
                               "downloads moved most in the direction of the change."),
     "segment_change": Column("double", "Its downloads change: week over week, or for a "
                                        "daily show anomaly observed minus its share of "
                                        "the expected downloads."),
     "top_episode_id": Column("text", "The episode whose downloads moved most that week."),
     "top_episode_change": Column("double", "Its downloads change week over week."),
     "status": Column("text", "ok; partial week (the access logs cover part of one of the "
                              "two weeks); or why an anomaly has no revenue week."),
     "why": Column("text", "One sentence for an account manager: what changed, by how "
                           "much, mostly from what, and the segment that moved most.")})
