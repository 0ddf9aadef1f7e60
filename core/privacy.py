"""Privacy: raw IPs purged after a retention period, and deletion requests by IP.

Raw IP addresses exist only in the raw tables (past raw they are salted hashes). Two
operations act on them, each in one transaction, set-based in the engine, under the
warehouse locks of the dbt build and of every raw table they write:

- `purge_raw_ips(wh, days)` (PODWH_RAW_IP_RETENTION_DAYS, the daily `raw_ip_retention`
  asset): rows loaded more than `days` ago lose their IP. It is replaced by a token,
  'purged:' || ip_key (ip_key: the salted hash of the spelling, trimmed and lower case, the
  key the models already find an address's values by), and the values the models derive
  from the address (ip_hash, listener_ip_hash, country_code) are kept in
  private.purged_ips, which no full refresh drops: the staging models and the IP lookups
  read a token's values there (dbt/macros/ips/purged_ips.sql), so every count, recounts
  included, stays what it was. Quarantine records quarantined before the cut-off have their
  addresses redacted ('<ip>'). A purged address can't be hashed again: a run with another
  salt stops (PrivacyError here, check_purged_ips_salt in dbt) instead of mixing two salts.
- `forget_ips(wh, ips)` (`podwh forget-ip`): a listener's deletion request. The listener is
  the IAB one (IPv4 address; IPv6 /64, the household's privacy addresses): every raw row
  whose IP (any spelling, purged or not) has the listener hash of a given IP is deleted,
  with the quarantine records naming such an address, and every row past raw holding one of
  its hashes (lookups, requests, downloads, impressions, touchpoints, conversions, marts).
  The request is recorded in private.ip_deletions without the IP (a hash of its listener
  hash, and counts), and the next transform recounts the warehouse from the raw tables, so
  the marts (and the published copy after it) are what a world without the listener gives.

The SQL that canonicalises and hashes an address is the dbt project's own (macros/ips),
compiled once per dialect and macro version by `dbt compile --inline` (cached under
dbt/target), so Python and the models can never disagree on what one address is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import logging
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.contract import QUARANTINE, RAW_SCHEMA, TABLES
from core.ddl import Dialect, quote, sql_type
from core.settings import DBT_DIR, Settings, child_environment
from core.warehouse import Warehouse

log = logging.getLogger(__name__)

TOKEN = "purged:"  # dbt/macros/ips/purged_ips.sql reads the same prefix
PRIVATE_SCHEMA = "private"
PURGED_IPS = "purged_ips"
IP_DELETIONS = "ip_deletions"
TRANSFORM_LOCK = "the dbt build of this warehouse"  # the dbt asset's lock

_TABLES: dict[str, dict[str, str]] = {
    # one row per purged spelling: what the models derived from the address
    PURGED_IPS: {"ip_key": "text", "ip_hash": "text", "listener_ip_hash": "text",
                 "country_code": "text", "salt_md5": "text", "purged_at": "timestamp"},
    # one row per forgotten listener: no IP, no hash any other table holds
    IP_DELETIONS: {"request_key": "text", "requested_at": "timestamp", "salt_md5": "text",
                   "raw_rows_deleted": "bigint", "derived_rows_deleted": "bigint",
                   "recounted_at": "timestamp"},
}
# (raw table, IP column) for every column of kind `ip` in the landing contract
IP_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (t.name, c.name) for t in TABLES for c in t.columns if c.kind == "ip")
ACCESS_LOGS = "access_logs"
IP_LOOKUPS = (("intermediate", "int_ips_located"), ("staging", "stg_ad_delivery__ips"))
# Columns past raw that identify a listener's rows, by what they hold
LISTENER_COLUMNS = ("listener_ip_hash", "household_ip_hash", "buyer_listener_ip_hash")
ADDRESS_COLUMNS = ("ip_hash", "buyer_ip_hash")
KEY_COLUMNS = ("ip_key",)
NOT_DERIVED = (RAW_SCHEMA, PRIVATE_SCHEMA, "information_schema", "pg_catalog", "pg_toast")
# characters of an address in free text (quarantined lines, reasons); anything else splits
_ADDRESS_CHARS = "[^0-9A-Fa-f:.]+"

# The dbt macros compiled for Python (their SQL reads the column `ip`, or `txt`)
_EXPRESSIONS = {
    "ip_key": "{{ ip_spelling_key('ip') }}",
    "ip_hash": "{{ hash_ip(ip_canonical('ip')) }}",
    "listener_ip_hash": "{{ hash_ip(ip_listener_prefix('ip')) }}",
    "redacted": "{{ redact_ip_addresses('txt') }}",
    "salt_relation": "{{ ip_salt_relation() }}",
}
_MARKER = re.compile(r"/\*@@(\w+)@@\*/")


class PrivacyError(Exception):
    """A privacy operation can't run as asked; the message says why and what to do."""


