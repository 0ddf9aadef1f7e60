"""Tenant cost allocation on a worked example computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from analyses.tenant_costs import allocate, warehouse_bytes
from core.settings import Settings
from core.warehouse import connect

D1, D2 = date(2026, 3, 1), date(2026, 3, 2)


def test_costs_are_shared_by_rows_and_add_up() -> None:
    # 1,000 rows in all: acme 600 (300 a day), beta 300 on day 1, overhead 100 on day 2
    rows = pd.DataFrame({"tenant_id": ["acme", "beta", "acme", None],
                         "cost_date": [D1, D1, D2, D2],
                         # Postgres sums come back as Decimal
                         "rows_processed": [Decimal(300), 300, 300, 100]})
    got = {(r["tenant_id"], r["cost_date"]): r for r in allocate(rows, 50.0, 2_000_000)}
    assert got[("acme", D1)]["row_share"] == pytest.approx(0.5)  # 300 of day 1's 600
    assert got[("acme", D2)]["row_share"] == pytest.approx(0.75)  # 300 of day 2's 400
    assert got[(None, D2)]["row_share"] == pytest.approx(0.25)
    assert got[("beta", D1)]["run_seconds"] == pytest.approx(15.0)  # 30 % of 50 s
    assert got[("beta", D1)]["storage_bytes"] == pytest.approx(600_000)
    assert sum(r["run_seconds"] for r in got.values()) == pytest.approx(50.0)
    assert sum(r["storage_bytes"] for r in got.values()) == pytest.approx(2_000_000)


def test_no_rows_no_costs() -> None:
    empty = pd.DataFrame(columns=["tenant_id", "cost_date", "rows_processed"])
    assert allocate(empty, 10.0, 100) == []


def test_warehouse_bytes_reads_the_storage(settings: Settings) -> None:
    wh = connect(settings)
    try:
        before = warehouse_bytes(wh)
        wh.execute("create table filler as select 'x' || cast(g as text) as v "
                   "from generate_series(1, 200000) as t(g)")
        if settings.warehouse == "duckdb":
            wh.execute("checkpoint")
        assert warehouse_bytes(wh) > before >= 0
    finally:
        wh.close()
