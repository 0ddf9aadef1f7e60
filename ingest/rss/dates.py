"""Feed dates (RSS pubDate, Atom published/updated) read strictly, as a person would.

feedparser reads an unknown zone abbreviation (CEST, AEDT, BST, IST...) as UTC, rolls
impossible ISO dates over into valid ones (2026-02-30 becomes 2 March, hour 25 the next day)
and ignores trailing text. Here a date is either read unambiguously or refused with a reason
(`DateProblem`), so the caller can leave it empty and say why; a text in no date form at all
gives None.

Forms read (English month and weekday names in any case, `Sept`, a period after an
abbreviation, `4th`; commas optional; the weekday is ignored, as every reader does):

- RFC 822 / 5322: ``Tue, 03 Mar 2026 09:00:00 +0100``, without weekday or seconds, with a
  two-digit year (RFC 5322: 00-49 are 20xx, 50-99 are 19xx);
- ISO 8601 / RFC 3339: ``2026-03-03T09:00:00+01:00``, basic ``20260303T090000Z``, a space
  for the T, fractions of a second, offsets ``+01``, ``+0100``, ``+01:00``;
- month names: ``March 4, 2026``, ``Mar 4 2026 10:00 AM``, ``Wednesday, March 4, 2026 at
  9:15 PM``, ``4 March 2026 10:00``, ``04-Mar-2026``; Java's and asctime's
  ``Tue Mar 03 09:00:00 CET 2026``;
- numbers: ``2026/03/04``, and ``d/m/Y`` or ``m/d/Y`` (also with ``.`` or ``-``): day-first
  when the first number is over 12, month-first when the second is; when both are 12 or less
  the channel's language decides (a ``-us`` region reads month-first, any other stated
  language day-first); with no language, or plain ``en``, the date is ambiguous.

Zones: numeric offsets (at most 14 hours, minutes under 60), ``GMT+2`` / ``UTC-05:00`` (as
written, not POSIX's inverted sign), ``Z``/UT/UTC/GMT, the RFC 822 US names (EST, CDT, PST...
with RFC 822's meaning), the abbreviations in `FIXED_ZONES` that have one meaning, the
generic US names ET/CT/MT/PT with the daylight-saving rule of the date, an IANA name
(``Europe/Berlin``), and an abbreviation in `LANGUAGE_ZONES` (IST, BST, AST, CST...) when
the channel language names one of its countries. A parenthesised comment is ignored, or
read as the zone when it is the only one; two zones must agree. No zone: UTC (as feedparser
does); no time: midnight UTC.

Refused, with a reason: a month, day, hour, minute or second out of range (31 February,
month 13, hour 24 or 25); an unknown or ambiguous zone; a military zone letter other than Z
(RFC 5322 4.3: unreliable); an offset beyond 14 hours; two zones that disagree; text after
the date that is no zone. Relative words ("yesterday"), other languages' month names and
numeric dates with a two-digit year are no date form here (None).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Abbreviations with one meaning, hours east of UTC. The RFC 822 US names keep RFC 822's
# meaning (RSS dates are RFC 822 dates); CST is read as China's only by LANGUAGE_ZONES.
FIXED_ZONES: dict[str, float] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "HDT": -9, "NST": -3.5, "NDT": -2.5, "ADT": -3,
    "WET": 0, "WEST": 1, "CET": 1, "CEST": 2, "MET": 1, "MEST": 2, "EET": 2, "EEST": 3,
    "MSK": 3, "WAT": 1, "CAT": 2, "SAST": 2, "EAT": 3, "PKT": 5, "NPT": 5.75, "ICT": 7,
    "WIB": 7, "WITA": 8, "WIT": 9, "HKT": 8, "SGT": 8, "PHT": 8, "AWST": 8, "JST": 9,
    "KST": 9, "ACST": 9.5, "ACDT": 10.5, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
    "ART": -3, "BRT": -3,
}
# Abbreviations with several meanings: the offset the channel language's country (its
# region, or the language itself) gives. Without such a language they are ambiguous
# (CST then reads as RFC 822's US Central, above).
LANGUAGE_ZONES: dict[str, tuple[tuple[frozenset[str], float, str], ...]] = {
    "IST": ((frozenset({"in", "hi"}), 5.5, "India"), (frozenset({"ie", "ga"}), 1, "Ireland"),
            (frozenset({"il", "he", "iw"}), 2, "Israel")),
    "BST": ((frozenset({"gb", "uk", "cy", "gd"}), 1, "British Summer"),
            (frozenset({"bd", "bn"}), 6, "Bangladesh")),
    "AST": ((frozenset({"sa", "kw", "qa", "bh", "iq", "ye"}), 3, "Arabia"),
            (frozenset({"ca", "pr", "do", "bm", "tt", "bb"}), -4, "Atlantic")),
    "CST": ((frozenset({"zh", "cn", "tw", "hk", "mo"}), 8, "China"),),
    "GST": ((frozenset({"ae", "om"}), 4, "Gulf"),),
    "SST": ((frozenset({"sg"}), 8, "Singapore"), (frozenset({"as", "ws"}), -11, "Samoa")),
}
# Generic names whose offset depends on daylight saving time: the rule of the date.
DST_ZONES = {"ET": "America/New_York", "CT": "America/Chicago", "MT": "America/Denver",
             "PT": "America/Los_Angeles", "AKT": "America/Anchorage"}
MAX_OFFSET = timedelta(hours=14)

_MONTHS = {name: i for i, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s*,?\s*", re.I)
_TIME = (r"(?P<h>\d{1,2})(?::(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?)?"
         r"(?:\s*(?P<ampm>[ap])\.?m\.?(?![a-z]))?")
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_MON = r"(?P<mon>[a-z]+)\.?"
_AT = r"(?:[\s,]+(?:at\s+)?" + _TIME + r")?"
_ISO = re.compile(
    r"^(?P<y>\d{4})(?P<sep>-?)(?P<mo>\d{2})(?P=sep)(?P<d>\d{2})"
    r"(?:[t\s]\s*(?P<h>\d{2})(?::?(?P<mi>\d{2})(?::?(?P<s>\d{2})(?:[.,]\d+)?)?)?)?"
    r"(?P<rest>.*)$", re.I)
_FORMS = tuple(re.compile(p, re.I) for p in (
    # 03 Mar 2026 09:00:00 +0100, 4 March 2026, 04-Mar-2026
    r"^" + _DAY + r"[\s-]+" + _MON + r"[\s,-]+(?P<y>\d{4}|\d{2})(?!\d)" + _AT + r"(?P<rest>.*)$",
    # March 4, 2026 at 9:15 PM
    r"^" + _MON + r"\s+" + _DAY + r"[\s,]+(?P<y>\d{4})" + _AT + r"(?P<rest>.*)$",
    # Java's Date.toString and asctime: Mar 03 09:00:00 CET 2026
    r"^" + _MON + r"\s+" + _DAY + r"\s+" + _TIME + r"(?P<rest>\s+\S+)??\s+(?P<y>\d{4})$",
    # 2026/03/04 10:00, 2026-3-4
    r"^(?P<y>\d{4})[/.-](?P<mo>\d{1,2})[/.-](?P<d>\d{1,2})(?:[t\s]+" + _TIME + r")?"
    r"(?P<rest>.*)$",
))
_NUMERIC = re.compile(r"^(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4})" + _AT
                      + r"(?P<rest>.*)$", re.I)
_ATTACHED_ZONE = re.compile(r"(\d:\d{2}(?::\d{2})?(?:[.,]\d+)?)(z|[+-]\d{2}(?::?\d{2})?)$", re.I)
_COMMENT = re.compile(r"\s*\(([^()]*)\)\s*$")
_OFFSET = re.compile(r"^(?P<name>gmt|utc|ut)?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$",
                     re.I)
MONTH_FIRST_REGIONS = frozenset({"us"})


class DateProblem(ValueError):
    """A date that can't be read as one instant; the message says why."""