@dataclass(frozen=True)
class PurgeReport:
    cutoff: dt.datetime
    rows: dict[str, int]          # raw table -> rows whose IP was replaced by a token
    spellings: int                # spellings added to private.purged_ips
    quarantine_redacted: int
    deferred: int                 # access-log rows not yet located by a transform

    def summary(self) -> str:
        rows = ", ".join(f"{t}: {n}" for t, n in self.rows.items()) or "none"
        text = (f"raw IPs loaded before {self.cutoff:%Y-%m-%d %H:%M} UTC purged ({rows}; "
                f"{self.spellings} new spellings kept hashed); {self.quarantine_redacted} "
                "quarantine records redacted")
        if self.deferred:
            text += (f"; {self.deferred} access-log rows keep their IP until a transform has "
                     "located them (the next purge after it)")
        return text


@dataclass(frozen=True)
class ForgetReport:
    listeners: int
    raw_rows: dict[str, int]      # raw table -> rows deleted (quarantine included)
    derived_rows: dict[str, int]  # schema.table -> rows deleted

    def summary(self) -> str:
        raw = sum(self.raw_rows.values())
        derived = sum(self.derived_rows.values())
        return (f"forgot {self.listeners} listener(s): {raw} raw rows and {derived} rows past "
                f"raw deleted ({len(self.derived_rows)} tables); the next transform recounts "
                "the warehouse without them")


# ---------------------------------------------------------------- setup and checks

def ensure_tables(wh: Warehouse) -> None:
    """Create schema `private` and the privacy tables when missing (idempotent)."""
    wh.execute(f"create schema if not exists {PRIVATE_SCHEMA}")
    if wh.dialect == "postgres":
        wh.execute(f"revoke all on schema {PRIVATE_SCHEMA} from public")
    for name, columns in _TABLES.items():
        cols = ", ".join(f"{quote(c)} {sql_type(k, wh.dialect)}" for c, k in columns.items())
        wh.execute(f"create table if not exists {PRIVATE_SCHEMA}.{name} ({cols})")


def before_transform(wh: Warehouse, salt: str) -> int:
    """Before dbt runs: stop if purged addresses were hashed under another salt than `salt`
    (nothing is dropped or recounted then); return how many deletion requests wait for
    their recount."""
    ensure_tables(wh)
    other = wh.fetchall(f"select count(*) from {PRIVATE_SCHEMA}.{PURGED_IPS} "
                        "where salt_md5 <> ?", [_md5(salt)])[0][0]
    if other:
        raise PrivacyError(
            f"{other} purged IP addresses were hashed with another IP salt than "
            "PODWH_IP_SALT's, and their raw addresses are gone, so they can't be hashed "
            "again: set PODWH_IP_SALT back to the salt they were purged under (a warehouse "
            "whose raw IPs were purged keeps its salt; see README, Privacy)")
    return int(wh.fetchall(f"select count(*) from {PRIVATE_SCHEMA}.{IP_DELETIONS} "
                           "where recounted_at is null")[0][0])


