"""The heuristic attribution model (int_touch_credits) on the spec's worked example: its
channel totals must equal those of marketing-attribution-models 2.1.1 in
../shared/fixtures/attribution/expected.json to 1e-6, on DuckDB and on Postgres.

The example's journeys are written as the model's input relation
(intermediate.int_touchpoints_matched) and dbt runs that one model on them.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from core.settings import Settings
from core.warehouse import connect
from tests.conftest import SHARED
from tests.dbt.test_dbt_build import run_dbt

FIXTURE = SHARED / "fixtures" / "attribution"
# expected.json's model names -> (ours, half-life in days)
MODELS = {
    "first_click": ("first_touch", 7),
    "last_click": ("last_touch", 7),
    "linear": ("linear", 7),
    "position_based_40_20_40": ("position_based", 7),
    "time_decay_halflife_168h": ("time_decay", 7),
    "time_decay_halflife_24h": ("time_decay", 1),
}


def _paths_sql() -> list[str]:
    """One touch a row; a journey's conversion is its converted (last) touch."""
    with (FIXTURE / "touches.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    converted = {r["user_id"]: r for r in rows if r["converted"] == "True"}
    values = []
    for i, r in enumerate(rows):
        conv = converted.get(r["user_id"])
        at = f"timestamp '{conv['ts']}'" if conv else "null"
        revenue = conv["revenue"] if conv else "null"
        values.append(f"('t{i:02d}', '{r['user_id']}', '{r['channel']}', "
                      f"timestamp '{r['ts']}', {at}, {revenue})")
    return [
        "create schema if not exists intermediate",
        "create table intermediate.int_touchpoints_matched (touchpoint_id text, "
        "conversion_id text, channel text, touched_at timestamp, converted_at timestamp, "
        "revenue double precision)",
        "insert into intermediate.int_touchpoints_matched values " + ", ".join(values),
    ]


def _channel_totals(settings: Settings) -> dict[str, dict[str, tuple[float, float]]]:
    wh = connect(settings)
    try:
        rows = wh.fetchall(
            "select c.attribution_model, t.channel, sum(c.credit), sum(c.revenue_credit) "
            "from intermediate.int_touch_credits as c "
            "join intermediate.int_touchpoints_matched as t on c.touchpoint_id = t.touchpoint_id "
            "group by 1, 2")
    finally:
        wh.close()
    totals: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    for model, channel, credit, revenue in rows:
        totals[model][channel] = (float(credit), float(revenue))
    return totals


def test_heuristic_models_match_the_reference_package(settings: Settings,
                                                       tmp_path: Path) -> None:
    expected = json.loads((FIXTURE / "expected.json").read_text())
    wh = connect(settings)
    try:
        for sql in _paths_sql():
            wh.execute(sql)
    finally:
        wh.close()
    env = settings.dbt_env()
    for half_life in (7, 1):
        run_dbt(["run", "--select", "int_touch_credits",
                 "--vars", json.dumps({"attribution_half_life_days": half_life})],
                env, tmp_path)
        totals = _channel_totals(settings)
        checked = 0
        for name, (model, days) in MODELS.items():
            if days != half_life:
                continue
            got = totals[model]
            want_conv = expected["conversions"][name]
            assert {c: v[0] for c, v in got.items() if v[0]} == pytest.approx(
                want_conv, abs=1e-6), name
            if name in expected["revenue"]:
                assert {c: v[1] for c, v in got.items() if v[1]} == pytest.approx(
                    expected["revenue"][name], abs=1e-6), name
            checked += 1
        assert checked  # every half-life run checks something
    # each conversion's credits sum to one per model; the non-converting journeys get none
    wh = connect(settings)
    try:
        sums = wh.fetchall("select conversion_id, attribution_model, sum(credit) "
                           "from intermediate.int_touch_credits group by 1, 2")
    finally:
        wh.close()
    assert {c for c, _, _ in sums} == {"j1", "j2", "j3", "j5"}
    assert all(abs(float(s) - 1) < 1e-9 for _, _, s in sums)
