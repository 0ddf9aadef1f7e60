"""Which episodes landed since a watermark, by the identity dbt gives them.

An episode is (show, guid), falling back to the enclosure URL when the guid is missing or
blank, exactly as `stg_rss__items` + `int_episodes_deduplicated` build `episode_id`; items
with neither are no episodes. "New" means: in an item row landed after the watermark (and
at or before the new one), and in no item row landed at or before the watermark. A feed
that only repeats known items, or a duplicate guid, adds nothing. The work is one query in
the warehouse (both targets), not a Python loop over items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.warehouse import Warehouse

_ITEMS = """
    items as (
        select show_id, title, _loaded_at,
               coalesce(case when trim(guid) = '' then null else guid end,
                        case when trim(enclosure_url) = '' then null else enclosure_url end
               ) as identity
        from raw.rss_items
    )
"""
_ALL = f"""
    with {_ITEMS}
    select show_id, identity, min(title) from items
    where identity is not null and _loaded_at <= ?
    group by show_id, identity order by show_id, identity
"""
_SINCE = f"""
    with {_ITEMS}
    select show_id, identity, min(title) from items
    where identity is not null and _loaded_at > ? and _loaded_at <= ?
      and not exists (
          select 1 from items as known
          where known.show_id = items.show_id and known.identity = items.identity
            and known._loaded_at <= ?)
    group by show_id, identity order by show_id, identity
"""


@dataclass(frozen=True)
class Episode:
    show_id: str
    identity: str  # guid, or the enclosure URL when the item has no guid
    title: str | None


@dataclass(frozen=True)
class NewEpisodes:
    episodes: list[Episode]
    watermark: datetime | None  # the latest _loaded_at considered: the next call's `since`


def new_episodes(wh: Warehouse, since: datetime | None) -> NewEpisodes:
    """Episodes first landed after `since` (all of them when `since` is None)."""
    watermark = wh.fetchall("select max(_loaded_at) from raw.rss_items")[0][0]
    if watermark is None or (since is not None and watermark <= since):
        return NewEpisodes([], since or watermark)
    if since is None:
        rows = wh.fetchall(_ALL, [watermark])
    else:
        rows = wh.fetchall(_SINCE, [since, watermark, since])
    return NewEpisodes([Episode(*row) for row in rows], watermark)