def mark_recounted(wh: Warehouse) -> None:
    """The pending deletion requests' recount has started from raw tables without them."""
    wh.execute(f"update {PRIVATE_SCHEMA}.{IP_DELETIONS} set recounted_at = ? "
               "where recounted_at is null", [_now()])


# ---------------------------------------------------------------- retention purge

def purge_raw_ips(wh: Warehouse, settings: Settings, days: int,
                  now: dt.datetime | None = None) -> PurgeReport:
    """Replace the IPs of raw rows loaded more than `days` days before `now` by purge
    tokens, keeping their derived values in private.purged_ips, and redact the addresses
    of quarantine records quarantined before then (one transaction, under the locks)."""
    if days < 1:
        raise PrivacyError(f"a retention of {days} days: expected 1 or more")
    cutoff = (now or _now()) - dt.timedelta(days=days)
    sql = _sql(settings, wh.dialect)
    rows: dict[str, int] = {}
    with _locked(wh, settings):
        ensure_tables(wh)
        _ensure_salt(wh, settings)
        spellings_before = _count(wh, f"{PRIVATE_SCHEMA}.{PURGED_IPS}")
        located = _exists(wh, *IP_LOOKUPS[0])
        deferred = 0
        with wh.transaction():
            _parameters(wh, cutoff)
            # the access logs first: the spellings they share with other tables keep the
            # country their lookup found
            for table, column in sorted(IP_COLUMNS, key=lambda tc: tc[0] != ACCESS_LOGS):
                where = (f"_loaded_at < {_CUTOFF} and {column} is not null "
                         f"and not {_is_token(column)}")
                if table == ACCESS_LOGS and not located:
                    deferred += _count(wh, f"{RAW_SCHEMA}.{table}", where)
                    continue
                _spellings_table(wh, sql, table, column, where)
                if table == ACCESS_LOGS:  # only what a transform located (its country)
                    loc = ".".join(IP_LOOKUPS[0])
                    wh.execute(f"delete from _podwh_spellings where ip_key not in "
                               f"(select ip_key from {loc})")
                    deferred += _count(wh, f"{RAW_SCHEMA}.{table}", where) - (
                        _matching(wh, table, column, where))
                country = ("loc.country_code" if located else "cast(null as "
                           f"{sql_type('text', wh.dialect)})")
                join = (f"left join {'.'.join(IP_LOOKUPS[0])} loc on loc.ip_key = s.ip_key"
                        if located else "")
                wh.execute(
                    f"insert into {PRIVATE_SCHEMA}.{PURGED_IPS} (ip_key, ip_hash, "
                    "listener_ip_hash, country_code, salt_md5, purged_at) "
                    f"select s.ip_key, s.ip_hash, s.listener_ip_hash, {country}, "
                    f"(select md5(salt) from {PRIVATE_SCHEMA}.ip_salt), {_NOW} "
                    f"from _podwh_spellings s {join} where s.ip_key not in "
                    f"(select ip_key from {PRIVATE_SCHEMA}.{PURGED_IPS})")
                rows[table] = _matching(wh, table, column, where)
                wh.execute(
                    f"update {RAW_SCHEMA}.{table} set {column} = '{TOKEN}' || s.ip_key "
                    f"from _podwh_spellings s where lower(trim({RAW_SCHEMA}.{table}.{column})) "
                    f"= s.spelling and {RAW_SCHEMA}.{table}._loaded_at < {_CUTOFF}")
            redacted = _redact_quarantine(wh, sql)
            for temp in ("_podwh_spellings", "_podwh_parameters"):
                wh.execute(f"drop table if exists {temp}")
        spellings = _count(wh, f"{PRIVATE_SCHEMA}.{PURGED_IPS}") - spellings_before
    report = PurgeReport(cutoff, rows, spellings, redacted, deferred)
    log.info(report.summary())
    return report


