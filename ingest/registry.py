"""The shows registry as the pollers see it: each show's most recently loaded row."""

from __future__ import annotations

from core.warehouse import Warehouse

LATEST_SHOWS = """
    select tenant_id, show_id, feed_url, lower(trim(hosting_provider)) as hosting_provider,
        nullif(trim(hosting_show_id), '') as hosting_show_id
    from (
        select *, row_number() over (
            partition by show_id order by _loaded_at desc, _source_file, _source_line desc
        ) as rn
        from raw.shows
    ) as latest
    where rn = 1
    order by show_id
"""


def latest_shows(wh: Warehouse) -> list[dict[str, str | None]]:
    """One dict per registered show (tenant_id, show_id, feed_url, hosting_provider,
    hosting_show_id), from the show's most recently loaded registry row."""
    return wh.fetch_dicts(LATEST_SHOWS)