class AmbiguousDate(DateProblem):
    """Two readings (day/month order, or a zone abbreviation) and nothing to choose."""


class ImpossibleDate(DateProblem):
    """A field out of range: read as written it is no moment (31 February, hour 25)."""


class UnknownZone(DateProblem):
    """A zone that can't be converted; reading it as UTC would be a guess."""


Zone = timedelta | ZoneInfo


def parse_date(text: str | None, language: str | None = None) -> datetime | None:
    """A feed date as naive UTC; None when it is no date form; raises DateProblem."""
    if not text or not text.strip():
        return None
    cleaned = " ".join(text.split())
    iso = _ISO.match(cleaned)
    if iso:
        local = _moment(int(iso["y"]), int(iso["mo"]), int(iso["d"]), iso["h"], iso["mi"],
                        iso["s"], None)
        return _utc(local, iso["rest"], language)
    cleaned = _WEEKDAY.sub("", cleaned)
    cleaned = _ATTACHED_ZONE.sub(r"\1 \2", cleaned)
    for form in _FORMS:
        match = form.match(cleaned)
        if match and (local := _named(match)) is not None:
            return _utc(local, match["rest"], language)
    match = _NUMERIC.match(cleaned)
    if match and _has_time_or_none(match):
        day, month = _day_month(int(match["a"]), int(match["b"]), language)
        local = _moment(int(match["y"]), month, day, match["h"], match["mi"], match["s"],
                        match["ampm"])
        return _utc(local, match["rest"], language)
    return None


