"""Values real feeds publish loosely: pubDates feedparser can't read, itunes:duration.

pubDate fallback (only for dates feedparser could not parse; a human could read them):

- RFC 822 without seconds: ``Wed, 04 Mar 2026 10:00 +0000``
- ISO-like with a space: ``2026-03-04 10:00`` (feedparser reads most of these itself)
- month names: ``March 4, 2026``, ``Mar 4 2026 10:00 AM``, ``Wednesday, March 4, 2026``,
  ``4 March 2026 10:00`` (English month and weekday names)
- numeric ``d/m/Y`` or ``m/d/Y`` (also with ``.`` or ``-``): read as day-first when the first
  number is over 12, month-first when the second is; when both are 12 or less the channel's
  language decides (a ``-us`` region reads month-first, any other stated language day-first);
  with no language, or plain ``en``, the date is **ambiguous** and quarantined, not guessed.

A time without a zone is taken as UTC (as feedparser does); a date without a time is midnight
UTC. Zones: numeric offsets, UT/UTC/GMT/Z and the US zone names RFC 822 defines. Impossible
dates (31 February), relative words ("yesterday") and two-digit years stay unparsed.

itunes:duration: whole or fractional seconds, MM:SS or HH:MM:SS (minutes/seconds 0-59 in the
latter positions), exactly as the dbt macro `duration_to_seconds` reads them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_ZONES = {"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
          "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}
_WEEKDAY = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s+", re.I)
_ZONE = re.compile(r"\s+(?:([+-])(\d{2}):?(\d{2})|([A-Za-z]{1,3}))$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s+(.+))?$")
_DATES = ("%Y-%m-%d", "%Y/%m/%d", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y")
_TIMES = ("", "%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "%I %p", "%I:%M%p", "%I%p")
MONTH_FIRST_REGIONS = frozenset({"us"})


class AmbiguousDate(ValueError):
    """A numeric date that reads as two different days, with nothing to choose between them."""


def parse_date(text: str | None, language: str | None = None) -> datetime | None:
    """A human-readable pubDate as naive UTC, None when unreadable; raises AmbiguousDate."""
    if not text:
        return None
    cleaned = " ".join(text.replace(",", " ").split())
    cleaned = re.sub(r"\s+at\s+", " ", _WEEKDAY.sub("", cleaned), flags=re.I)
    cleaned, offset = _split_zone(cleaned)
    if cleaned is None:
        return None
    local = _numeric_date(cleaned, language) or _named_date(cleaned)
    if local is None:
        return None
    return (local - offset).replace(tzinfo=None)


def _split_zone(text: str) -> tuple[str | None, timedelta]:
    match = _ZONE.search(text)
    if not match:
        return text, timedelta(0)
    sign, hours, minutes, name = match.groups()
    if name is not None:
        if name.upper() in ("AM", "PM"):
            return text, timedelta(0)
        if name.upper() not in _ZONES:
            return None, timedelta(0)  # an unknown zone: better unparsed than wrong
        return text[: match.start()], timedelta(hours=_ZONES[name.upper()])
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return text[: match.start()], delta if sign == "+" else -delta


def _named_date(text: str) -> datetime | None:
    for date_format in _DATES:
        for time_format in _TIMES:
            try:
                return datetime.strptime(text, f"{date_format} {time_format}".strip())
            except ValueError:
                continue
    return None


def _numeric_date(text: str, language: str | None) -> datetime | None:
    match = _NUMERIC.match(text)
    if not match:
        return None
    first, second, year, clock = int(match[1]), int(match[2]), int(match[3]), match[4]
    day_first = _day_first(first, second, language, text)
    day, month = (first, second) if day_first else (second, first)
    try:
        date = datetime(year, month, day)
    except ValueError:
        return None
    if not clock:
        return date
    moment = _named_time(clock)
    return None if moment is None else date + moment


def _day_first(first: int, second: int, language: str | None, text: str) -> bool:
    if first > 12 or first == second:
        return True
    if second > 12:
        return False
    lang = (language or "").strip().lower().replace("_", "-")
    if not lang or lang == "en":
        raise AmbiguousDate(f"{text!r} could be day/month or month/day and the channel "
                            f"language ({language or 'none'}) does not say which")
    region = lang.split("-", 1)[1] if "-" in lang else ""
    return region not in MONTH_FIRST_REGIONS


def _named_time(clock: str) -> timedelta | None:
    for time_format in _TIMES[1:]:
        try:
            t = datetime.strptime(clock, time_format)
        except ValueError:
            continue
        return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)
    return None


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
