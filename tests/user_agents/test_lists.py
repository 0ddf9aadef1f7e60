"""OPAWG lists: the portable-regex translation, reading errors, idempotent loads, a missing
directory as a warning (loader and Dagster asset)."""

from __future__ import annotations

import functools
import http.server
import json
import logging
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import requests

from core.contract import REFERENCE_TABLES
from core.settings import DEFAULT_OPAWG_DIR, Settings
from core.warehouse import connect
from dagster_project.defs.reference.assets import reference_assets
from dagster_project.resources import WarehouseResource
from ingest.user_agents import (
    OTHER_LISTS,
    UA_LISTS,
    OpawgListsError,
    UntranslatablePattern,
    download_lists,
    lists_version,
    load_lists,
    read_lists,
    to_portable,
)

# the copy the product ships (seeds/), as every run loads it by default
OPAWG = DEFAULT_OPAWG_DIR


@pytest.mark.parametrize(("pattern", "portable"), [
    (r"^SoundOn/[\d.]+\s+\(bot", r"^SoundOn/[0-9.]+[\t\n\v\f\r ]+\(bot"),
    (r"Mobile/[\d+\.]+ \w", r"Mobile/[0-9+.]+ [0-9A-Za-z_]"),
    (r"^Mozilla/5.0", r"^Mozilla/5[^\n]0"),
    (r"a\/b\-c\_d\:", "a/b-c_d:"),
    (r"^\(null\) \{x\}", r"^\(null\) \{x\}"),
    (r"x{2,3}y{", r"x{2,3}y\{"),
    (r"[^\w-]", r"[^0-9A-Za-z_\-]"),
    (r"[]a]", r"[\]a]"),
    (r"\x41\u00e9", "Aé"),
    (r"(?<n>ab)(?P<m>c)(?:d)", "(ab)(c)(?:d)"),
    (r"(?i)bot[a-f]x", "[bB][oO][tT][a-fA-F][xX]"),
    (r"[[:alpha:]]", "[A-Za-z]"),
    ("Podcast\u2019ler/", "Podcast\u2019ler/"),
])
def test_to_portable(pattern: str, portable: str) -> None:
    assert to_portable(pattern) == portable


@pytest.mark.parametrize(("pattern", "why"), [
    ("foo(?=bar)", "lookahead"), ("foo(?!bar)", "lookahead"), ("(?<=a)b", "lookbehind"),
    (r"\bbot\b", r"\\b"), (r"(a)\1", r"\\1"), ("a(?i)b", "inline flags"),
    (r"[\D]", "inside brackets"), ("a{300}", "bound"), ("a++", "possessive"),
    ("a)", "not a valid"),
])
def test_untranslatable(pattern: str, why: str) -> None:
    with pytest.raises(UntranslatablePattern, match=why):
        to_portable(pattern)


def test_portable_patterns_match_like_the_originals_on_every_example() -> None:
    """Python's reading of the translation agrees with the original on all examples."""
    lists = read_lists(OPAWG)
    assert lists.untranslatable == []
    rows = [*lists.patterns, *lists.devices, *lists.referrers]
    examples = sorted({x for r in rows for x in _examples(r)})
    for r in rows:
        original, portable = re.compile(r["pattern"]), re.compile(r["pattern_portable"])
        for x in examples:
            assert bool(original.search(x)) == bool(portable.search(x)), (r["name"], x)


def _examples(row: dict) -> list[str]:
    return json.loads(row["examples_json"])


def test_rows_follow_the_match_order() -> None:
    lists = read_lists(OPAWG)
    order = [(r["list_rank"], r["list_name"]) for r in lists.patterns]
    assert order == sorted(order)
    assert {n for _, n in order} == {"bots", "apps", "libraries", "browsers"}
    bots = [r for r in lists.patterns if r["list_name"] == "bots"]
    assert [r["entry_index"] for r in bots] == list(range(len(bots)))
    assert len({r["lists_sha256"] for r in lists.patterns + lists.devices}) == 1


