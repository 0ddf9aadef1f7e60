"""The OPAWG user-agents v2 lists: read from a directory, translate, load into `raw`.

The Open Podcast Analytics Working Group publishes six JSON lists (MIT licence): `bots`,
`apps`, `libraries` and `browsers` classify a User-Agent header (first match in that order,
then in file order), `devices` gives a user agent's device and category, `referrers` maps a
Referer header to a web app or host. This module reads them from a configured directory
(`Settings.opawg_dir`, env var PODWH_OPAWG_DIR) into rows for `raw.opawg_patterns`,
`raw.opawg_devices` and `raw.opawg_referrers`, and loads them: the whole set is replaced in
one transaction when any file changed (version = sha256 over the six files, column
`lists_sha256`), and loading an unchanged set writes nothing. Matching happens in the
warehouse (dbt model `int_user_agents_classified`), never here.

Regex dialects
--------------
The patterns are written for PCRE / JavaScript. DuckDB matches with RE2, Postgres with its
POSIX "advanced" REs (ARE); the three disagree on some syntax. `to_portable` rewrites each
pattern at load time into the subset both engines read the same way (kept in
`pattern_portable`, next to the original `pattern`):

* `\\d` `\\w` `\\s` become explicit ASCII classes: `[0-9]`, `[0-9A-Za-z_]`,
  `[\\t\\n\\v\\f\\r ]` (and `\\D` `\\W` `\\S` their negations). Inside brackets they become the
  bare ranges (`[\\d.]` -> `[0-9.]`). This pins the JavaScript meaning (ASCII digits) where
  Postgres' `\\d` is the locale's `[[:digit:]]`, and removes the form Postgres rejects in
  brackets (`[\\D]` etc.: untranslatable, see below).
* `.` becomes `[^\\n]`: RE2 and JavaScript's `.` stop at a newline, Postgres' does not.
* An escaped punctuation character stays escaped only when it is a metacharacter
  (`.^$|()[]{}*+?\\`); others lose the backslash (`\\/` -> `/`, `\\-` -> `-`, `\\:` -> `:`),
  since RE2 rejects some such escapes (`\\_`) and AREs reserve `\\` + letter for their own.
  Inside brackets `]`, `\\`, `^`, `-` and `[` stay escaped.
* `\\t \\n \\r \\f \\v` are kept; `\\xHH`, `\\uHHHH` and `\\u{H...}` become the character.
* A `{` that does not start a bound (`{n}`, `{n,}`, `{n,m}`) and a lone `}` are escaped:
  Postgres rejects a stray brace. Bounds above 255 (Postgres' limit) are untranslatable.
* POSIX classes in brackets (`[[:alpha:]]`, PCRE only) become ASCII ranges (`[A-Za-z]`).
* Named groups `(?<n>...)` / `(?P<n>...)` become plain groups; `(?:...)` is kept.
* A leading `(?i)` (the only place Postgres accepts it) is expanded instead of kept: each
  letter becomes `[xX]`, brackets get both cases (`[a-f]` -> `[a-fA-F]`).
* Untranslatable: lookarounds `(?=` `(?!` `(?<=` `(?<!` (RE2 has none), `\\b` `\\B` (a word
  boundary in RE2, a backspace or error in Postgres), other anchors and escapes (`\\A` `\\z`
  `\\Z` `\\p` `\\Q` `\\c` `\\k`...), back-references, atomic groups, possessive quantifiers,
  inline flags other than a leading `(?i)`, and patterns Python's `re` can't compile. Such
  an entry keeps `pattern_portable` null (it then never matches, on both engines alike) and
  the load reports it as a warning.

The OPAWG v2 lists as of this writing need only the first three rules (`\\d` in and out of
brackets, `\\s`, `\\w`, `.`); none is rejected by either engine as published.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from core.contract import REFERENCE_TABLES, RawTable
from core.ddl import RAW_SCHEMA, arrow_batch, quote
from core.warehouse import Warehouse

ENV_VAR = "PODWH_OPAWG_DIR"
UA_LISTS: tuple[str, ...] = ("bots", "apps", "libraries", "browsers")  # match order
OTHER_LISTS: tuple[str, ...] = ("devices", "referrers")
LIST_FILES: tuple[str, ...] = tuple(f"{name}.json" for name in (*UA_LISTS, *OTHER_LISTS))

PATTERNS_TABLE, DEVICES_TABLE, REFERRERS_TABLE = REFERENCE_TABLES


class OpawgListsError(ValueError):
    """The configured directory doesn't hold usable OPAWG lists; the message says why."""


