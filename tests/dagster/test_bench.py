"""The benchmark's split of dbt node time into listening and sponsorship."""

import pytest

from cli.bench import FullBuild, Stage, node_area

NODES = {
    "model.p.fct_episode_daily": {
        "resource_type": "model",
        "original_file_path": "models/marts/audience/fct_episode_daily.sql"},
    "model.p.fct_ad_impressions": {
        "resource_type": "model",
        "original_file_path": "models/marts/sponsorship/fct_ad_impressions.sql"},
    "model.p.dim_episodes": {
        "resource_type": "model", "original_file_path": "models/marts/dim_episodes.sql"},
    "test.p.unique_daily": {
        "resource_type": "test", "depends_on": {"nodes": ["model.p.fct_episode_daily"]}},
    "test.p.ads_within_downloads": {
        "resource_type": "test",
        "depends_on": {"nodes": ["model.p.dim_episodes", "model.p.fct_ad_impressions"]}},
}


def test_models_by_folder_and_tests_by_what_they_read() -> None:
    assert node_area("model.p.fct_episode_daily", NODES) == "listening"
    assert node_area("model.p.dim_episodes", NODES) == "listening"
    assert node_area("model.p.fct_ad_impressions", NODES) == "sponsorship"
    assert node_area("test.p.unique_daily", NODES) == "listening"
    # a test reading any sponsorship model is the sponsorship side's cost
    assert node_area("test.p.ads_within_downloads", NODES) == "sponsorship"


def test_a_kept_full_build_comes_back_as_it_was(tmp_path) -> None:
    db = tmp_path / "warehouse.duckdb"
    db.write_bytes(b"after the full build")
    load = Stage("load (raw)", 12.5, 900.0, 1000, started=1.0)
    build = Stage("dbt build (full)", 100.0, 2000.0, 990, started=2.0)
    kept = FullBuild(tmp_path / "after-full-build")
    kept.keep(db, load, build, ("profile text", {"listening": 60.0, "sponsorship": 30.0}))
    db.write_bytes(b"after the daily run")
    assert kept.restore(db) == (load, build,
                                ("profile text", {"listening": 60.0, "sponsorship": 30.0}))
    assert db.read_bytes() == b"after the full build"


def test_no_kept_full_build_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(SystemExit, match="run the benchmark once without it"):
        FullBuild(tmp_path / "missing").restore(tmp_path / "warehouse.duckdb")
