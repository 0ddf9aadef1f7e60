"""Settings read from the environment: the one place the project looks at `os.environ`.

Dagster resources build a `Settings` with `Settings.from_env()` and pass it down; library
code takes it as an argument. dbt reads the same variables through `env_var` in
`dbt/profiles.yml`; `Settings.dbt_env()` hands them over with absolute paths.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
# The copy of the OPAWG user-agents v2 lists beside the clone (../shared), when there is one.
_SHARED_OPAWG_DIR = PROJECT_ROOT.parent / "shared" / "reference" / "opawg-user-agents-v2"
DEFAULT_OPAWG_DIR: Path | None = _SHARED_OPAWG_DIR if _SHARED_OPAWG_DIR.is_dir() else None

WarehouseKind = Literal["duckdb", "postgres"]


class SettingsError(ValueError):
    """An environment variable holds a value the project can't use."""


@dataclass(frozen=True)
class PostgresSettings:
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
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


@dataclass(frozen=True)
class Settings:
    warehouse: WarehouseKind = "duckdb"
    duckdb_path: Path = DEFAULT_DATA_DIR / "warehouse.duckdb"
    landing_dir: Path = DEFAULT_DATA_DIR / "world" / "landing"
    postgres: PostgresSettings = PostgresSettings()
    ip_salt: str = "podwh-demo-salt"
    duckdb_memory_limit: str = "6GB"  # DuckDB spills to disk past it
    # Directory of the OPAWG user-agents v2 lists (bots.json, apps.json, ...); None: not found
    opawg_dir: Path | None = DEFAULT_OPAWG_DIR
    hosting: HostingSettings = HostingSettings()
    # Download counting: request days within this many days of the newest are rebuilt when
    # their raw requests change (older days are closed; see dbt/METHODOLOGY.md)
    lookback_days: int = 3
    # A first build (or a large late load) counts at most about this many raw requests per
    # dbt pass, day by day, so memory and spill stay bounded at any size; 0: one pass
    counting_batch_requests: int = 20_000_000

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
            ip_salt=env.get("PODWH_IP_SALT", cls.ip_salt),
            duckdb_memory_limit=_memory(env, "PODWH_DUCKDB_MEMORY_LIMIT",
                                        cls.duckdb_memory_limit),
            opawg_dir=_optional_path(env, "PODWH_OPAWG_DIR", cls.opawg_dir),
            hosting=_hosting(env),
            lookback_days=_nonnegative(env, "PODWH_LOOKBACK_DAYS", cls.lookback_days),
            counting_batch_requests=_nonnegative(env, "PODWH_COUNTING_BATCH_REQUESTS",
                                                 cls.counting_batch_requests, unit="requests"),
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
            "PODWH_IP_SALT": self.ip_salt,
            "PODWH_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "PODWH_LOOKBACK_DAYS": str(self.lookback_days),
        }

    def describe(self) -> str:
        if self.warehouse == "duckdb":
            return f"DuckDB file {self.duckdb_path}"
        return f"Postgres {self.postgres.describe()}"


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    value = env.get(name, "").strip()
    return Path(value).expanduser().resolve() if value else default


def _optional_path(env: Mapping[str, str], name: str, default: Path | None) -> Path | None:
    value = env.get(name, "").strip()
    return Path(value).expanduser().resolve() if value else default


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


def _nonnegative(env: Mapping[str, str], name: str, default: int, unit: str = "days") -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise SettingsError(f"{name}={value!r}: expected a whole number of {unit} (0 or more)")
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