class UntranslatablePattern(ValueError):
    """A pattern uses syntax RE2 and Postgres can't be made to read alike."""


# ---------------------------------------------------------------------------- translation

_META = frozenset(".^$|()[]{}*+?\\")
_BRACKET_ESCAPED = frozenset("]\\^-[")
_SPACE = "\\t\\n\\v\\f\\r "
_CLASSES_OUT = {"d": "[0-9]", "D": "[^0-9]", "w": "[0-9A-Za-z_]", "W": "[^0-9A-Za-z_]",
                "s": f"[{_SPACE}]", "S": f"[^{_SPACE}]"}
_CLASSES_IN = {"d": "0-9", "w": "0-9A-Za-z_", "s": _SPACE}
_CHAR_ESCAPES = frozenset("tnrfv")
_BOUND = re.compile(r"\{(\d+)(,(\d*))?\}")
_HEX = re.compile(r"x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|u\{([0-9A-Fa-f]{1,6})\}")
_POSIX_CLASS = re.compile(r"\[:([a-z]+):\]")
_POSIX_CLASSES = {"alpha": "A-Za-z", "digit": "0-9", "alnum": "0-9A-Za-z", "upper": "A-Z",
                  "lower": "a-z", "xdigit": "0-9A-Fa-f", "space": _SPACE, "blank": " \\t"}
_MAX_BOUND = 255  # Postgres' RE_DUPMAX


def to_portable(pattern: str) -> str:
    """`pattern` (PCRE/JS) rewritten for RE2 and Postgres AREs alike (see the module doc).

    Raises UntranslatablePattern naming the construct when there is no portable form.
    """
    fold = pattern.startswith("(?i)")
    out = _Translator(pattern[4:] if fold else pattern, fold).run()
    try:
        re.compile(out)
    except re.error as exc:  # e.g. unbalanced parentheses in the original
        raise UntranslatablePattern(f"not a valid regular expression ({exc})") from exc
    return out


