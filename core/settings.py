"""Settings read from the environment: the one place the project looks at `os.environ`
(tests/test_layout.py keeps it so).

Dagster resources (dagster_project/resources.py) build a `Settings` with
`Settings.from_env()` once per run, apply their configured fields and pass it down; the
command line (cli/) reads it to print where a run goes and hands its flags to Dagster as run
config; library code takes it as an argument. dbt reads the connection variables through
`env_var` in `dbt/profiles.yml` (`Settings.dbt_env()`: the dbt subprocess's environment,
with absolute paths) and the counting and attribution options as vars
(`ModelOptions.dbt_vars()`, passed to every dbt invocation; their defaults are declared
once, in `dbt/dbt_project.yml`).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
# The OPAWG user-agents v2 lists ship with the product (seeds/, MIT, see its README).
DEFAULT_OPAWG_DIR = PROJECT_ROOT / "seeds" / "opawg-user-agents-v2"
DBT_DIR = PROJECT_ROOT / "dbt"
DBT_PROJECT_FILE = DBT_DIR / "dbt_project.yml"

WarehouseKind = Literal["duckdb", "postgres"]


class SettingsError(ValueError):
    """An environment variable holds a value the project can't use."""


DEMO_IP_SALT = "podwh-demo-salt"  # public: fine for demo worlds, refused in production
MIN_PRODUCTION_SALT_CHARS = 16


@dataclass(frozen=True)
class PostgresSettings:
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = field(default="", repr=False)  # never printed
    database: str = "podwh"

    def conninfo(self, database: str | None = None) -> str:
        parts = {
            "host": self.host,
            "port": str(self.port),
            "user": self.user,
            "dbname": database or self.database,
        }
        if self.password:
            parts["password"] = self.password
        return " ".join(f"{k}={v}" for k, v in parts.items())

    def describe(self) -> str:
        """Where the warehouse is, without the password."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"


@dataclass(frozen=True)
class HostingProvider:
    """One hosting platform's analytics API: where it is and the secret to call it with."""

    name: str
    base_url: str
    credential: str = field(default="", repr=False)  # never printed

    @property
    def configured(self) -> bool:
        return bool(self.credential)


# provider -> (credential variable, base-URL variable, documented base URL)
HOSTING_PROVIDERS: dict[str, tuple[str, str, str]] = {
    "transistor": ("PODWH_TRANSISTOR_API_KEY", "PODWH_TRANSISTOR_BASE_URL",
                   "https://api.transistor.fm/v1"),
    "spreaker": ("PODWH_SPREAKER_TOKEN", "PODWH_SPREAKER_BASE_URL",
                 "https://api.spreaker.com/v2"),
}


@dataclass(frozen=True)
class HostingSettings:
    """Hosting-platform analytics APIs (ingest/hosting)."""

    providers: dict[str, HostingProvider] = field(default_factory=dict)
    # our show_id -> the host's show id (PODWH_HOSTING_SHOW_IDS="acme-s006=123,acme-s012=456")
    show_ids: dict[str, str] = field(default_factory=dict)
    lookback_days: int = 3  # hosts revise recent days: re-pull them on every run
    initial_days: int = 90  # how far back the first pull of a show goes

    def provider(self, name: str) -> HostingProvider | None:
        return self.providers.get(name.strip().lower())


def _declared_vars() -> dict[str, Any]:
    """The dbt vars dbt/dbt_project.yml declares, with their defaults: the one place the
    counting and attribution options' defaults live."""
    with DBT_PROJECT_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["vars"]


DBT_VARS = _declared_vars()
WINDOW_TYPES = ("first_touch", "calendar", "last_touch")


def _window_type(value: str) -> str:
    value = value.strip().lower()
    if value not in WINDOW_TYPES:
        raise ValueError(f"expected one of {', '.join(WINDOW_TYPES)}")
    return value


