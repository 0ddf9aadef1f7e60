"""Privacy on both targets, on a tiny world: the retention purge replaces old raw IPs by
tokens and the marts stay the same after a full refresh (the counts don't depend on the
raw addresses any more); a salt change after a purge stops; a deletion request (podwh
forget-ip) removes a listener from every raw and derived table and from the published copy,
a rerun doesn't bring it back, and every other listener's downloads stay what they were."""

from __future__ import annotations

import csv
import hashlib
import ipaddress
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from cli.pipeline import failures, materialize_all
from cli.podwh import main as podwh_main
from core import privacy
from core.settings import Settings
from core.warehouse import DuckDBWarehouse, Warehouse, connect
from dagster_project.defs.privacy.assets import raw_ip_retention
from dagster_project.defs.transform.assets import dbt_run_config
from dagster_project.resources import resources
from synth import WorldConfig, generate_world
from tests.conftest import fresh_postgres_database
from tests.e2e.conftest import MARTS, _env, mart_frame, materialise

pytestmark = [pytest.mark.slow]  # xdist group: see conftest.py

SALT = "privacy-test-salt-0123456789"
AGED_DAY = "2026-03-01"  # the files of this day were "loaded" 30 days ago
RETENTION_DAYS = "10"
IP_TABLES = {"access_logs": "ip", "ad_deliveries": "ip", "orders": "buyer_ip",
             "pixel_visits": "ip"}