@dataclass
class _Translator:
    src: str
    fold: bool
    i: int = 0
    out: list[str] = field(default_factory=list)

    def run(self) -> str:
        while self.i < len(self.src):
            ch = self.src[self.i]
            if ch == "\\":
                self.out.append(self._escape_outside())
            elif ch == "[":
                self.out.append(self._bracket())
            elif ch == "(":
                self.out.append(self._group())
            elif ch == "{":
                self.out.append(self._brace())
            elif ch in "}]":
                self.out.append(f"\\{ch}")
                self.i += 1
            elif ch == ".":
                self.out.append("[^\\n]")
                self.i += 1
            elif ch in "*+?":
                self.i += 1
                if self.src[self.i:self.i + 1] == "+":
                    raise UntranslatablePattern(f"possessive quantifier {ch}+")
                self.out.append(ch)
            else:
                self.out.append(self._literal(ch))
                self.i += 1
        return "".join(self.out)

    def _literal(self, ch: str) -> str:
        """A character outside brackets that stands for itself (or an anchor, | or ))."""
        if self.fold and _other_case(ch):
            return f"[{ch}{_other_case(ch)}]"
        return ch

    def _escape_outside(self) -> str:
        atom, text = self._escape(in_bracket=False)
        if atom is None:
            return text
        return f"\\{atom}" if atom in _META else self._literal(atom)

    def _escape(self, in_bracket: bool) -> tuple[str | None, str]:
        """The escape at self.i (a backslash), advancing past it: (its character, text to
        emit) for a single character, (None, text) for a class."""
        if self.i + 1 >= len(self.src):
            raise UntranslatablePattern("trailing backslash")
        ch = self.src[self.i + 1]
        hexed = _HEX.match(self.src, self.i + 1)
        if hexed:
            self.i = hexed.end()
            code = next(g for g in hexed.groups() if g is not None)
            return chr(int(code, 16)), ""
        self.i += 2
        if ch in _CLASSES_OUT:
            if not in_bracket:
                return None, _CLASSES_OUT[ch]
            if ch in _CLASSES_IN:
                return None, _CLASSES_IN[ch]
            raise UntranslatablePattern(f"\\{ch} inside brackets")
        if ch in _CHAR_ESCAPES:
            return None, f"\\{ch}"
        if ch.isascii() and ch.isalnum():
            raise UntranslatablePattern(f"escape \\{ch}")
        return ch, ""

    def _bracket(self) -> str:
        start = self.i
        self.i += 1
        parts = ["["]
        if self.src[self.i:self.i + 1] == "^":
            parts.append("^")
            self.i += 1
        first = True
        while self.i < len(self.src) and (self.src[self.i] != "]" or first):
            first = False  # PCRE/Python: a ] right after [ or [^ is a member
            lo, text = self._bracket_atom()
            dash_range = (lo is not None and self.src[self.i:self.i + 1] == "-"
                          and self.src[self.i + 1:self.i + 2] not in ("", "]"))
            if not dash_range:
                parts.append(text if lo is None else _bracket_char(lo, self.fold))
                continue
            self.i += 1
            hi, _ = self._bracket_atom()
            if lo is None or hi is None:
                raise UntranslatablePattern("range with a class as an end")
            parts.append(f"{_bracket_char(lo)}-{_bracket_char(hi)}")
            if self.fold and _other_case(lo) and _other_case(hi) and lo.isascii() \
                    and hi.isascii() and lo.islower() == hi.islower():
                parts.append(f"{_other_case(lo)}-{_other_case(hi)}")
        if self.i >= len(self.src):
            raise UntranslatablePattern(f"unterminated bracket at {start}")
        self.i += 1
        return "".join(parts) + "]"

    def _bracket_atom(self) -> tuple[str | None, str]:
        posix = _POSIX_CLASS.match(self.src, self.i)
        if posix:
            self.i = posix.end()
            if posix.group(1) not in _POSIX_CLASSES:
                raise UntranslatablePattern(f"POSIX class {posix.group()}")
            return None, _POSIX_CLASSES[posix.group(1)]
        if self.src[self.i] == "\\":
            return self._escape(in_bracket=True)
        self.i += 1
        return self.src[self.i - 1], ""

    def _group(self) -> str:
        rest = self.src[self.i:]
        self.i += 1
        if not rest.startswith("(?"):
            return "("
        for prefix, what in (("(?=", "lookahead"), ("(?!", "lookahead"),
                             ("(?<=", "lookbehind"), ("(?<!", "lookbehind"),
                             ("(?>", "atomic group"), ("(?#", "comment group")):
            if rest.startswith(prefix):
                raise UntranslatablePattern(what)
        if rest.startswith("(?:"):
            self.i += 2
            return "(?:"
        named = re.match(r"\(\?P?<[A-Za-z_][A-Za-z0-9_]*>", rest)
        if named:
            self.i += named.end() - 1
            return "("
        raise UntranslatablePattern(f"inline flags {rest[:6]!r}")

    def _brace(self) -> str:
        bound = _BOUND.match(self.src, self.i)
        if not bound:
            self.i += 1
            return "\\{"
        numbers = [int(n) for n in (bound.group(1), bound.group(3)) if n]
        if any(n > _MAX_BOUND for n in numbers):
            raise UntranslatablePattern(f"bound above {_MAX_BOUND}")
        self.i = bound.end()
        if self.src[self.i:self.i + 1] == "+":
            raise UntranslatablePattern("possessive quantifier")
        return bound.group()


