"""Listener churn: a thin asset around analyses.churn, reading the weekly listening mart."""

import dagster as dg
from pydantic import Field

from analyses import churn
from analyses.store import read_frame, replace_frame
from core.relations import ANALYSES_SCHEMA, sql
from dagster_project.defs.analyses.assets.wiring import AUTOMATION, analysis_key, dbt_key
from dagster_project.resources import WarehouseResource

WEEKLY = "fct_listener_show_weekly"
SHOWS = "dim_shows"  # every tenant gets a row, with data or not


class ListenerChurnConfig(dg.Config):
    lookback_weeks: int = Field(3, description="Complete weeks of features before a cut-off.")
    horizon_weeks: int = Field(2, description="Weeks without a download that make churn "
                                              "(the label and the prediction's horizon).")
    model: str = Field("logistic", description="logistic or boosting (gradient boosting "
                                               "with isotonic calibration).")
    min_examples: int = Field(100, description="Fewest training or test examples a tenant "
                                               "needs for a model.")
    high_risk: float = Field(0.5, description="Probability from which a key is high risk.")
    medium_risk: float = Field(0.25, description="Probability from which a key is medium "
                                                 "risk.")


@dg.asset(key=analysis_key(churn.LISTENER_CHURN.name), group_name=ANALYSES_SCHEMA,
          automation_condition=AUTOMATION, deps=[dbt_key(WEEKLY), dbt_key(SHOWS)])
def listener_churn(config: ListenerChurnConfig,
                   warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per tenant x listener key x show: the probability that the key downloads nothing of
    the show in the next horizon weeks, from a model trained on earlier cut-offs of
    fct_listener_show_weekly and tested on the latest labelled one (AUC, Brier score and
    calibration on the tenant's model row and in this materialisation's metadata)."""
    if config.model not in churn.MODELS:
        raise ValueError(f"model must be one of {churn.MODELS}, not {config.model!r}")
    cfg = churn.ChurnConfig(lookback_weeks=config.lookback_weeks,
                            horizon_weeks=config.horizon_weeks, model=config.model,
                            min_examples=config.min_examples, high_risk=config.high_risk,
                            medium_risk=config.medium_risk)
    with warehouse.connect() as wh:
        weekly = read_frame(wh, sql(
            "select tenant_id, show_id, listener_key, week_start_date, is_complete, "
            "app_name, downloads, episodes_downloaded, days_active, completion_rate, "
            "last_download_date, first_download_date "
            f"from {{{WEEKLY}}} order by tenant_id, show_id, listener_key, week_start_date"))
        tenants = read_frame(wh, sql(f"select distinct tenant_id from {{{SHOWS}}}"))
        if weekly.empty:  # keep the columns the library reads
            weekly = weekly.reindex(columns=["tenant_id", "week_start_date", "is_complete"])
        frame = churn.listener_churn(weekly, sorted(tenants.get("tenant_id", [])), cfg)
        written = replace_frame(wh, churn.LISTENER_CHURN, frame)
    models = frame[frame["row_type"] == "model"]
    return dg.MaterializeResult(metadata={
        "rows": written,
        **{f"{row['tenant_id']}: {k}": _metadata(row[k]) for _, row in models.iterrows()
           for k in ("status", "auc", "brier_score", "calibration_error", "n_test")}})


def _metadata(value: object) -> float | str:
    """A number rounded, anything else (a status, a missing value) as text."""
    if isinstance(value, int | float) and value == value:  # not NaN
        return round(float(value), 4)
    return str(value)


churn_assets = [listener_churn]
