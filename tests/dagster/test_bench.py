"""The benchmark's split of dbt node time into listening and sponsorship."""

from dagster_project.bench import node_area

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