def _other_case(ch: str) -> str:
    """The character's other case when it has exactly one, else ''."""
    other = ch.swapcase()
    return other if other != ch and len(other) == 1 and other.swapcase() == ch else ""


def _bracket_char(ch: str, fold: bool = False) -> str:
    text = f"\\{ch}" if ch in _BRACKET_ESCAPED else ch
    return text + _other_case(ch) if fold else text


# ---------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class OpawgLists:
    """The six lists as rows for the three raw tables (lineage columns not yet filled)."""

    directory: Path
    version: str  # sha256 over the six files
    patterns: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    referrers: list[dict[str, Any]]
    untranslatable: list[str]  # "<file> #<index> <name>: <why>"

    def rows(self) -> Iterator[tuple[RawTable, list[dict[str, Any]]]]:
        yield PATTERNS_TABLE, self.patterns
        yield DEVICES_TABLE, self.devices
        yield REFERRERS_TABLE, self.referrers


def _where(directory: Path | None) -> str:
    return f"{directory} (set {ENV_VAR})" if directory else f"nowhere ({ENV_VAR} is not set)"


def download_lists(base_url: str, dest: Path, timeout: float = 30.0) -> Path:
    """Download the six lists from `base_url` (e.g. upstream's
    https://raw.githubusercontent.com/opawg/user-agents-v2/master/src) into `dest`.

    The files land in a folder beside `dest`, are read and checked there (read_lists), and
    only then replace `dest`: a failed or bad download leaves the last good one in place.
    Raises requests.RequestException or OpawgListsError saying what went wrong.
    """
    import requests  # only this refresh needs HTTP

    dest.parent.mkdir(parents=True, exist_ok=True)
    incoming = Path(tempfile.mkdtemp(prefix=".incoming-", dir=dest.parent))
    try:
        with requests.Session() as session:
            for name in LIST_FILES:
                response = session.get(f"{base_url.rstrip('/')}/{name}", timeout=timeout)
                response.raise_for_status()
                (incoming / name).write_bytes(response.content)
        read_lists(incoming)
        old = dest.with_name(f".old-{dest.name}")
        shutil.rmtree(old, ignore_errors=True)
        if dest.exists():
            dest.rename(old)
        incoming.rename(dest)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
    return dest


