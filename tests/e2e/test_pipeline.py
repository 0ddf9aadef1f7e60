"""Materialise every asset in-process on a small synthetic world, on DuckDB and on Postgres;
check the marts against what the generator wrote, and that both targets agree exactly."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import requires_postgres
from tests.e2e.conftest import MARTS

pytestmark = [pytest.mark.slow]  # xdist group: see conftest.py


def test_duckdb_pipeline_builds_marts_from_the_world(duckdb_marts):
    assert len(duckdb_marts["dim_episodes"]) > 0


@requires_postgres
@pytest.mark.postgres
def test_postgres_pipeline_builds_marts_from_the_world(postgres_marts):
    assert len(postgres_marts["dim_episodes"]) > 0


@requires_postgres
@pytest.mark.postgres
def test_both_targets_build_identical_marts(duckdb_marts, postgres_marts):
    for mart in MARTS:
        duck, pg = duckdb_marts[mart], postgres_marts[mart]
        assert list(duck.columns) == list(pg.columns), mart
        pd.testing.assert_frame_equal(duck, pg, obj=mart)


def test_summary_figures_equal_the_worlds_truth(duckdb_warehouse, world):
    import datetime as dt
    import json

    from rich.console import Console

    from cli.summary import read_summary, render_summary

    summary = read_summary(duckdb_warehouse)
    config = json.loads((world / "world.json").read_text())["config"]
    start = dt.date.fromisoformat(config["start_date"])
    assert (summary.first_day, summary.last_day) == (
        start, start + dt.timedelta(days=config["days"] - 1))
    truth = pd.read_csv(world / "ground_truth" / "downloads_daily.csv")
    truth = truth[truth["window_type"] == "first_touch"]
    assert summary.downloads == truth["downloads"].sum()
    # the OPAWG lists shipped in seeds/ name the app of (almost) every download
    assert summary.downloads_with_app >= 0.95 * summary.downloads
    by_show = truth.groupby("show_id")["downloads"].sum()
    assert {show: n for _, show, _, n, _ in summary.shows if n} == by_show.to_dict()
    by_episode = truth.groupby("episode_guid")["downloads"].sum().sort_values(ascending=False)
    assert [n for *_, n in summary.episodes] == by_episode.head(len(summary.episodes)).tolist()
    # delivered impressions per campaign: the truth's per line item, through the bookings
    impressions = pd.read_csv(world / "ground_truth" / "ad_impressions_daily.csv")
    line_items = pd.read_csv(world / "landing" / "bookings" / "line_items.csv")
    delivered = impressions.merge(line_items, on="line_item_id").groupby(
        "campaign_id")["delivered"].sum()
    assert {c.campaign_id: c.delivered for c in summary.campaigns if c.delivered} == \
        delivered.to_dict()
    assert all(set(c.roas) == {"first_touch", "last_touch", "linear", "time_decay",
                               "position_based"} for c in summary.campaigns if c.spend)
    console = Console(width=132, record=True)
    console.print(render_summary(summary))
    text = console.export_text()
    assert f"IAB downloads {summary.downloads:,}" in text
    assert "ROAS first" in text and "raw.quarantine" in text


def test_readme_queries_run_on_the_published_copy(duckdb_warehouse):
    """The README's example queries answer on the copy readers open (and it holds every
    mart), while the warehouse itself stays free for the next run."""
    import duckdb

    from tests.e2e.conftest import MARTS

    queries = _readme_queries()
    con = duckdb.connect(str(duckdb_warehouse.published_path), read_only=True)
    try:
        published = {t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()}
        assert set(MARTS) <= published
        for query in queries:
            assert con.execute(query).fetchall(), query
    finally:
        con.close()


@requires_postgres
@pytest.mark.postgres
def test_readme_queries_run_on_postgres(postgres_warehouse):
    from tests.e2e.conftest import open_warehouse

    wh = open_warehouse(postgres_warehouse)
    try:
        for query in _readme_queries():
            assert wh.fetchall(query), query
    finally:
        wh.close()


def _readme_queries() -> list[str]:
    import re

    from core.settings import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("### Query the marts", 1)[1].split("\n## ", 1)[0]
    sql = re.search(r"```sql\n(.*?)```", section, re.S).group(1)
    queries = [q for q in sql.split(";") if q.strip()]
    assert len(queries) == 3
    return queries
