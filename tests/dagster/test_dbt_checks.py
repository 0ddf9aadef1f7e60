"""Check descriptions read from dbt's test nodes, and a failed check's query for its rows."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dagster_project.defs.transform.checks import (
    compiled_test_path,
    describe_test,
    with_failing_rows,
)

UNIQUE = {"name": "unique_dim_shows_show_id", "package_name": "p",
          "original_file_path": "models/marts/_marts__models.yml",
          "path": "unique_dim_shows_show_id.sql", "attached_node": "model.p.dim_shows",
          "test_metadata": {"name": "unique", "kwargs": {"column_name": "show_id"}}}
SINGULAR = {"name": "assert_x", "package_name": "p", "original_file_path": "tests/a/assert_x.sql",
            "path": "a/assert_x.sql", "description": "Credits add up. ", "test_metadata": None}


def test_descriptions_say_what_each_test_checks() -> None:
    assert describe_test(UNIQUE) == "dim_shows.show_id is unique: one row per show_id (the " \
        "model's key)."
    assert describe_test(SINGULAR) == "Credits add up."
    values = {**UNIQUE, "test_metadata": {"name": "accepted_values", "kwargs": {
        "column_name": "position", "values": ["pre", "mid"]}}}
    assert describe_test(values) == "dim_shows.position is one of: pre, mid."
    combo = {**UNIQUE, "test_metadata": {"name": "unique_combination_of_columns", "kwargs": {
        "combination_of_columns": ["a", "b"]}}}
    assert describe_test(combo) == "One row per a x b in dim_shows (its key)."


def test_compiled_paths_follow_dbt(tmp_path: Path) -> None:
    assert compiled_test_path(tmp_path, UNIQUE) == (
        tmp_path / "compiled/p/models/marts/_marts__models.yml/unique_dim_shows_show_id.sql")
    assert compiled_test_path(tmp_path, SINGULAR) == tmp_path / "compiled/p/tests/a/assert_x.sql"


def test_a_failed_check_carries_the_query_for_its_rows(tmp_path: Path) -> None:
    sql = "select show_id, count(*) from marts.dim_shows group by 1 having count(*) > 1"
    path = compiled_test_path(tmp_path, UNIQUE)
    path.parent.mkdir(parents=True)
    path.write_text(sql)
    manifest = {"nodes": {"test.p.unique_dim_shows_show_id": UNIQUE}}
    failed = dg.AssetCheckResult(passed=False, asset_key=dg.AssetKey(["marts", "dim_shows"]),
                                 check_name="unique_dim_shows_show_id",
                                 metadata={"unique_id": "test.p.unique_dim_shows_show_id"})
    result = with_failing_rows(failed, manifest, tmp_path)
    assert sql in result.metadata["failing rows"].value
    assert result.description == describe_test(UNIQUE)
    passed = failed._replace(passed=True)
    assert with_failing_rows(passed, manifest, tmp_path) is passed