def lists_version(directory: Path) -> str:
    """sha256 over the six files' names and bytes, in a fixed order."""
    digest = hashlib.sha256()
    for name in LIST_FILES:
        digest.update(name.encode() + b"\0")
        digest.update((directory / name).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def read_lists(directory: Path | None) -> OpawgLists:
    """Read and translate the six lists in `directory`.

    Raises OpawgListsError naming the directory and PODWH_OPAWG_DIR when the directory or a
    file is missing, a file isn't JSON, or an entry lacks a name or pattern.
    """
    if directory is None or not directory.is_dir():
        raise OpawgListsError(f"OPAWG user-agent lists not found: no directory at "
                              f"{_where(directory)}")
    missing = [name for name in LIST_FILES if not (directory / name).is_file()]
    if missing:
        raise OpawgListsError(f"OPAWG user-agent lists in {_where(directory)}: missing "
                              f"{', '.join(missing)}")
    version = lists_version(directory)
    patterns: list[dict[str, Any]] = []
    devices: list[dict[str, Any]] = []
    referrers: list[dict[str, Any]] = []
    untranslatable: list[str] = []
    for name in (*UA_LISTS, *OTHER_LISTS):
        file = f"{name}.json"
        for index, entry in enumerate(_entries(directory, file)):
            row = {
                "entry_index": index,
                "name": entry["name"],
                "pattern": entry["pattern"],
                "pattern_portable": None,
                "category": entry.get("category"),
                "description": entry.get("description"),
                "examples_json": json.dumps(entry.get("examples", []), ensure_ascii=False),
                "lists_sha256": version,
                "_source_file": file,
                "_source_line": index + 1,
            }
            try:
                row["pattern_portable"] = to_portable(entry["pattern"])
            except UntranslatablePattern as exc:
                untranslatable.append(f"{file} #{index} {entry['name']!r}: {exc}")
            if name in UA_LISTS:
                patterns.append({"list_name": name, "list_rank": UA_LISTS.index(name) + 1,
                                 **row})
            else:
                (devices if name == "devices" else referrers).append(row)
    return OpawgLists(directory, version, patterns, devices, referrers, untranslatable)


def _entries(directory: Path, file: str) -> list[dict[str, Any]]:
    where = f"{directory / file} (directory from {ENV_VAR})"
    try:
        document = json.loads((directory / file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OpawgListsError(f"OPAWG list {where} can't be read: {exc}") from exc
    entries = document.get("entries") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise OpawgListsError(f"OPAWG list {where} has no 'entries' array")
    for index, entry in enumerate(entries):
        if not (isinstance(entry, dict) and isinstance(entry.get("name"), str)
                and isinstance(entry.get("pattern"), str)):
            raise OpawgListsError(f"OPAWG list {where}: entry #{index} lacks a name or pattern")
        examples = entry.get("examples", [])
        if not (isinstance(examples, list) and all(isinstance(x, str) for x in examples)):
            raise OpawgListsError(f"OPAWG list {where}: entry #{index} examples aren't strings")
    return entries


# ---------------------------------------------------------------------------- loading

LoadStatus = Literal["loaded", "unchanged", "missing"]


@dataclass(frozen=True)
class LoadReport:
    status: LoadStatus
    directory: Path | None
    version: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.status == "missing":
            return "OPAWG lists not loaded (directory missing)"
        counts = ", ".join(f"{table}: {n}" for table, n in self.rows.items())
        verb = "loaded" if self.status == "loaded" else "unchanged, kept"
        return f"OPAWG lists {verb} from {self.directory} (sha256 {self.version}; {counts})"


def loaded_version(wh: Warehouse) -> str | None:
    table = f"{RAW_SCHEMA}.{quote(PATTERNS_TABLE.name)}"
    rows = wh.fetchall(f"select distinct lists_sha256 from {table}")
    return rows[0][0] if len(rows) == 1 else None


def load_lists(wh: Warehouse, directory: Path | None, now: datetime | None = None) -> LoadReport:
    """Replace the OPAWG tables with the lists in `directory`, in one transaction.

    A missing directory is not an error: the report carries a warning and the tables keep
    what they hold (empty on a fresh warehouse: then no user agent is classified by the
    lists, and only the generic bot rule applies). A directory that exists but holds bad
    lists raises OpawgListsError. An unchanged set (same sha256) writes nothing.
    """
    if directory is None or not directory.is_dir():
        kept = wh.fetchall(f"select count(*) from {RAW_SCHEMA}.{quote(PATTERNS_TABLE.name)}")
        consequence = (f"keeping the {kept[0][0]} entries loaded before" if kept[0][0] else
                       "no user agent is classified by the lists; only the generic "
                       "bot|crawler|spider rule flags bots")
        return LoadReport("missing", directory, warnings=[
            f"OPAWG user-agent lists not found: no directory at {_where(directory)}; "
            f"{consequence}"])
    lists = read_lists(directory)
    warnings = [f"untranslatable pattern, never matches: {u}" for u in lists.untranslatable]
    rows = {table.name: len(table_rows) for table, table_rows in lists.rows()}
    if loaded_version(wh) == lists.version:
        return LoadReport("unchanged", directory, lists.version, rows, warnings)
    loaded_at = (now or datetime.now(UTC)).replace(tzinfo=None)
    with wh.transaction():
        for table, table_rows in lists.rows():
            wh.execute(f"delete from {RAW_SCHEMA}.{quote(table.name)}")
            batch = arrow_batch(table, [{**r, "_loaded_at": loaded_at} for r in table_rows])
            wh.append(table.name, [batch])
    return LoadReport("loaded", directory, lists.version, rows, warnings)
