"""A dbt-duckdb plugin (dbt/profiles.yml) that puts the IP salt into every DuckDB session
dbt opens, as the variable `podwh_ip_salt`, bound as a parameter: the models read it with
getvariable() (macros/ips/ip_hashing.sql), so the salt never appears in SQL text, compiled
files, the manifest or dbt's logs. On Postgres the same value reaches the session as the
setting podwh.ip_salt through libpq's PGOPTIONS (Settings.dbt_env)."""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from core.settings import ip_salt_from_env

SALT_VARIABLE = "podwh_ip_salt"


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._salt = ip_salt_from_env()

    def configure_connection(self, conn: Any) -> None:
        conn.execute(f"set variable {SALT_VARIABLE} = ?", [self._salt])

    def configure_cursor(self, cursor: Any) -> None:
        # each cursor is a session of its own: variables don't carry over
        cursor.execute(f"set variable {SALT_VARIABLE} = ?", [self._salt])