def _spellings_table(wh: Warehouse, sql: dict[str, str], table: str, column: str,
                     where: str) -> None:
    """Temporary table _podwh_spellings: the distinct spellings (trimmed, lower case) of
    `table`'s rows matching `where`, with their ip_key, ip_hash and listener_ip_hash."""
    wh.execute("drop table if exists _podwh_spellings")
    wh.execute("create temporary table _podwh_spellings (spelling varchar, ip_key varchar, "
               "ip_hash varchar, listener_ip_hash varchar)")
    _verbatim(wh,
              "insert into _podwh_spellings "
              f"select ip, {sql['ip_key']}, {sql['ip_hash']}, {sql['listener_ip_hash']} from ("
              f"select distinct lower(trim({column})) as ip from {RAW_SCHEMA}.{table} "
              f"where {where}) as spellings")


def _matching(wh: Warehouse, table: str, column: str, where: str) -> int:
    return _count(wh, f"{RAW_SCHEMA}.{table}",
                  f"{where} and lower(trim({column})) in (select spelling from _podwh_spellings)")


def _redact_quarantine(wh: Warehouse, sql: dict[str, str]) -> int:
    """Quarantine records quarantined before `cutoff`: addresses in their line and reason
    replaced by '<ip>' (redact_ip_addresses, as stg_loader__quarantine shows them)."""
    raw_record = _on(sql["redacted"], "txt", "raw_record")
    reason = _on(sql["redacted"], "txt", "reason")
    where = (f"quarantined_at < {_CUTOFF} and (raw_record <> {raw_record} "
             f"or reason <> {reason})")
    n = _count(wh, f"{RAW_SCHEMA}.{QUARANTINE.name}", where)
    if n:
        _verbatim(wh, f"update {RAW_SCHEMA}.{QUARANTINE.name} set raw_record = {raw_record}, "
                  f"reason = {reason} where {where}")
    return n


# ---------------------------------------------------------------- deletion requests

