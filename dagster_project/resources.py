"""The resources every definition gets: the warehouse, the counting and attribution options,
and dbt.

Configuration flows one way: PODWH_* environment variables are read by `core.settings`
only (with every default declared once: connection defaults there, the counting and
attribution options' in dbt/dbt_project.yml `vars:`); a resource field that is set
(in `definitions.py`, or per run through run config: `podwh` does this) wins over the
environment; the dbt asset hands the result to dbt as `--vars`, and the connection settings
to the dbt subprocess's environment (profiles.yml reads them), never through os.environ.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import dagster as dg
import dagster_dbt.core.resource as dbt_core_resource
from dagster_dbt import DbtCliInvocation, DbtCliResource, DbtProject
from packaging.version import Version
from pydantic import Field, PrivateAttr

from core.settings import (
    DBT_DIR,
    OPTIONS_BY_NAME,
    ModelOptions,
    PostgresSettings,
    Settings,
    SettingsError,
)
from core.warehouse import Warehouse, connect


def _unset(what: str) -> Any:
    return Field(default=None, description=f"{what} (unset: its PODWH_* variable, else the "
                 "documented default; see the README)")


class WarehouseResource(dg.ConfigurableResource):
    """Where the raw tables and marts live (DuckDB file or Postgres) and where the landing
    files are. Each field left unset comes from its PODWH_* environment variable (read once
    per run by core.settings), else its default."""

    warehouse: str | None = _unset("duckdb or postgres")
    duckdb_path: str | None = _unset("the DuckDB file")
    landing_dir: str | None = _unset("the landing directory for this run, one folder per source")
    published_path: str | None = _unset("the read-only copy of the marts ('off': none)")
    pg_host: str | None = _unset("Postgres host")
    pg_port: int | None = _unset("Postgres port")
    pg_user: str | None = _unset("Postgres user")
    pg_password: str | None = _unset("Postgres password")
    pg_database: str | None = _unset("Postgres database")

    _settings: Settings | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._settings = self._resolve()

    def _resolve(self) -> Settings:
        settings = Settings.from_env()
        pg = settings.postgres
        postgres = PostgresSettings(
            host=self.pg_host or pg.host, port=self.pg_port or pg.port,
            user=self.pg_user or pg.user,
            password=pg.password if self.pg_password is None else self.pg_password,
            database=self.pg_database or pg.database)
        changes: dict[str, Any] = {"postgres": postgres}
        if self.warehouse:
            if self.warehouse not in ("duckdb", "postgres"):
                raise SettingsError(f"warehouse resource: warehouse={self.warehouse!r}: "
                                    "expected 'duckdb' or 'postgres'")
            changes["warehouse"] = self.warehouse
        if self.duckdb_path:
            changes["duckdb_path"] = Path(self.duckdb_path).expanduser().resolve()
        if self.landing_dir:
            changes["landing_dir"] = Path(self.landing_dir).expanduser().resolve()
        if self.published_path:
            changes["published_path_setting"] = ("off" if self.published_path.lower() == "off"
                                                 else Path(self.published_path).resolve())
        return dataclasses.replace(settings, **changes)

    def settings(self) -> Settings:
        """The settings of this run (resolved once, when a run sets the resource up)."""
        return self._settings if self._settings is not None else self._resolve()

    @contextmanager
    def connect(self) -> Iterator[Warehouse]:
        # One connection per step, closed at its end: DuckDB allows one writer process.
        wh = connect(self.settings())
        try:
            yield wh
        finally:
            wh.close()


def _option(name: str) -> Any:
    option = OPTIONS_BY_NAME[name]
    return Field(default=None, description=f"{option.help} (unset: {option.env}, else its "
                 "default in dbt/dbt_project.yml)")


class ModelOptionsResource(dg.ConfigurableResource):
    """The counting and attribution options every dbt invocation receives as `--vars`. Each
    field left unset comes from its PODWH_* variable, else from its declared default in
    dbt/dbt_project.yml. A run's config of the dbt models (DbtBuildConfig) can still set
    them for one run: `podwh` flags and the daily schedule do."""

    download_window_type: str | None = _option("download_window_type")
    abusive_ip_threshold: int | None = _option("abusive_ip_threshold")
    abusive_ip_allowlist: list[str] | None = _option("abusive_ip_allowlist")
    default_header_bytes: int | None = _option("default_header_bytes")
    attribution_half_life_days: float | None = _option("attribution_half_life_days")
    lookback_days: int | None = _option("lookback_days")

    def options(self) -> ModelOptions:
        """The environment's options (core.settings) with this resource's fields on top."""
        return Settings.from_env().options.with_values(
            {name: getattr(self, name) for name in OPTIONS_BY_NAME}, source="resource")


# The environment of the dbt subprocess started inside DbtCli.cli (see _InvocationWithEnv).
_DBT_ENV: ContextVar[Mapping[str, str] | None] = ContextVar("podwh_dbt_env", default=None)


class _InvocationWithEnv(DbtCliInvocation):
    """dagster-dbt 0.29 builds the dbt subprocess's environment from os.environ and offers no
    parameter for more: this adds the variables DbtCli.cli was given, for that one call."""

    @classmethod
    def run(cls, *args: Any, env: dict[str, str], **kwargs: Any) -> DbtCliInvocation:
        return super().run(*args, env={**env, **(_DBT_ENV.get() or {})}, **kwargs)


dbt_core_resource.DbtCliInvocation = _InvocationWithEnv  # type: ignore[misc]


class DbtCli(DbtCliResource):
    """dagster-dbt's resource, plus `env` for the dbt subprocess (the warehouse connection
    profiles.yml reads), without two start-up costs paid on every invocation (~4 s of a
    daily run): it asks `dbt --version` in a subprocess for the version of the dbt-core we
    pin and install beside it, and opens an adapter (loading every macro) that only
    column-metadata and row-count fetches use, which these assets don't."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None

    def cli(self, args: Sequence[str], *, env: Mapping[str, str] | None = None,
            **kwargs: Any) -> DbtCliInvocation:  # type: ignore[override]
        token = _DBT_ENV.set(dict(env or {}))
        try:
            return super().cli(args, **kwargs)
        finally:
            _DBT_ENV.reset(token)


dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
# The dbt next to this interpreter: works without activating the virtualenv.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


def dbt_resource() -> DbtCli:
    return DbtCli(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


def resources() -> dict[str, dg.ConfigurableResource]:
    """The resources of the code location, by key."""
    return {"warehouse": WarehouseResource(), "model_options": ModelOptionsResource(),
            "dbt": dbt_resource()}
