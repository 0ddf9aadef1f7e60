"""What a network's manager wants to see after a run, read from the marts.

`read_summary` gathers the figures (plain data, tested against the synthetic world's truth);
`render_summary` lays them out as text tables for the terminal.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from core import relations
from core.settings import Settings
from core.warehouse import DuckDBWarehouse, Warehouse, connect

MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based")
MODEL_HEADERS = {"first_touch": "ROAS first", "last_touch": "last", "linear": "linear",
                 "time_decay": "decay", "position_based": "position"}
TOP = 10

# SQL templates: {model} placeholders are filled from the dbt manifest (core.relations).
PERIOD_SQL = "select min(download_date), max(download_date) from {fct_episode_daily}"
TOTALS_SQL = """
    select count(*), count(distinct listener_key),
        sum(case when app_name is not null then 1 else 0 end)
    from {fct_downloads}
"""
SHOWS_SQL = """
    select shows.tenant_id, shows.show_id, coalesce(shows.title, shows.channel_title, ''),
        count(downloads.download_id), count(distinct downloads.listener_key)
    from {dim_shows} as shows
    left join {fct_downloads} as downloads on downloads.show_id = shows.show_id
    group by 1, 2, 3
    order by 4 desc, 2
"""
EPISODES_SQL = """
    select performance.show_id, coalesce(episodes.title, ''), episodes.published_date,
        performance.downloads_all_time
    from {fct_episode_performance} as performance
    inner join {dim_episodes} as episodes on performance.episode_id = episodes.episode_id
    where performance.downloads_all_time > 0
    order by 4 desc, 1, 2
    limit {top}
"""
CAMPAIGNS_SQL = """
    with delivery as (
        select campaign_id, sum(delivered_impressions) as delivered, sum(spend) as spend
        from {fct_campaign_delivery_daily}
        group by campaign_id
    ),

    booked as (
        select campaign_id, sum(booked_impressions) as booked
        from {dim_line_items}
        group by campaign_id
    )

    select campaigns.tenant_id, campaigns.campaign_id,
        coalesce(sponsors.sponsor_name, campaigns.sponsor_id),
        coalesce(campaigns.campaign_name, ''),
        campaigns.pricing_model, booked.booked, coalesce(delivery.delivered, 0),
        coalesce(delivery.spend, 0)
    from {dim_campaigns} as campaigns
    left join {dim_sponsors} as sponsors on campaigns.sponsor_id = sponsors.sponsor_id
    left join booked on campaigns.campaign_id = booked.campaign_id
    left join delivery on campaigns.campaign_id = delivery.campaign_id
    order by 1, 2
"""
ROI_SQL = """
    select campaign_id, attribution_model, revenue, roas
    from {fct_campaign_roi}
"""
QUARANTINE_SQL = """
    select source_table, count(*) from {quarantine} group by 1 order by 2 desc, 1
