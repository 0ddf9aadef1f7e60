"""A/B test readouts (`analyses.experiment_readouts`): a thin asset over
`analyses.experiments`, reading the declared experiments and their exposed units."""

import dagster as dg
from pydantic import Field

from analyses import experiments as xp
from analyses.store import read_frame, replace_frame
from core.relations import ANALYSES_SCHEMA, sql
from dagster_project.defs.analyses.assets.wiring import AUTOMATION, analysis_key, dbt_key
from dagster_project.resources import WarehouseResource


class ReadoutConfig(dg.Config):
    alpha: float = Field(default=xp.Settings.alpha, description=(
        "Two-sided significance level per experiment, split among its variants."))
    power: float = Field(default=xp.Settings.power, description=(
        "Power the minimum detectable effect is sized for; a final look without it is "
        "'inconclusive' rather than 'no difference'."))
    min_units: int = Field(default=xp.Settings.min_units, description=(
        "Units per arm below which a variant is not tested (status 'too few units')."))


@dg.asset(key=analysis_key(xp.READOUTS.name), group_name=ANALYSES_SCHEMA,
          automation_condition=AUTOMATION,
          deps=[dbt_key(xp.EXPERIMENTS_MODEL), dbt_key(xp.UNITS_MODEL)])
def experiment_readouts(config: ReadoutConfig,
                        warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per experiment x variant: conversion rates against the control, the difference with
    its 95 % interval and p-value, power for the declared MDE, and an O'Brien-Fleming
    decision over the planned looks (no early call on a peek)."""
    with warehouse.connect() as wh:
        experiments = read_frame(wh, sql(xp.EXPERIMENTS_SQL))
        counts = read_frame(wh, sql(xp.COUNTS_SQL))
        frame = (xp.readouts(experiments, counts,
                             xp.Settings(config.alpha, config.power, config.min_units))
                 if len(experiments) else xp.readouts_empty())
        written = replace_frame(wh, xp.READOUTS, frame)
    decisions = frame["decision"].value_counts().to_dict() if len(frame) else {}
    return dg.MaterializeResult(metadata={"rows": written, **{
        f"decision: {k}": int(v) for k, v in sorted(decisions.items())}})


experiment_assets = [experiment_readouts]