def test_bad_directories_name_the_directory_and_variable(tmp_path: Path) -> None:
    with pytest.raises(OpawgListsError, match=r"nope.*PODWH_OPAWG_DIR"):
        read_lists(tmp_path / "nope")
    with pytest.raises(OpawgListsError, match="PODWH_OPAWG_DIR is not set"):
        read_lists(None)
    lists = tmp_path / "lists"
    shutil.copytree(OPAWG, lists)
    (lists / "devices.json").unlink()
    with pytest.raises(OpawgListsError, match=r"lists.*PODWH_OPAWG_DIR.*missing devices\.json"):
        read_lists(lists)
    shutil.copy(OPAWG / "devices.json", lists)
    (lists / "apps.json").write_text("{not json")
    with pytest.raises(OpawgListsError, match=r"apps\.json.*PODWH_OPAWG_DIR.*can't be read"):
        read_lists(lists)
    (lists / "apps.json").write_text('{"entries": [{"name": "x"}]}')
    with pytest.raises(OpawgListsError, match="#0 lacks a name or pattern"):
        read_lists(lists)


def _snapshot(settings: Settings) -> dict[str, list[tuple]]:
    wh = connect(settings)
    try:
        return {t.name: sorted(wh.fetchall(f'select * from raw."{t.name}"'), key=repr)
                for t in REFERENCE_TABLES}
    finally:
        wh.close()


def test_loading_twice_changes_nothing_and_a_changed_file_replaces_the_set(
    settings: Settings, tmp_path: Path
) -> None:
    lists = tmp_path / "lists"
    shutil.copytree(OPAWG, lists)
    wh = connect(settings)
    try:
        first = load_lists(wh, lists)
    finally:
        wh.close()
    assert first.status == "loaded" and first.warnings == []
    before = _snapshot(settings)
    assert len(before["opawg_patterns"]) == first.rows["opawg_patterns"] > 900

    wh = connect(settings)
    try:
        again = load_lists(wh, lists)
    finally:
        wh.close()
    assert again.status == "unchanged" and again.version == first.version
    assert _snapshot(settings) == before

    browsers = (lists / "browsers.json").read_text()
    (lists / "browsers.json").write_text(browsers.replace('"Brave"', '"Brave Browser"', 1))
    wh = connect(settings)
    try:
        changed = load_lists(wh, lists)
        names = wh.fetchall("select distinct lists_sha256 from raw.opawg_devices")
        brave = wh.fetchall("select name from raw.opawg_patterns "
                            "where list_name = 'browsers' and entry_index = 0")
    finally:
        wh.close()
    assert changed.status == "loaded" and changed.version != first.version
    assert names == [(changed.version,)] and brave == [("Brave Browser",)]
    assert {k: len(v) for k, v in _snapshot(settings).items()} == {
        k: len(v) for k, v in before.items()}


def test_missing_directory_is_a_warning(settings: Settings, tmp_path: Path) -> None:
    wh = connect(settings)
    try:
        report = load_lists(wh, tmp_path / "nope")
        assert report.status == "missing"
        assert "nope" in report.warnings[0] and "PODWH_OPAWG_DIR" in report.warnings[0]
        assert "generic" in report.warnings[0]
        assert wh.fetchall("select count(*) from raw.opawg_patterns") == [(0,)]
        # lists loaded earlier are kept when the directory goes missing
        load_lists(wh, OPAWG)
        kept = load_lists(wh, None)
        assert kept.status == "missing" and "keeping the" in kept.warnings[0]
        assert wh.fetchall("select count(*) from raw.opawg_patterns")[0][0] > 900
    finally:
        wh.close()


def test_asset_warns_and_succeeds_without_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODWH_WAREHOUSE", "duckdb")
    monkeypatch.setenv("PODWH_DUCKDB_PATH", str(tmp_path / "wh.duckdb"))
    monkeypatch.setenv("PODWH_OPAWG_DIR", str(tmp_path / "nope"))
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(reference_assets, resources={"warehouse": WarehouseResource()},
                            instance=instance)
    assert result.success
    warnings = [r.user_message for r in instance.all_logs(result.run_id)
                if r.level == logging.WARNING]
    assert len(warnings) == 1 and "nope" in warnings[0] and "PODWH_OPAWG_DIR" in warnings[0]
    metadata = {e.asset_key.path[-1]: e.materialization.metadata["status"].value
                for e in result.get_asset_materialization_events()}
    assert metadata == {t.name: "missing" for t in REFERENCE_TABLES}