def forget_ips(wh: Warehouse, settings: Settings, ips: Iterable[str]) -> ForgetReport:
    """Delete every row of the listeners of `ips` (IPv4 address; IPv6 /64) from the raw
    tables, the quarantine and every table past raw; record the request without the IP;
    the next transform recounts the warehouse (one transaction, under the locks)."""
    given = [_checked_ip(ip) for ip in ips]
    if not given:
        raise PrivacyError("no IP address given")
    sql = _sql(settings, wh.dialect)
    raw_rows: dict[str, int] = {}
    derived_rows: dict[str, int] = {}
    with _locked(wh, settings):
        ensure_tables(wh)
        _ensure_salt(wh, settings)
        with wh.transaction():
            _parameters(wh, _now())
            # the listeners' hashes, computed from the given IPs in the engine
            for temp in ("_podwh_given", "_podwh_listeners"):
                wh.execute(f"drop table if exists {temp}")
            wh.execute("create temporary table _podwh_given (ip varchar)")
            for ip in given:
                wh.execute("insert into _podwh_given values (?)", [ip])
            wh.execute("create temporary table _podwh_listeners (listener_ip_hash varchar)")
            _verbatim(wh, "insert into _podwh_listeners select distinct "
                      f"{sql['listener_ip_hash']} from _podwh_given")
            listeners = "select listener_ip_hash from _podwh_listeners"
            # every key, address hash and listener hash of theirs the warehouse holds
            wh.execute("drop table if exists _podwh_forget")
            wh.execute("create temporary table _podwh_forget (ip_key varchar, "
                       "ip_hash varchar, listener_ip_hash varchar)")
            for table, column in IP_COLUMNS:
                _spellings_table(wh, sql, table, column,
                                 f"{column} is not null and not {_is_token(column)}")
                wh.execute(f"delete from _podwh_spellings where listener_ip_hash not in "
                           f"({listeners})")
                raw_rows[table] = _matching(wh, table, column, "true")
                wh.execute("insert into _podwh_forget select ip_key, ip_hash, "
                           "listener_ip_hash from _podwh_spellings")
                wh.execute(f"delete from {RAW_SCHEMA}.{table} where lower(trim({column})) in "
                           "(select spelling from _podwh_spellings)")
            wh.execute("insert into _podwh_forget select ip_key, ip_hash, listener_ip_hash "
                       f"from {PRIVATE_SCHEMA}.{PURGED_IPS} where listener_ip_hash in "
                       f"({listeners})")
            for schema, lookup in IP_LOOKUPS:
                if _exists(wh, schema, lookup):
                    wh.execute("insert into _podwh_forget select ip_key, ip_hash, "
                               f"listener_ip_hash from {schema}.{lookup} where "
                               f"listener_ip_hash in ({listeners})")
            for table, column in IP_COLUMNS:  # purged rows: by the key their token carries
                where = (f"{_is_token(column)} and substr({column}, {len(TOKEN) + 1}) "
                         "in (select ip_key from _podwh_forget)")
                n = _count(wh, f"{RAW_SCHEMA}.{table}", where)
                if n:
                    wh.execute(f"delete from {RAW_SCHEMA}.{table} where {where}")
                raw_rows[table] += n
            raw_rows[QUARANTINE.name] = _forget_quarantine(wh, sql, listeners)
            wh.execute(f"delete from {PRIVATE_SCHEMA}.{PURGED_IPS} where listener_ip_hash in "
                       f"({listeners})")
            for relation, condition in _derived_tables(wh):
                n = _count(wh, relation, condition)
                if n:
                    wh.execute(f"delete from {relation} where {condition}")
                    derived_rows[relation] = n
            wh.execute(
                f"insert into {PRIVATE_SCHEMA}.{IP_DELETIONS} (request_key, requested_at, "
                "salt_md5, raw_rows_deleted, derived_rows_deleted, recounted_at) "
                f"select {request_key_sql('listener_ip_hash')}, {_NOW}, "
                f"(select md5(salt) from {PRIVATE_SCHEMA}.ip_salt), "
                f"{sum(raw_rows.values())}, {sum(derived_rows.values())}, null "
                "from _podwh_listeners")
            n_listeners = _count(wh, "_podwh_listeners")
            for temp in ("_podwh_given", "_podwh_listeners", "_podwh_forget",
                         "_podwh_spellings", "_podwh_parameters"):
                wh.execute(f"drop table if exists {temp}")
    report = ForgetReport(n_listeners, raw_rows, derived_rows)
    log.info(report.summary())
    return report


def request_key_sql(listener_hash: str) -> str:
    """The key a deletion request is recorded under: md5 of its listener hash with a
    prefix, so that it is no hash any other table holds, yet an audit given the IP (and
    the salt) can find its record."""
    return f"md5('podwh-forget|' || {listener_hash})"


def _forget_quarantine(wh: Warehouse, sql: dict[str, str], listeners: str) -> int:
    """Delete the quarantine records of the IP tables whose line or reason holds an address
    (any spelling) of the listeners: every run of address characters in the text is
    canonicalised and hashed, as the models hash an IP column."""
    text = "coalesce(q.raw_record, '') || ' ' || coalesce(q.reason, '')"
    if wh.dialect == "duckdb":
        words = f"(select unnest(string_split_regex({text}, '{_ADDRESS_CHARS}')) as ip) w"
    else:
        words = f"regexp_split_to_table({text}, '{_ADDRESS_CHARS}') as w(ip)"
    tables = ", ".join(sorted({f"'{t}'" for t, _ in IP_COLUMNS}))
    where = (f"q.source_table in ({tables}) and exists (select 1 from {words} "
             "where (w.ip like '%.%' or w.ip like '%:%') "
             f"and {sql['listener_ip_hash']} in ({listeners}))")
    n = _count(wh, f"{RAW_SCHEMA}.{QUARANTINE.name} q", where)
    if n:
        _verbatim(wh, f"delete from {RAW_SCHEMA}.{QUARANTINE.name} q where {where}")
    return n


