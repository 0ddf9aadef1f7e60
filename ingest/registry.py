"""The shows registry as the pollers see it: each show's most recently loaded row; and the
rule that a show belongs to the tenant that registered it first."""

from __future__ import annotations

from datetime import UTC, datetime

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


# Registry rows giving a show to another tenant than the one that registered it first
# (earliest load, then file and line), with the reason: a show id is a key within a
# tenant's world, and a row from another tenant must not move a show and its downloads.
CLAIMED_SHOWS = """
    with owners as (
        select show_id, tenant_id
        from (
            select show_id, tenant_id, row_number() over (
                partition by show_id order by _loaded_at, _source_file, _source_line
            ) as registration
            from raw.shows
        ) as ranked
        where registration = 1
    )
    select shows._source_file, shows._source_line,
        'show_id ' || shows.show_id || ' belongs to tenant ' || owners.tenant_id
            || ', which registered it first: this row for tenant ' || shows.tenant_id
            || ' can''t move it (give the show another show_id)' as reason
    from raw.shows as shows
    inner join owners on shows.show_id = owners.show_id
    where shows.tenant_id <> owners.tenant_id
"""


def quarantine_claimed_shows(wh: Warehouse) -> list[str]:
    """Move registry rows that would give a show to another tenant into the quarantine,
    with the reason; the show stays with its first tenant. The reasons, one per row."""
    reasons = [reason for (reason,) in wh.fetchall(
        f"select reason from ({CLAIMED_SHOWS}) as claims order by _source_file, _source_line")]
    if not reasons:
        return []
    now = datetime.now(UTC).replace(tzinfo=None)
    with wh.transaction():  # in the engine, set-based: read once, then moved in two steps
        wh.execute("create temp table _claimed_shows as " + CLAIMED_SHOWS)
        wh.execute("insert into raw.quarantine (source_table, source_file, source_line, "
                   "reason, quarantined_at) select 'shows', _source_file, _source_line, "
                   "reason, ? from _claimed_shows", [now])
        wh.execute("delete from raw.shows where (_source_file, _source_line) in "
                   "(select _source_file, _source_line from _claimed_shows)")
        wh.execute("drop table _claimed_shows")
    return reasons