def test_the_product_ships_upstreams_lists_with_licence_and_version() -> None:
    """The copy in seeds/ is byte for byte the OPAWG lists (the spec's reference copy, a test
    fixture), with the MIT licence and the version its README states."""
    from tests.conftest import SHARED

    reference = SHARED / "reference" / "opawg-user-agents-v2"
    for name in (*[f"{n}.json" for n in (*UA_LISTS, *OTHER_LISTS)], "LICENSE"):
        assert (OPAWG / name).read_bytes() == (reference / name).read_bytes(), name
    assert "MIT License" in (OPAWG / "LICENSE").read_text()
    assert lists_version(OPAWG) in (OPAWG / "README.md").read_text()


def test_settings_default_to_the_shipped_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PODWH_OPAWG_DIR", raising=False)
    assert Settings.from_env().opawg_dir == OPAWG
    assert OPAWG.is_relative_to(Path(__file__).resolve().parents[2])


@pytest.fixture
def lists_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server serving a copy of the lists: (base URL, served folder)."""
    served = tmp_path / "served"
    shutil.copytree(OPAWG, served)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{server.server_address[1]}", served
        server.shutdown()


def test_download_replaces_the_lists_only_with_good_ones(
    lists_server: tuple[str, Path], tmp_path: Path
) -> None:
    url, served = lists_server
    dest = tmp_path / "reference" / "opawg"
    assert download_lists(url, dest) == dest
    assert lists_version(dest) == lists_version(OPAWG)
    (served / "apps.json").write_text('{"entries": [{"name": "x"}]}')  # broken upstream
    with pytest.raises(OpawgListsError, match="lacks a name or pattern"):
        download_lists(url, dest)
    (served / "devices.json").unlink()
    with pytest.raises(requests.HTTPError, match="404"):
        download_lists(url, dest)
    assert lists_version(dest) == lists_version(OPAWG)  # the last good download stays
    assert sorted(p.name for p in dest.parent.iterdir()) == ["opawg"]  # nothing left behind


def test_asset_refreshes_from_a_url_and_falls_back_with_a_warning(
    lists_server: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, served = lists_server
    monkeypatch.setenv("PODWH_WAREHOUSE", "duckdb")
    monkeypatch.setenv("PODWH_DUCKDB_PATH", str(tmp_path / "wh.duckdb"))
    browsers = (served / "browsers.json").read_text()
    (served / "browsers.json").write_text(browsers.replace('"Brave"', '"Brave (fresh)"', 1))

    def materialize(config: dict) -> tuple[dg.ExecuteInProcessResult, list[str], list]:
        instance = dg.DagsterInstance.ephemeral()
        result = dg.materialize(reference_assets, resources={"warehouse": WarehouseResource()},
                                instance=instance, run_config={"ops": {"opawg_lists": {
                                    "config": config}}})
        warnings = [r.user_message for r in instance.all_logs(result.run_id)
                    if r.level == logging.WARNING]
        wh = connect(Settings.from_env())
        try:
            brave = wh.fetchall("select name from raw.opawg_patterns "
                                "where list_name = 'browsers' and entry_index = 0")
        finally:
            wh.close()
        return result, warnings, brave

    result, warnings, brave = materialize({"url": url})
    assert result.success and warnings == [] and brave == [("Brave (fresh)",)]
    (served / "bots.json").unlink()  # upstream breaks: the last good download is loaded
    result, warnings, brave = materialize({"url": url})
    assert result.success and brave == [("Brave (fresh)",)]
    assert len(warnings) == 1 and url in warnings[0] and "404" in warnings[0]
    # without a URL (and PODWH_OPAWG_URL unset) the shipped copy is loaded again
    monkeypatch.delenv("PODWH_OPAWG_URL", raising=False)
    result, warnings, brave = materialize({})
    assert result.success and brave == [("Brave",)]