@pytest.fixture(scope="module")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A two-show, four-day world; the listener to forget (an order's buyer who also
    downloads) and another listener, each with a quarantined access-log line."""
    out = tmp_path_factory.mktemp("privacy-world")
    generate_world(out, WorldConfig(seed=5, tenants=1, shows=2, days=4, listeners=150,
                                    ad_response=3.0))
    landing = out / "landing"
    requests = Counter(_listener(json.loads(line)["ip"]) for f in
                       sorted((landing / "access_logs").glob("*.jsonl"))
                       for line in f.read_text().splitlines())
    with (landing / "conversions" / "orders.csv").open() as fh:
        buyers = Counter(_listener(row["buyer_ip"]) for row in csv.DictReader(fh))
    forgotten = max((ip for ip in buyers if requests[ip]), key=lambda ip: requests[ip])
    other = next(ip for ip, _ in requests.most_common() if ip != forgotten)
    # bad lines (no valid time), quarantined with the address in the record: the old
    # file's are redacted by the purge, the new file's one goes with its listener
    for day, ips in ((AGED_DAY, (forgotten, other)), ("2026-03-04", (f"::ffff:{forgotten}",))):
        bad = [{"timestamp": "yesterday", "ip": ip, "method": "GET", "url": "https://x/y.mp3",
                "status": 200, "bytes_sent": 1} for ip in ips]
        (landing / "access_logs" / f"{day}-bad.jsonl").write_text(
            "\n".join(json.dumps(b) for b in bad) + "\n")
    return out, forgotten, other


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def privacy_settings(request: pytest.FixtureRequest, tiny_world: tuple[Path, str, str],
                     tmp_path: Path) -> Iterator[Settings]:
    landing = tiny_world[0] / "landing"
    if request.param == "duckdb":
        yield Settings(warehouse="duckdb", duckdb_path=tmp_path / "wh.duckdb",
                       landing_dir=landing, ip_salt=SALT)
        return
    with fresh_postgres_database() as pg:
        yield Settings(warehouse="postgres", postgres=pg, landing_dir=landing, ip_salt=SALT)


def test_purge_and_forget(privacy_settings: Settings, tiny_world: tuple[Path, str, str]
                          ) -> None:
    settings = privacy_settings
    _, forgotten, other = tiny_world
    materialise(settings)
    before = _marts(settings)
    listener_hash = _hash(forgotten)
    assert (before["fct_downloads"]["listener_ip_hash"] == listener_hash).any()

    # -- the retention purge (the Dagster asset), on the rows loaded 30 days ago
    wh = connect(settings)
    try:
        for table in (*IP_TABLES, "quarantine"):
            stamp = "quarantined_at" if table == "quarantine" else "_loaded_at"
            file = "source_file" if table == "quarantine" else "_source_file"
            everything = table in ("orders", "pixel_visits")
            wh.execute(f"update raw.{table} set {stamp} = {stamp} - interval '30 days' "
                       f"where {file} like '%{AGED_DAY}%' or {everything}")
        aged = {t: _count(wh, f"raw.{t}", f"_source_file like '%{AGED_DAY}%'")
                for t in ("access_logs", "ad_deliveries")}
    finally:
        wh.close()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {**_env(settings), "PODWH_RAW_IP_RETENTION_DAYS": RETENTION_DAYS
                            }.items():
            mp.setenv(name, value)
        result = dg.materialize([raw_ip_retention], resources=resources())
    assert result.success
    purged = result.asset_materializations_for_node(raw_ip_retention.op.name)[0].metadata
    wh = connect(settings)
    try:
        for table, n in aged.items():  # exactly the old rows hold tokens
            assert _count(wh, f"raw.{table}", f"ip like '{privacy.TOKEN}%'") == n > 0
        assert _count(wh, "raw.orders", "buyer_ip not like 'purged:%'") == 0
        records = [r for (r,) in wh.fetchall(
            "select raw_record from raw.quarantine where raw_record like '%yesterday%' "
            f"and source_file like '%{AGED_DAY}%'")]
        assert len(records) == 2 and all("<ip>" in r and other not in r for r in records)
        # a salt change after a purge stops before anything is dropped
        with pytest.raises(privacy.PrivacyError, match="another IP salt"):
            privacy.before_transform(wh, "another-salt-0123456789")
    finally:
        wh.close()
    assert purged["rows_purged"].value > sum(aged.values())  # orders and visits too
    _transform(settings, full_refresh=True)
    after_purge = _marts(settings)
    for mart in MARTS:  # a recount from tokens counts what the addresses counted
        pd.testing.assert_frame_equal(before[mart], after_purge[mart], obj=mart)

    # -- a deletion request, in another spelling of the listener's address
    wh = connect(settings)
    try:
        rows_before = _raw_listener_rows(wh, listener_hash)
        assert sum(rows_before.values()) > 0
        report = privacy.forget_ips(wh, settings, [f"::ffff:{forgotten}"])
        assert {t: report.raw_rows[t] for t in IP_TABLES} == rows_before
        assert report.raw_rows["quarantine"] == 1
        _assert_forgotten(wh, forgotten, listener_hash)
        # the purge's redacted records stay
        assert _count(wh, "raw.quarantine", "raw_record like '%yesterday%'") == 2
    finally:
        wh.close()
    materialise(settings)  # the next run recounts without the listener
    after = _marts(settings)
    wh = connect(settings)
    try:
        _assert_forgotten(wh, forgotten, listener_hash)
        assert _count(wh, "private.ip_deletions", "recounted_at is not null") == 1
    finally:
        wh.close()
    downloads = before["fct_downloads"]
    pd.testing.assert_frame_equal(
        after["fct_downloads"],
        downloads[downloads["listener_ip_hash"] != listener_hash].reset_index(drop=True))
    gone = (downloads["listener_ip_hash"] == listener_hash).sum()
    assert (_total(after, "fct_episode_daily", "downloads")
            == _total(before, "fct_episode_daily", "downloads") - gone)
    if settings.published_path is not None:  # the readers' copy follows the next publish
        published = DuckDBWarehouse(settings.published_path, read_only=True)
        try:
            assert _count(published, "marts.fct_downloads",
                          f"listener_ip_hash = '{listener_hash}'") == 0
            assert _count(published, "marts.fct_downloads") == len(after["fct_downloads"])
        finally:
            published.close()


def test_forget_ip_command_refuses_what_is_no_address(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODWH_DUCKDB_PATH", str(tmp_path / "wh.duckdb"))
    assert podwh_main(["forget-ip", "1.2.3"]) == 2
    assert "is not an IPv4 or IPv6 address" in capsys.readouterr().err


# ---------------------------------------------------------------- an independent oracle

def _listener(spelling: str) -> str:
    """The listener of an address as the standard library reads it: IPv4 (IPv4-mapped
    IPv6 included) whole, other IPv6 its /64 as four hextets."""
    text = re.sub(r"^\[(.*)\](:\d+)?$", r"\1", spelling.strip())
    text = re.sub(r"^(\d{1,3}(\.\d{1,3}){3}):\d+$", r"\1", text).split("%")[0]
    address = ipaddress.ip_address(text)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    return ":".join(f"{int(h, 16):x}" for h in address.exploded.split(":")[:4])


def _hash(listener: str) -> str:
    return hashlib.md5(f"{SALT}|{listener}".encode()).hexdigest()


def _raw_listener_rows(wh: Warehouse, listener_hash: str) -> dict[str, int]:
    """Raw rows of the listener by table: their address read by Python, or their purge
    token's key kept with the listener's hash."""
    purged = {k for (k,) in wh.fetchall("select ip_key from private.purged_ips "
                                        "where listener_ip_hash = ?", [listener_hash])}
    rows = {}
    for table, column in IP_TABLES.items():
        values = [v for (v,) in wh.fetchall(f"select {column} from raw.{table}")
                  if v is not None]
        rows[table] = sum(
            (v[len(privacy.TOKEN):] in purged) if v.startswith(privacy.TOKEN)
            else _hash(_listener(v)) == listener_hash for v in values)
    return rows


def _assert_forgotten(wh: Warehouse, address: str, listener_hash: str) -> None:
    """No raw row of the listener; no text column of any other table holding the address
    or one of the listener's hashes."""
    assert sum(_raw_listener_rows(wh, listener_hash).values()) == 0
    assert _count(wh, "raw.quarantine", f"raw_record like '%{address}%'") == 0
    hashes = ", ".join(f"'{h}'" for h in sorted({listener_hash, _hash(address)}))
    columns = wh.fetchall(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema not in ('raw', 'information_schema', 'pg_catalog') "
        "and data_type in ('VARCHAR', 'text', 'character varying')")
    assert columns
    for schema, table, column in columns:
        quoted = f'"{column}"'
        found = _count(wh, f'"{schema}"."{table}"',
                       f"{quoted} in ({hashes}) or {quoted} like '%{address}%'")
        assert found == 0, f"{schema}.{table}.{column} still holds the listener"


def _count(wh: Warehouse, relation: str, where: str = "true") -> int:
    return int(wh.fetchall(f"select count(*) from {relation} where {where}")[0][0])


def _marts(settings: Settings) -> dict[str, pd.DataFrame]:
    wh = connect(settings)
    try:
        return {m: mart_frame(wh, m) for m in MARTS}
    finally:
        wh.close()


def _total(marts: dict[str, pd.DataFrame], mart: str, column: str) -> int:
    return int(marts[mart][column].astype(int).sum())


def _transform(settings: Settings, full_refresh: bool) -> None:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in _env(settings).items():
            mp.setenv(name, value)
        result = materialize_all(dg.DagsterInstance.ephemeral(), job_name="transform",
                                 run_config=dbt_run_config(full_refresh=full_refresh))
    assert result.success, failures(result)
