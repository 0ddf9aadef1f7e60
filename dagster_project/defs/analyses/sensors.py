"""Declarative automation for the analyses: the sensor that evaluates their eager
conditions (assets/wiring.py), on by default."""

from __future__ import annotations

import dagster as dg

from core.relations import ANALYSES_SCHEMA

automation_sensor = dg.AutomationConditionSensorDefinition(
    "analyses_automation", target=dg.AssetSelection.groups(ANALYSES_SCHEMA),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Reruns an analysis when a mart or model it reads was rebuilt (e.g. by the "
    "transform job), so the analyses never lag the marts.")