def _derived_tables(wh: Warehouse) -> list[tuple[str, str]]:
    """(relation, condition) for every table past raw with a column holding a listener's
    hash, address hash or spelling key, the incremental helper tables in schema private
    included: the rows of the listeners in _podwh_forget."""
    excluded = ", ".join(f"'{s}'" for s in NOT_DERIVED)
    wanted = ", ".join(f"'{c}'" for c in (*LISTENER_COLUMNS, *ADDRESS_COLUMNS, *KEY_COLUMNS))
    rows = wh.fetchall(
        "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
        "join information_schema.tables t on t.table_schema = c.table_schema "
        "and t.table_name = c.table_name and t.table_catalog = c.table_catalog "
        f"where t.table_type = 'BASE TABLE' and (c.table_schema not in ({excluded}) "
        # the incremental models' helper tables (scopes) live in private too
        f"or (c.table_schema = '{PRIVATE_SCHEMA}' and c.table_name like '%\\_\\_scope%' "
        "escape '\\')) "
        "and c.table_schema not like 'pg_temp%' and c.table_catalog <> 'temp' "
        f"and c.column_name in ({wanted}) order by 1, 2, 3")
    by_table: dict[str, list[str]] = {}
    for schema, table, column in rows:
        source = ("listener_ip_hash" if column in LISTENER_COLUMNS
                  else "ip_hash" if column in ADDRESS_COLUMNS else "ip_key")
        by_table.setdefault(f"{quote(schema)}.{quote(table)}", []).append(
            f"{quote(column)} in (select {source} from _podwh_forget)")
    return [(relation, " or ".join(conditions)) for relation, conditions in by_table.items()]


def _checked_ip(ip: str) -> str:
    """`ip` trimmed, if it is an IPv4 or IPv6 address (brackets, a port or a zone id
    allowed, as in the logs); else PrivacyError."""
    text = ip.strip()
    bare = re.sub(r"^\[(.*)\](:\d+)?$", r"\1", text)
    bare = re.sub(r"^(\d{1,3}(\.\d{1,3}){3}):\d+$", r"\1", bare).split("%")[0]
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        raise PrivacyError(f"{ip!r} is not an IPv4 or IPv6 address") from None
    return text


# ---------------------------------------------------------------- shared helpers

@contextmanager
def _locked(wh: Warehouse, settings: Settings) -> Iterator[None]:
    """The dbt build's lock and every IP table's load lock (the loader's names), in one
    order, so no model is rebuilt and no file loaded under a purge or a deletion."""
    with ExitStack() as stack:
        for name in (TRANSFORM_LOCK, *sorted({f"the load of raw.{t}" for t, _ in IP_COLUMNS})):
            stack.enter_context(wh.exclusive(name))
        yield


def _ensure_salt(wh: Warehouse, settings: Settings) -> None:
    """The salt the hashing SQL reads, private.ip_salt: the one the warehouse's hashes were
    made with (dbt writes it at every run); the configured salt before any run."""
    wh.execute(f"create table if not exists {PRIVATE_SCHEMA}.ip_salt "
               f"(salt {sql_type('text', wh.dialect)})")
    if not _count(wh, f"{PRIVATE_SCHEMA}.ip_salt"):
        wh.execute(f"insert into {PRIVATE_SCHEMA}.ip_salt values (?)", [settings.ip_salt])


# The run's cut-off and clock, from _podwh_parameters: the statements that hold compiled SQL
# take no parameters (see _verbatim)
_CUTOFF = "(select cutoff from _podwh_parameters)"
_NOW = "(select now_utc from _podwh_parameters)"


def _parameters(wh: Warehouse, cutoff: dt.datetime) -> None:
    wh.execute("drop table if exists _podwh_parameters")
    wh.execute("create temporary table _podwh_parameters (cutoff timestamp, now_utc timestamp)")
    wh.execute("insert into _podwh_parameters values (?, ?)", [cutoff, _now()])


def _is_token(column: str) -> str:
    return f"(substr({column}, 1, {len(TOKEN)}) = '{TOKEN}')"


