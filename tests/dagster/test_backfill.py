"""Backlog passes: consecutive day ranges bounded by a request budget (worked examples)."""

from __future__ import annotations

import datetime as dt
import json

from dagster_project.backfill import pass_args, plan_passes

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
    args, tests = pass_args(D[0], D[2])
    assert args[:2] == ["run", "--select"]
    # the counting and the ad delivery that reads it, upstream models included
    assert set(args[2].split()) == {"+int_downloads_windowed", "+fct_ad_impressions"}
    assert tests[:2] == ["test", "--select"]
    assert set(tests[2].split()) == {
        "int_requests_filtered", "int_downloads_windowed", "int_inserted_ads_matched",
        "int_download_coverage_merged", "fct_ad_impressions"}
    assert json.loads(args[args.index("--vars") + 1]) == {
        "request_date_from": "2026-03-01", "request_date_to": "2026-03-03"}