def _whole(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not value.strip().isdigit() or int(value) < minimum:
            raise ValueError(f"expected a whole number, at least {minimum}")
        return int(value)
    return parse


def _positive_number(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number > 0 or number == float("inf"):
        raise ValueError("expected a positive number")
    return number


def _ip_list(value: str) -> tuple[str, ...]:
    ips = tuple(ip.strip() for ip in value.split(",") if ip.strip())
    for ip in ips:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise ValueError(f"{ip!r} is not an IP address (a comma-separated list of "
                             f"IPv4/IPv6 addresses is expected)") from None
    return ips


@dataclass(frozen=True)
class ModelOption:
    """One counting or attribution option: a dbt var, set by an environment variable, a
    `podwh` flag (--<name with dashes>) or the dbt asset's run config (<name>)."""

    name: str  # the dbt var, the ModelOptions field and the run-config field
    env: str
    metavar: str
    parse: Callable[[str], Any]
    help: str

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


MODEL_OPTIONS: tuple[ModelOption, ...] = (
    ModelOption("download_window_type", "PODWH_DOWNLOAD_WINDOW_TYPE", "TYPE", _window_type,
                "IAB download window: first_touch (rolling 24 h from the first request), "
                "calendar (UTC day) or last_touch (24 h after the last request)"),
    ModelOption("abusive_ip_threshold", "PODWH_ABUSIVE_IP_THRESHOLD", "N", _whole(1),
                "an IP (IPv6: its /64) with more than this many remaining requests in one "
                "UTC day is abusive: its requests that day are not counted"),
    ModelOption("abusive_ip_allowlist", "PODWH_ABUSIVE_IP_ALLOWLIST", "IPS", _ip_list,
                "comma-separated IPs never judged abusive (e.g. a known office NAT)"),
    ModelOption("default_header_bytes", "PODWH_DEFAULT_HEADER_BYTES", "BYTES", _whole(0),
                "bytes before the audio (ID3 tags...) added to the one-minute threshold "
                "when the shows registry gives none"),
    ModelOption("attribution_half_life_days", "PODWH_ATTRIBUTION_HALF_LIFE_DAYS", "DAYS",
                _positive_number, "time-decay attribution: a touch's weight halves every "
                "this many days before the conversion"),
    ModelOption("lookback_days", "PODWH_LOOKBACK_DAYS", "DAYS", _whole(0),
                "incremental counting rebuilds the request days within this many days of "
                "the newest whose raw requests changed; older days are closed"),
)
OPTIONS_BY_NAME = {o.name: o for o in MODEL_OPTIONS}


@dataclass(frozen=True)
class ModelOptions:
    """The counting and attribution options every dbt invocation receives as vars."""

    download_window_type: str = DBT_VARS["download_window_type"]
    abusive_ip_threshold: int = DBT_VARS["abusive_ip_threshold"]
    abusive_ip_allowlist: tuple[str, ...] = tuple(DBT_VARS["abusive_ip_allowlist"])
    default_header_bytes: int = DBT_VARS["default_header_bytes"]
    attribution_half_life_days: float = DBT_VARS["attribution_half_life_days"]
    lookback_days: int = DBT_VARS["lookback_days"]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ModelOptions:
        return cls().with_values({o.name: env[o.env] for o in MODEL_OPTIONS
                                  if env.get(o.env, "").strip()}, source="env")

    def with_values(self, values: Mapping[str, Any], source: str = "flag") -> ModelOptions:
        """These options with some replaced; text values are parsed and checked (None
        keeps the current value). A bad value raises SettingsError naming where it came
        from: the environment variable, the flag or the run-config field."""
        changes: dict[str, Any] = {}
        for name, value in values.items():
            if value is None:
                continue
            option = OPTIONS_BY_NAME[name]
            text = ",".join(value) if isinstance(value, list | tuple) else str(value)
            try:
                changes[name] = option.parse(text)
            except ValueError as exc:
                where = {"env": option.env, "flag": option.flag}.get(source, name)
                raise SettingsError(f"{where}={text!r}: {exc}") from None
        return dataclasses.replace(self, **changes)

    def dbt_vars(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        values["abusive_ip_allowlist"] = list(self.abusive_ip_allowlist)
        return values

    def describe(self) -> str:
        return ", ".join(f"{name}={value}" for name, value in self.dbt_vars().items())


@dataclass(frozen=True)
class Settings:
    warehouse: WarehouseKind = "duckdb"
    duckdb_path: Path = DEFAULT_DATA_DIR / "warehouse.duckdb"
    landing_dir: Path = DEFAULT_DATA_DIR / "world" / "landing"
    postgres: PostgresSettings = PostgresSettings()
    ip_salt: str = field(default=DEMO_IP_SALT, repr=False)  # never printed
    # "production" refuses the demo salt (and any salt too short to keep hashes private)
    environment: Literal["demo", "production"] = "demo"
    duckdb_memory_limit: str = "6GB"  # DuckDB spills to disk past it
    # The OPAWG user-agents v2 lists: the copy shipped in seeds/ unless overridden
    opawg_dir: Path = DEFAULT_OPAWG_DIR
    # Base URL to download the lists from on each run of the opawg_lists asset (None: don't)
    opawg_url: str | None = None
    hosting: HostingSettings = HostingSettings()
    # A first build (or a large late load) counts at most about this many raw requests per
    # dbt pass, day by day, so memory and spill stay bounded at any size; 0: one pass
    counting_batch_requests: int = 20_000_000
    # Counting and attribution options: dbt vars on every invocation
    options: ModelOptions = ModelOptions()
    # The read-only copy of the marts readers open (DuckDB; core/publish.py): None derives
    # it from the warehouse path, "off" switches publishing off
    published_path_setting: Path | Literal["off"] | None = None
    # Networks feeds may be fetched from although not public (loopback, private, link-local):
    # none by default, so a shows registry can't point the poller at the host's own services
    feed_allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    # A landing row timed more than this many days after its load is quarantined (clocks
    # and typos: a request dated 2099 would send the models' day loops over decades)
    max_future_days: int = 2
    # A load that quarantines more than this share of a table's new rows fails the table's
    # quarantine_share check and logs an error (its good rows still go on to the marts)
    quarantine_alert_share: float = 0.01
    # Raw IPs of rows loaded more than this many days ago are purged (core/privacy.py);
    # None: kept (off, the default: a purge can't be undone, and fixes the salt)
    raw_ip_retention_days: int | None = None

    @property
    def data_dir(self) -> Path:
        """The folder beside the warehouse for run logs and downloaded reference lists."""
        return self.duckdb_path.parent if self.warehouse == "duckdb" else DEFAULT_DATA_DIR

    @property
    def opawg_download_dir(self) -> Path:
        """Where the last good download of the lists from `opawg_url` is kept."""
        return self.data_dir / "reference" / "opawg-user-agents-v2"

    @property
    def published_path(self) -> Path | None:
        """Where the marts are published after each successful run (DuckDB only)."""
        if self.warehouse != "duckdb" or self.published_path_setting == "off":
            return None
        if self.published_path_setting is not None:
            return self.published_path_setting
        return self.duckdb_path.parent / "published" / self.duckdb_path.name

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        warehouse = env.get("PODWH_WAREHOUSE", "duckdb").strip().lower()
        if warehouse not in ("duckdb", "postgres"):
            raise SettingsError(
                f"PODWH_WAREHOUSE={warehouse!r}: expected 'duckdb' (default) or 'postgres'"
            )
        return cls(
            warehouse=warehouse,  # type: ignore[arg-type]
            duckdb_path=_path(env, "PODWH_DUCKDB_PATH", cls.duckdb_path),
            landing_dir=_path(env, "PODWH_LANDING_DIR", cls.landing_dir),
            postgres=PostgresSettings(
                host=env.get("PODWH_PG_HOST", PostgresSettings.host),
                port=_port(env, "PODWH_PG_PORT", PostgresSettings.port),
                user=env.get("PODWH_PG_USER", PostgresSettings.user),
                password=env.get("PODWH_PG_PASSWORD", PostgresSettings.password),
                database=env.get("PODWH_PG_DATABASE", PostgresSettings.database),
            ),
            ip_salt=ip_salt_from_env(env),
            environment=_environment(env),
            duckdb_memory_limit=_memory(env, "PODWH_DUCKDB_MEMORY_LIMIT",
                                        cls.duckdb_memory_limit),
            opawg_dir=_path(env, "PODWH_OPAWG_DIR", cls.opawg_dir),
            opawg_url=env.get("PODWH_OPAWG_URL", "").strip() or None,
            hosting=_hosting(env),
            counting_batch_requests=_nonnegative(env, "PODWH_COUNTING_BATCH_REQUESTS",
                                                 cls.counting_batch_requests, unit="requests"),
            options=ModelOptions.from_env(env),
            published_path_setting=_published(env),
            feed_allowed_networks=_networks(env, "PODWH_FEED_ALLOWED_NETWORKS"),
            max_future_days=_nonnegative(env, "PODWH_MAX_FUTURE_DAYS", cls.max_future_days),
            quarantine_alert_share=_share(env, "PODWH_QUARANTINE_ALERT_SHARE",
                                          cls.quarantine_alert_share),
            raw_ip_retention_days=_retention(env, "PODWH_RAW_IP_RETENTION_DAYS"),
        )

    def dbt_env(self) -> dict[str, str]:
        """The variables dbt's profiles.yml reads, with absolute paths."""
        return {
            "PODWH_WAREHOUSE": self.warehouse,
            "PODWH_DUCKDB_PATH": str(self.duckdb_path),
            "PODWH_PG_HOST": self.postgres.host,
            "PODWH_PG_PORT": str(self.postgres.port),
            "PODWH_PG_USER": self.postgres.user,
            "PODWH_PG_PASSWORD": self.postgres.password,
            "PODWH_PG_DATABASE": self.postgres.database,
            "PODWH_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            **dbt_salt_env(self.ip_salt),
        }

    def describe(self) -> str:
        if self.warehouse == "duckdb":
            return f"DuckDB file {self.duckdb_path}"
        return f"Postgres {self.postgres.describe()}"


def dagster_home() -> Path | None:
    """DAGSTER_HOME, Dagster's own variable: where a persistent instance keeps its runs
    (None: unset, runs go to an ephemeral instance)."""
    value = os.environ.get("DAGSTER_HOME", "").strip()
    return Path(value) if value else None


def child_environment(overrides: Mapping[str, str]) -> dict[str, str]:
    """This process's environment with `overrides`: for a child process (e.g. `podwh` run
    by the benchmark) configured the documented way, by PODWH_* variables."""
    return {**os.environ, **overrides}


def ip_salt_from_env(env: Mapping[str, str] | None = None) -> str:
    """PODWH_IP_SALT, else the demo salt (which a production setting refuses)."""
    env = os.environ if env is None else env
    return env.get("PODWH_IP_SALT", "") or DEMO_IP_SALT


def dbt_salt_env(salt: str) -> dict[str, str]:
    """How the salt reaches dbt's sessions without entering SQL text: DuckDB's plugin
    (core/dbt_session.py) reads PODWH_IP_SALT; Postgres sessions get the setting
    podwh.ip_salt from libpq's PGOPTIONS (spaces and backslashes escaped, as libpq wants)."""
    escaped = salt.replace("\\", "\\\\").replace(" ", "\\ ")
    return {"PODWH_IP_SALT": salt, "PGOPTIONS": f"-c podwh.ip_salt={escaped}"}


def _environment(env: Mapping[str, str]) -> Literal["demo", "production"]:
    value = env.get("PODWH_ENVIRONMENT", "demo").strip().lower() or "demo"
    if value not in ("demo", "production"):
        raise SettingsError(f"PODWH_ENVIRONMENT={value!r}: expected 'demo' (default) or "
                            "'production'")
    if value == "production":
        salt = ip_salt_from_env(env)
        if salt == DEMO_IP_SALT or len(salt) < MIN_PRODUCTION_SALT_CHARS:
            raise SettingsError(
                "PODWH_ENVIRONMENT=production needs PODWH_IP_SALT set to a secret of at least "
                f"{MIN_PRODUCTION_SALT_CHARS} characters: with the demo salt (or a short "
                "one) anyone can re-identify listeners by hashing candidate IPs")
    return value  # type: ignore[return-value]


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    value = env.get(name, "").strip()
    return Path(value).expanduser().resolve() if value else default


def _published(env: Mapping[str, str]) -> Path | Literal["off"] | None:
    value = env.get("PODWH_PUBLISHED_PATH", "").strip()
    if value.lower() == "off":
        return "off"
    return Path(value).expanduser().resolve() if value else None


def _networks(env: Mapping[str, str], name: str
              ) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for item in filter(None, (p.strip() for p in env.get(name, "").split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingsError(f"{name}: {item!r} is not an IP network (expected e.g. "
                                "'10.0.0.0/8,192.168.1.5')") from None
    return tuple(networks)


def _hosting(env: Mapping[str, str]) -> HostingSettings:
    providers = {
        name: HostingProvider(
            name,
            (env.get(url_var, "").strip() or default_url).rstrip("/"),
            env.get(key_var, "").strip(),
        )
        for name, (key_var, url_var, default_url) in HOSTING_PROVIDERS.items()
    }
    show_ids: dict[str, str] = {}
    raw = env.get("PODWH_HOSTING_SHOW_IDS", "").strip()
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        show, sep, host_id = pair.partition("=")
        if not sep or not show.strip() or not host_id.strip():
            raise SettingsError(
                f"PODWH_HOSTING_SHOW_IDS: {pair!r} is not show_id=hosting_show_id "
                f"(expected e.g. 'acme-s006=123456,acme-s012=987654')"
            )
        show_ids[show.strip()] = host_id.strip()
    return HostingSettings(
        providers=providers,
        show_ids=show_ids,
        lookback_days=_nonnegative(env, "PODWH_HOSTING_LOOKBACK_DAYS",
                                   HostingSettings.lookback_days),
        initial_days=_nonnegative(env, "PODWH_HOSTING_INITIAL_DAYS",
                                  HostingSettings.initial_days),
    )


def _share(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not 0 <= share <= 1:
        raise SettingsError(f"{name}={value!r}: expected a share between 0 and 1 (e.g. 0.01)")
    return share


def _nonnegative(env: Mapping[str, str], name: str, default: int, unit: str = "days") -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise SettingsError(f"{name}={value!r}: expected a whole number of {unit} (0 or more)")
    return int(value)


def _retention(env: Mapping[str, str], name: str) -> int | None:
    value = env.get(name, "").strip().lower()
    if value in ("", "off"):
        return None
    if not value.isdigit() or int(value) < 1:
        raise SettingsError(f"{name}={value!r}: expected a whole number of days (1 or more) "
                            "or 'off'")
    return int(value)


def _memory(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value, re.I):
        raise SettingsError(f"{name}={value!r}: expected a size such as 4GB or 512MB")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SettingsError(f"{name}={value!r}: expected a TCP port number (1-65535)")
    return int(value)
