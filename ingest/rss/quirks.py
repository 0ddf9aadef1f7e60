"""Values real feeds publish loosely: itunes:duration (dates: `ingest.rss.dates`).

itunes:duration: whole or fractional seconds, MM:SS or HH:MM:SS (minutes/seconds 0-59 in the
latter positions), exactly as the dbt macro `duration_to_seconds` reads them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_SECONDS = re.compile(r"^[0-9]{1,9}(\.[0-9]*)?$")
_MM_SS = re.compile(r"^[0-9]{1,7}:[0-5]?[0-9](\.[0-9]*)?$")
_HH_MM_SS = re.compile(r"^[0-9]{1,5}:[0-5]?[0-9]:[0-5]?[0-9](\.[0-9]*)?$")


def duration_seconds(text: str | None) -> int | None:
    """itunes:duration in whole seconds (fractions dropped), None when unreadable."""
    value = (text or "").strip()
    whole = value.split(".", 1)[0]
    if _SECONDS.match(value):
        return int(whole)
    if _MM_SS.match(value):
        minutes, seconds = whole.split(":")
        return int(minutes) * 60 + int(seconds)
    if _HH_MM_SS.match(value):
        hours, minutes, seconds = whole.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    return None


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
