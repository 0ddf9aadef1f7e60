"""The command line reports bad configuration and missing landing data by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.podwh import main


def test_bad_variable_is_named(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    monkeypatch.setenv("PODWH_WAREHOUSE", "oracle")
    assert main(["summary"]) == 2
    assert "PODWH_WAREHOUSE='oracle'" in capsys.readouterr().err


def test_missing_registry_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture):
    monkeypatch.setenv("PODWH_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    (tmp_path / "landing").mkdir()
    assert main(["load", str(tmp_path / "landing")]) == 1
    err = capsys.readouterr().err
    assert f"missing landing file {tmp_path / 'landing' / 'shows' / '*.csv'}" in err


def test_help_shows_every_option_with_its_variable_and_default(
        capsys: pytest.CaptureFixture) -> None:
    from core.settings import DBT_VARS, MODEL_OPTIONS

    for command in ("demo", "run", "transform"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        for option in MODEL_OPTIONS:
            assert option.flag in text and option.env in text, (command, option.name)
            default = DBT_VARS[option.name]
            assert f"default: {default if default != [] else 'none'}" in text
        assert "--full-refresh" in text


def test_synth_help_shows_defaults_and_meanings(capsys: pytest.CaptureFixture) -> None:
    from synth.cli import parse_args

    with pytest.raises(SystemExit):
        parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 14)" in text and "days of traffic" in text
    assert "ground_truth" in text


def test_a_held_warehouse_stops_the_run_with_one_message_that_says_what_to_do(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    import duckdb

    from tests.ingest.test_publish import held_open

    db = tmp_path / "wh.duckdb"
    duckdb.connect(str(db)).close()
    monkeypatch.setenv("PODWH_DUCKDB_PATH", str(db))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    (tmp_path / "landing" / "shows").mkdir(parents=True)
    (tmp_path / "landing" / "shows" / "shows.csv").write_text("show_id,feed_url\ns1,x.xml\n")
    with held_open(db, read_only=False):  # a notebook with the warehouse open
        assert main(["run", str(tmp_path / "landing")]) == 1
    err = capsys.readouterr().err
    assert err.count("open in another process") == 1, err
    assert "more steps" in err and str(tmp_path / "published" / "wh.duckdb") in err


def test_the_summary_names_the_marts_a_run_did_not_build(tmp_path: Path):
    """A source held back by its data contract on a first run leaves marts unbuilt: the
    summary says which instead of failing on a missing table."""
    from cli.summary import MartsMissing, read_summary
    from core.settings import Settings
    from core.warehouse import DuckDBWarehouse

    DuckDBWarehouse(tmp_path / "wh.duckdb").close()
    with pytest.raises(MartsMissing, match=r"not built: .*marts\.fct_campaign_roi"):
        read_summary(Settings(warehouse="duckdb", duckdb_path=tmp_path / "wh.duckdb"))