def _named(match: re.Match[str]) -> datetime | None:
    """The local moment of a form with a month name (or numbers), None if it is none."""
    groups = match.groupdict()
    month = int(groups["mo"]) if groups.get("mo") else _MONTHS.get(groups["mon"].lower())
    if month is None or not _has_time_or_none(match):
        return None
    year = int(groups["y"])
    if len(groups["y"]) == 2:  # RFC 5322 4.3 (obs-year)
        year += 2000 if year < 50 else 1900
    return _moment(year, month, int(groups["d"]), groups["h"], groups["mi"], groups["s"],
                   groups["ampm"])


def _has_time_or_none(match: re.Match[str]) -> bool:
    """A bare number after the date is no time: minutes, or AM/PM, are required."""
    groups = match.groupdict()
    return groups.get("h") is None or bool(groups.get("mi") or groups.get("ampm"))


def _moment(year: int, month: int, day: int, hour: str | None,
            minute: str | None, second: str | None, ampm: str | None) -> datetime:
    h = int(hour or 0)
    if ampm:
        if not 1 <= h <= 12:
            raise ImpossibleDate(f"hour {h} with {ampm.upper()}M")
        h = h % 12 + (12 if ampm.lower() == "p" else 0)
    try:
        return datetime(year, month, day, h, int(minute or 0), int(second or 0))
    except ValueError as exc:  # "day is out of range for month", "hour must be in 0..23"
        raise ImpossibleDate(str(exc)) from None


def _day_month(first: int, second: int, language: str | None) -> tuple[int, int]:
    if first > 12 or first == second:
        return first, second
    if second > 12:
        return second, first
    lang, region = _language(language)
    if not lang or (lang == "en" and not region):
        raise AmbiguousDate(f"day/month or month/day? the channel language "
                            f"({language or 'none'}) does not say which")
    return (second, first) if region in MONTH_FIRST_REGIONS else (first, second)


def _utc(local: datetime, rest: str | None, language: str | None) -> datetime:
    """`local` in the zone written after it (UTC when none); several zones must agree."""
    rest = (rest or "").strip()
    comment = None
    if match := _COMMENT.search(rest):
        comment, rest = match[1].strip(), rest[: match.start()].strip()
    tokens = rest.split() or ([comment] if comment else [])  # "09:00 (CET)": the comment
    instants = {_in_utc(local, _one_zone(token, language)) for token in tokens}
    if len(instants) > 1:
        raise DateProblem(f"the zones {rest!r} disagree")
    return instants.pop() if instants else local


def _one_zone(token: str, language: str | None) -> Zone:
    if match := _OFFSET.match(token):
        if not match["name"] and len(match["h"]) != 2:
            raise UnknownZone(f"offset {token!r} is not ±hh, ±hhmm or ±hh:mm")
        offset = timedelta(hours=int(match["h"]), minutes=int(match["m"] or 0))
        if offset > MAX_OFFSET or int(match["m"] or 0) > 59:
            raise ImpossibleDate(f"offset {token!r} is out of range (at most ±14:00)")
        return offset if match["sign"] == "+" else -offset
    name = token.upper().rstrip(".")
    if "/" in token:
        try:
            return ZoneInfo(token)
        except (ZoneInfoNotFoundError, ValueError):
            raise UnknownZone(f"unknown time zone {token!r}") from None
    if name in DST_ZONES:
        return ZoneInfo(DST_ZONES[name])
    if name in LANGUAGE_ZONES:
        lang, region = _language(language)
        for keys, hours, _ in LANGUAGE_ZONES[name]:
            if (region or lang) in keys:  # the region decides when there is one
                return timedelta(hours=hours)
        if name not in FIXED_ZONES:  # (CST falls back to RFC 822's US Central)
            meanings = " or ".join(f"{label} time ({hours:+g} h)"
                                   for _, hours, label in LANGUAGE_ZONES[name])
            raise AmbiguousDate(f"{name} could be {meanings} and the channel language "
                                f"({language or 'none'}) does not say which")
    if name in FIXED_ZONES:
        return timedelta(hours=FIXED_ZONES[name])
    if len(name) == 1 and name.isalpha():
        raise UnknownZone(f"military zone letter {token!r}, which RFC 5322 says can't be "
                          f"trusted")
    if not name.isalpha():
        raise DateProblem(f"unreadable text after the date: {token!r}")
    raise UnknownZone(f"unknown time zone {token!r}")


def _in_utc(local: datetime, zone: Zone) -> datetime:
    if isinstance(zone, timedelta):
        return local - zone
    return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def _language(language: str | None) -> tuple[str, str]:
    """('en', 'gb') from 'en-GB' / 'en_gb'; the region is the last two-letter subtag."""
    parts = (language or "").strip().lower().replace("_", "-").split("-")
    region = next((p for p in reversed(parts[1:]) if len(p) == 2 and p.isalpha()), "")
    return parts[0], region
