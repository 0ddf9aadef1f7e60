"""Backlog passes: consecutive day ranges bounded by a request budget (worked examples);
the counting definition: what changed, and what a recount drops."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from core.backfill import (
    definition_changes,
    definition_values,
    incremental_relations,
    pass_args,
    plan_passes,
)
from core.settings import ModelOptions

D = [dt.date(2026, 3, d) for d in range(1, 8)]


def test_small_backlog_needs_no_pass() -> None:
    assert plan_passes([(D[0], 5), (D[1], 5)], set(), batch_requests=10) == []


def test_days_grouped_up_to_the_budget_in_order() -> None:
    days = [(D[3], 4), (D[0], 4), (D[1], 4), (D[2], 4), (D[4], 4)]  # unordered input
    assert plan_passes(days, set(), batch_requests=8) == [
        (D[0], D[1]), (D[2], D[3]), (D[4], D[4])]


def test_a_day_over_the_budget_gets_its_own_pass() -> None:
    days = [(D[0], 3), (D[1], 20), (D[2], 3)]
    assert plan_passes(days, set(), batch_requests=10) == [
        (D[0], D[0]), (D[1], D[1]), (D[2], D[2])]


def test_built_days_are_skipped() -> None:
    days = [(d, 6) for d in D[:4]]
    assert plan_passes(days, {D[0], D[1]}, batch_requests=6) == [(D[2], D[2]), (D[3], D[3])]
    assert plan_passes(days, set(D[:4]), batch_requests=6) == []


def test_zero_budget_means_one_pass() -> None:
    assert plan_passes([(d, 10**9) for d in D], set(), batch_requests=0) == []


def test_pass_args_bound_the_request_days() -> None:
    args, tests = pass_args(D[0], D[2], {"download_window_type": "calendar"})
    assert args[:2] == ["run", "--select"]
    # the counting and the ad delivery that reads it, upstream models included
    assert set(args[2].split()) == {"+int_downloads_windowed", "+int_ad_impressions_delivered"}
    assert tests[:2] == ["test", "--select"]
    assert set(tests[2].split()) == {
        "int_requests_filtered", "int_downloads_windowed", "int_inserted_ads_matched",
        "int_download_coverage_merged", "int_ad_impressions_delivered"}
    # the run's options reach both commands, with the pass's bounds
    for command in (args, tests):
        assert json.loads(command[command.index("--vars") + 1]) == {
            "download_window_type": "calendar",
            "request_date_from": "2026-03-01", "request_date_to": "2026-03-03"}


RECORDED = [("int_downloads_windowed", "download_window_type", '"first_touch"'),
            ("int_downloads_windowed", "default_header_bytes", "0"),
            ("int_requests_filtered", "abusive_ip_threshold", "1000"),
            ("int_requests_filtered", "abusive_ip_allowlist", "[]"),
            ("int_requests_filtered", "default_tenant_id", '"default"'),
            ("int_requests_filtered", "ip_salt_md5",
             json.dumps(hashlib.md5(b"podwh-demo-salt").hexdigest()))]


def test_the_defaults_match_what_dbt_records_for_them() -> None:
    # the record as counting_definition() writes it, for the default options
    assert definition_changes(RECORDED, definition_values(ModelOptions(), "podwh-demo-salt")) == []


def test_changed_counting_options_are_named_and_the_salt_is_not_shown() -> None:
    options = ModelOptions(download_window_type="calendar", abusive_ip_allowlist=("10.0.0.1",))
    changes = definition_changes(RECORDED, definition_values(options, "another salt"))
    assert changes == ["abusive_ip_allowlist [] -> ['10.0.0.1']",
                       "download_window_type 'first_touch' -> 'calendar'",
                       "the IP salt (PODWH_IP_SALT)"]
    assert not any("another salt" in c for c in changes)
    # options outside the definition (attribution, look-back) never call for a recount
    other = ModelOptions(attribution_half_life_days=3.0, lookback_days=10)
    assert definition_changes(RECORDED, definition_values(other, "podwh-demo-salt")) == []
    # nothing recorded yet (a new warehouse): nothing to compare
    assert definition_changes([], definition_values(options, "x")) == []


def test_a_recount_drops_every_incremental_model_and_its_helpers() -> None:
    manifest = {"nodes": {
        "model.p.a": {"resource_type": "model", "schema": "intermediate", "alias": "a",
                      "config": {"materialized": "incremental"}},
        "model.p.b": {"resource_type": "model", "schema": "marts", "alias": "b",
                      "config": {"materialized": "table"}},
        "test.p.t": {"resource_type": "test", "schema": "x", "alias": "t",
                     "config": {"materialized": "test"}}}}
    assert incremental_relations(manifest) == [
        ("intermediate", "a"), ("private", "a__scope"), ("private", "a__scope_history")]
