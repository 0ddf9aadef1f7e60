"""The IP -> country reference and the downloads-by-country ground truth."""

from __future__ import annotations

import csv
import ipaddress
import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synth import geo
from synth.listeners import V4_HOMES, ipv6_strings, prefix64

CELL = ["window_type", "show_id", "episode_guid", "download_date"]


def _reference(world: Path) -> list[dict]:
    with (world / "landing" / "geo" / "ip_countries.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def _country_truth(world: Path) -> pd.DataFrame:
    return pd.read_csv(world / "ground_truth" / "downloads_daily_country.csv",
                       keep_default_na=False, dtype={"country_code": str})


def test_reference_ranges_are_ordered_disjoint_and_of_one_family(small_world: Path) -> None:
    rows = _reference(small_world)
    spans = [(ipaddress.ip_address(r["ip_start"]), ipaddress.ip_address(r["ip_end"]))
             for r in rows]
    assert all(a.version == b.version and a <= b for a, b in spans)
    keys = [(a.version, int(a), int(b)) for a, b in spans]
    assert keys == sorted(keys)
    assert all(x[0] != y[0] or x[2] < y[1] for x, y in itertools.pairwise(keys))
    assert {r["country_code"] for r in rows} <= set(geo.COUNTRY_SHARES)
    # the household /4 minus one /10 is covered: 1/64 of its addresses have no country
    homes = ipaddress.ip_network((V4_HOMES[0], 32 - V4_HOMES[1]))
    covered = sum(b - a + 1 for v, a, b in keys
                  if v == 4 and ipaddress.ip_address(a) in homes)
    assert covered == homes.num_addresses * 63 // 64
    assert {ipaddress.ip_address(a).version for _, a, _ in keys} == {4, 6}


def test_country_split_adds_up_to_downloads_daily(small_world: Path) -> None:
    total = pd.read_csv(small_world / "ground_truth" / "downloads_daily.csv")
    split = _country_truth(small_world)
    summed = split.groupby(CELL, as_index=False)[["downloads", "listeners"]].sum()
    both = total.merge(summed, on=CELL, how="outer", suffixes=("", "_split"))
    # one listener key has one country, so even listeners (distinct keys) add up
    assert (both["downloads"] == both["downloads_split"]).all()
    assert (both["listeners"] == both["listeners_split"]).all()
    assert not split.duplicated([*CELL, "country_code"]).any()
    world = json.loads((small_world / "world.json").read_text())
    assert world["files"]["geo/ip_countries.csv"] == len(_reference(small_world))


def test_country_shares_as_designed(small_world: Path) -> None:
    split = _country_truth(small_world)
    known = set(split["country_code"]) - {""}
    assert known <= {r["country_code"] for r in _reference(small_world)}
    ft = split[split["window_type"] == "first_touch"]
    share = ft.groupby("country_code")["downloads"].sum() / ft["downloads"].sum()
    # IPv4 households (~75%) in the uncovered 1/64 of their space: ~1.2%
    assert 0.004 < share.get("", 0) < 0.03
    for code, designed in geo.COUNTRY_SHARES.items():
        assert share.get(code, 0) == pytest.approx(designed * (1 - share[""]), abs=0.02), code
    assert share.idxmax() == "US" and len(known) >= 20


def test_lookup_bounds_and_gaps() -> None:
    r = geo.IpRanges(v6=np.array([False, False, True]),
                     start=np.array([10, 20, 10], dtype=np.uint64),
                     end=np.array([14, 29, 14], dtype=np.uint64),
                     country=np.array([3, 5, 7]))
    addr = np.array([9, 10, 14, 15, 20, 29, 30, 12], dtype=np.uint64)
    v6 = np.array([False] * 7 + [True])
    assert geo.countries_of(r, v6, addr).tolist() == [-1, 3, 3, -1, 5, 5, -1, 7]


def test_ipv6_bounds_render_the_first_64_bits() -> None:
    ranges = geo.ip_ranges(1)
    frame = geo.reference_frame(ranges)
    v6 = frame[ranges.v6]
    first = ipaddress.ip_address(v6["ip_start"].iloc[0])
    assert int(first) >> 64 == int(ranges.start[ranges.v6][0])
    assert int(ipaddress.ip_address(v6["ip_end"].iloc[0])) & ((1 << 64) - 1) == (1 << 64) - 1
    g = np.array([[0x2600, 0x1700, 0x12, 0x3456, 0, 0, 0, 0]])
    text = ipv6_strings(g, np.zeros(1, dtype=np.int64))[0].as_py()
    assert int(ipaddress.ip_address(text)) >> 64 == int(prefix64(g[:, :4])[0])