"""


class MartsMissing(Exception):
    """Marts the summary reads were never built (e.g. a source held back on a first run)."""


def _missing_marts(wh: Warehouse) -> list[str]:
    templates = (PERIOD_SQL, TOTALS_SQL, SHOWS_SQL, EPISODES_SQL, CAMPAIGNS_SQL, ROI_SQL)
    names = sorted({n for t in templates for n in re.findall(r"\{(\w+)\}", t)} - {"top"})
    return [relations.model(n) for n in names if not wh.fetchall(
        "select 1 from information_schema.tables where table_schema = ? and table_name = ?",
        list(relations.model_relation(n)))]


@dataclass(frozen=True)
class CampaignLine:
    tenant_id: str
    campaign_id: str
    sponsor: str
    name: str
    pricing_model: str
    booked: int | None
    delivered: int
    spend: float
    revenue: dict[str, float] = field(default_factory=dict)  # by attribution model
    roas: dict[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class RunSummary:
    warehouse: str
    first_day: dt.date | None
    last_day: dt.date | None
    downloads: int
    listeners: int
    downloads_with_app: int
    shows: list[tuple[str, str, str, int, int]]  # tenant, show, title, downloads, listeners
    episodes: list[tuple[str, str, dt.date | None, int]]  # show, title, published, downloads
    campaigns: list[CampaignLine]
    quarantined: list[tuple[str, int]]  # raw table, rows
    published_path: str | None


def read_summary(settings: Settings) -> RunSummary:
    """The figures of the summary, read from the marts (read-only on DuckDB)."""
    wh: Warehouse = (DuckDBWarehouse(settings.duckdb_path, read_only=True)
                     if settings.warehouse == "duckdb" else connect(settings))
    try:
        missing = _missing_marts(wh)
        if missing:
            raise MartsMissing(f"not built: {', '.join(missing)}")
        first_day, last_day = wh.fetchall(_sql(PERIOD_SQL))[0]
        downloads, listeners, with_app = wh.fetchall(_sql(TOTALS_SQL))[0]
        roi: dict[str, dict[str, tuple[float, float | None]]] = {}
        for campaign, model, revenue, roas in wh.fetchall(_sql(ROI_SQL)):
            roi.setdefault(campaign, {})[model] = (float(revenue or 0), _float(roas))
        campaigns = [
            CampaignLine(t, c, sponsor, name, pricing, _int(booked), int(delivered),
                         float(spend), {m: r for m, (r, _) in roi.get(c, {}).items()},
                         {m: x for m, (_, x) in roi.get(c, {}).items()})
            for t, c, sponsor, name, pricing, booked, delivered, spend
            in wh.fetchall(_sql(CAMPAIGNS_SQL))
        ]
        return RunSummary(
            warehouse=settings.describe(),
            first_day=_date(first_day), last_day=_date(last_day),
            downloads=int(downloads), listeners=int(listeners),
            downloads_with_app=int(with_app or 0),
            shows=[(t, s, title, int(d), int(n))
                   for t, s, title, d, n in wh.fetchall(_sql(SHOWS_SQL))],
            episodes=[(s, title, _date(day), int(d))
                      for s, title, day, d in wh.fetchall(_sql(EPISODES_SQL))],
            campaigns=campaigns,
            quarantined=[(table, int(n)) for table, n in wh.fetchall(_sql(QUARANTINE_SQL))],
            published_path=str(settings.published_path) if settings.published_path else None,
        )
    finally:
        wh.close()


def _sql(template: str) -> str:
    return relations.sql(template, top=TOP, quarantine=relations.raw("quarantine"))


def render_summary(s: RunSummary) -> Group:
    """The summary as rich renderables: headline, shows, episodes, campaigns, quarantine."""
    days = (s.last_day - s.first_day).days + 1 if s.first_day and s.last_day else 0
    named = s.downloads_with_app / s.downloads if s.downloads else 0.0
    head = Text.assemble(
        ("Period ", "bold"), f"{s.first_day} to {s.last_day} ({days} days of downloads)\n",
        ("IAB downloads ", "bold"), f"{s.downloads:,}  ",
        ("unique listeners ", "bold"), f"{s.listeners:,}  ",
        ("downloads with a named app ", "bold"), f"{named:.1%}",
    )
    parts: list[Any] = [head, _shows_table(s), _episodes_table(s), _campaigns_table(s)]
    parts.append(_quarantine_text(s))
    where = (f"Analysts: open the published copy {s.published_path} (read-only; it never "
             f"blocks a run)." if s.published_path else
             f"Analysts: query the marts in {s.warehouse}.")
    parts.append(Text(where + " Operators: `make ui`. Column meanings: `make docs`."))
    return Group(*parts)


def print_summary(s: RunSummary, console: Console | None = None) -> None:
    width = None if sys.stdout.isatty() else 132
    (console or Console(width=width, highlight=False)).print(render_summary(s))


def _shows_table(s: RunSummary) -> Table:
    table = Table(title="Downloads and listeners by show", title_justify="left",
                  box=box.SIMPLE_HEAD)
    for name in ("tenant", "show", "title"):
        table.add_column(name)
    table.add_column("downloads", justify="right")
    table.add_column("listeners", justify="right")
    for tenant, show, title, downloads, listeners in s.shows[:TOP]:
        table.add_row(tenant, show, title, f"{downloads:,}", f"{listeners:,}")
    if len(s.shows) > TOP:
        table.caption = (f"{len(s.shows) - TOP} more shows in "
                         f"{relations.model('fct_show_listeners')}")
    return table


def _episodes_table(s: RunSummary) -> Table:
    table = Table(title="Top episodes (all-time IAB downloads)", title_justify="left",
                  box=box.SIMPLE_HEAD)
    for name in ("show", "episode", "published"):
        table.add_column(name)
    table.add_column("downloads", justify="right")
    for show, title, published, downloads in s.episodes:
        table.add_row(show, title, str(published or ""), f"{downloads:,}")
    return table


def _campaigns_table(s: RunSummary) -> Table:
    table = Table(title="Campaigns: delivery, spend, and ROAS under each attribution model",
                  title_justify="left", box=box.SIMPLE_HEAD,
                  caption="ROAS = attributed revenue / spend "
                  f"({relations.model('fct_campaign_roi')}). The "
                  "models split a conversion's revenue differently when the buyer heard "
                  "several campaigns or touched several channels.", caption_justify="left")
    table.add_column("campaign", no_wrap=True)
    table.add_column("sponsor", max_width=18, no_wrap=True, overflow="ellipsis")
    table.add_column("pricing", no_wrap=True)
    for name in ("booked", "delivered", "spend", "revenue"):
        table.add_column(name, justify="right", no_wrap=True)
    for model in MODELS:
        table.add_column(MODEL_HEADERS[model], justify="right", no_wrap=True)
    for c in s.campaigns:
        table.add_row(
            c.campaign_id, c.sponsor, c.pricing_model,
            f"{c.booked:,}" if c.booked is not None else "",
            f"{c.delivered:,}", f"{c.spend:,.0f}", f"{c.revenue.get('linear', 0.0):,.0f}",
            *(_ratio(c.roas.get(m)) for m in MODELS))
    return table


def _quarantine_text(s: RunSummary) -> Text:
    total = sum(n for _, n in s.quarantined)
    if not total:
        return Text("Quarantine: no rows were set aside.")
    by_table = ", ".join(f"{table} {n:,}" for table, n in s.quarantined)
    return Text(f"Quarantine: {total:,} rows set aside with their reason ({by_table}); "
                f"see {relations.raw('quarantine')} (source_table, source_file, "
                "source_line, reason).")


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value))
