"""World configuration, counting defaults and the summary returned by `generate_world`."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from core.settings import DBT_VARS
from core.settings import WINDOW_TYPES as COUNTED_WINDOW_TYPES

DEFAULT_START = dt.date(2026, 3, 1)

# Counting parameters the ground truth follows (written to world.json): the product's
# defaults, declared once in dbt/dbt_project.yml (core.settings reads them).
# > this many remaining requests per IPv4 or IPv6 /64 per UTC day
ABUSIVE_IP_THRESHOLD: int = DBT_VARS["abusive_ip_threshold"]
DEFAULT_HEADER_BYTES: int = DBT_VARS["default_header_bytes"]  # shows.csv header_bytes empty
# IAB v2 describes a rolling 24-hour window opened by the first request as the common
# practice (Podtrac, OP3 count this way); the truth is written for every window type.
DEFAULT_WINDOW_TYPE: str = DBT_VARS["download_window_type"]
WINDOW_TYPES = tuple(sorted(COUNTED_WINDOW_TYPES))
EXCLUSION_REASONS = (
    "method_not_get",
    "status_304",
    "status_not_counted",
    "range_0_1",
    "empty_user_agent",
    "apple_watch_duplicate",
    "bot",
    "unmatched_url",
    "abusive_ip",
    "counted_candidate",
)


@dataclass(frozen=True)
class WorldConfig:
    seed: int = 42
    tenants: int = 2
    shows: int = 8
    days: int = 14
    listeners: int = 4000
    target_requests: int | None = None
    start_date: dt.date = DEFAULT_START
    ground_truth: bool = True
    chunk_rows: int = 1_000_000  # max access-log rows per file
    abusive_ip_threshold: int = ABUSIVE_IP_THRESHOLD
    default_header_bytes: int = DEFAULT_HEADER_BYTES
    default_window_type: str = DEFAULT_WINDOW_TYPE
    # multiplies every sponsor's response to its ads (visits per exposed household): a
    # small world with a strong effect gives its incrementality estimates some power
    ad_response: float = 1.0
    # opt-in: add landing files that break the data contracts (synth/bad_landing.py)
    bad_landing: bool = False

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["start_date"] = self.start_date.isoformat()
        return d


# The demo's network (`make demo`): ~750,000 requests, a few hundred orders. Campaigns are
# booked at what the shows deliver and priced at market CPMs, so ad spend (and orders, at a
# believable return on it) scale with the audience: the e2e tests' 4,000 listeners make
# a handful of orders, too few to show attribution models disagreeing.
DEMO_LISTENERS = 100_000


# The demo's two weeks start on a Monday: two whole ISO weeks, so the demo shows a
# week-over-week growth (only whole periods compare; see fct_show_listeners.is_complete).
DEMO_START = dt.date(2026, 3, 2)
DEMO_SEED = 8


def demo_config(seed: int = DEMO_SEED) -> WorldConfig:
    return WorldConfig(seed=seed, listeners=DEMO_LISTENERS, start_date=DEMO_START)


@dataclass
class WorldSummary:
    out_dir: str
    listeners: int
    households: int
    requests: int
    files: dict[str, int] = field(default_factory=dict)  # relative path -> rows
    seconds: float = 0.0
