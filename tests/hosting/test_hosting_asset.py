"""The Dagster asset: pulls configured shows, skips the rest, feeds raw/hosting_api_downloads."""

from __future__ import annotations

import dagster as dg

from core.contract import table
from core.settings import Settings
from core.warehouse import connect
from dagster_project.defs.hosting.assets import hosting_api_pull, hosting_assets
from dagster_project.defs.ingest.assets import landing_assets, raw_key
from dagster_project.resources import WarehouseResource
from ingest.load.loader import load_table
from tests.hosting import fakehost
from tests.hosting.test_hosting import _shows_csv


def test_raw_hosting_table_depends_on_the_pull():
    defs = dg.Definitions(assets=[*landing_assets, *hosting_assets],
                          resources={"warehouse": WarehouseResource()})
    graph = defs.resolve_asset_graph()
    node = graph.get(raw_key("hosting_api_downloads"))
    assert dg.AssetKey("hosting_api_pull") in node.parent_keys
    assert graph.get(dg.AssetKey("hosting_api_pull")).group_name == "ingest"


def _pull(tmp_path, monkeypatch, host: fakehost.FakeHost, landing, **env: str):
    """Point the settings at a fresh warehouse and the fake Transistor, load the registry
    and materialise the pull asset."""
    for k, v in {"PODWH_WAREHOUSE": "duckdb",
                 "PODWH_DUCKDB_PATH": str(tmp_path / "wh.duckdb"),
                 "PODWH_LANDING_DIR": str(landing),
                 "PODWH_TRANSISTOR_API_KEY": fakehost.TRANSISTOR_KEY,
                 "PODWH_TRANSISTOR_BASE_URL": f"{host.base}/transistor/v1", **env}.items():
        monkeypatch.setenv(k, v)
    wh = connect(Settings.from_env())
    load_table(wh, landing, table("shows"))
    wh.close()
    return dg.materialize([hosting_api_pull], resources={"warehouse": WarehouseResource()})


def test_asset_pulls_configured_shows_and_skips_the_rest(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    _shows_csv(landing, [
        {"tenant_id": "acme", "show_id": "acme-s006", "feed_url": "f.xml",
         "hosting_provider": "transistor"},
        {"tenant_id": "acme", "show_id": "acme-s012", "feed_url": "g.xml",
         "hosting_provider": "spreaker"},
    ])
    monkeypatch.delenv("PODWH_SPREAKER_TOKEN", raising=False)
    with fakehost.serve() as host:
        result = _pull(tmp_path, monkeypatch, host, landing,
                       PODWH_HOSTING_SHOW_IDS="acme-s006=9001,acme-s012=777")
        asked = host.calls("/transistor/v1/analytics/9001/episodes")
    assert result.success
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["shows_pulled"].value == 1 and meta["shows_skipped"].value == 1
    assert len(asked) == 1  # spreaker (no token) was never called
    assert not host.calls("/spreaker")


def test_the_registry_names_the_hosts_show_id(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    _shows_csv(landing, [
        {"tenant_id": "acme", "show_id": "acme-s006", "feed_url": "f.xml",
         "hosting_provider": "transistor", "hosting_show_id": "4242"},
    ])
    monkeypatch.delenv("PODWH_HOSTING_SHOW_IDS", raising=False)
    with fakehost.serve() as host:
        result = _pull(tmp_path, monkeypatch, host, landing)
        asked = host.calls("/transistor/v1/analytics/4242/episodes")
    assert result.success and len(asked) == 1