def _verbatim(wh: Warehouse, sql: str) -> None:
    """Run `sql` as written, without parameters. The compiled IP SQL holds '?' and '%'
    (regular expressions), which the Postgres warehouse's '?' placeholders would rewrite."""
    if wh.dialect == "postgres":
        wh.con.execute(sql)  # type: ignore[attr-defined]
    else:
        wh.execute(sql)


def _count(wh: Warehouse, relation: str, where: str = "true") -> int:
    sql = f"select count(*) from {relation} where {where}"
    if wh.dialect == "postgres":
        return int(wh.con.execute(sql).fetchall()[0][0])  # type: ignore[attr-defined]
    return int(wh.fetchall(sql)[0][0])


def _exists(wh: Warehouse, schema: str, table: str) -> bool:
    return bool(wh.fetchall("select count(*) from information_schema.tables "
                            "where table_schema = ? and table_name = ?", [schema, table])[0][0])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # as the engines compute md5(salt)


def _on(expression: str, column: str, other: str) -> str:
    """A compiled expression over column `column` applied to `other` (a subquery names it)."""
    return f"(select ({expression}) from (select {other} as {column}) as _c)"


def _sql(settings: Settings, dialect: Dialect) -> dict[str, str]:
    """The compiled expressions, reading the salt from private.ip_salt."""
    compiled = _compiled(dialect, _inputs_digest(), settings)
    relation = compiled["salt_relation"].strip()
    return {name: "(\n" + expr.replace(relation, f"{PRIVATE_SCHEMA}.ip_salt") + "\n)"
            for name, expr in compiled.items() if name != "salt_relation"}


def _inputs_digest() -> str:
    """What the compiled SQL depends on: the project's macros and settings, dbt's version."""
    from dbt.version import __version__ as dbt_version

    digest = hashlib.sha256(dbt_version.encode())
    for path in [*sorted((DBT_DIR / "macros").rglob("*.sql")), DBT_DIR / "dbt_project.yml"]:
        digest.update(path.read_bytes())
    digest.update(json.dumps(_EXPRESSIONS, sort_keys=True).encode())
    return digest.hexdigest()[:16]


@cache
def _compiled_cached(dialect: str, digest: str) -> dict[str, str] | None:
    path = _cache_path(dialect, digest)
    return json.loads(path.read_text()) if path.exists() else None


def _cache_path(dialect: str, digest: str) -> Path:
    return DBT_DIR / "target" / "privacy_sql" / f"{dialect}-{digest}.json"


def _compiled(dialect: Dialect, digest: str, settings: Settings) -> dict[str, str]:
    cached = _compiled_cached(dialect, digest)
    if cached is not None:
        return cached
    inline = "\n".join(f"/*@@{name}@@*/ {expr}" for name, expr in _EXPRESSIONS.items())
    env = child_environment({**settings.dbt_env(), "PODWH_WAREHOUSE": dialect,
                             "PODWH_DUCKDB_PATH": ":memory:"})
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "dbt"), "compile", "--quiet",
             "--no-populate-cache", "--inline", inline, "--project-dir", str(DBT_DIR),
             "--profiles-dir", str(DBT_DIR), "--target-path", tmp, "--log-path", tmp],
            env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PrivacyError(f"compiling the IP SQL of dbt/macros/ips failed: "
                           f"{(result.stdout + result.stderr).strip()[-2000:]}")
    parts = _MARKER.split(result.stdout[result.stdout.index("/*@@"):])
    compiled = {name: expr.strip() for name, expr in zip(parts[1::2], parts[2::2], strict=True)}
    if set(compiled) != set(_EXPRESSIONS):
        raise PrivacyError(f"unexpected output compiling the IP SQL: {result.stdout[:500]}")
    path = _cache_path(dialect, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = path.with_suffix(f".{id(compiled)}.tmp")
    tmp_path.write_text(json.dumps(compiled))
    tmp_path.replace(path)
    _compiled_cached.cache_clear()
    return compiled
