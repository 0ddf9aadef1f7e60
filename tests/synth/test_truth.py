"""Ground truth vs a tiny brute-force pure-Python recount from the files as written."""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import gzip
import ipaddress
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import feedparser
import pandas as pd
import pyarrow.parquet as pq
import pytest

PREFIXES = ("dts.podtrac.com/redirect.mp3/", "op3.dev/e/", "pdst.fm/e/")
BOT_RE = re.compile("bot|crawler|spider", re.I)


def norm(url: str) -> str:
    u = url.split("?", 1)[0].split("://", 1)[-1]
    while True:
        for p in PREFIXES:
            if u.startswith(p):
                u = u[len(p):]
                break
        else:
            if u.startswith("chtbl.com/track/"):
                u = u[len("chtbl.com/track/"):].split("/", 1)[1]
                continue
            return u


def duration(s: str | None) -> int | None:
    if not s:
        return None
    sec = 0
    for part in s.split(":"):
        sec = sec * 60 + int(part)
    return sec


def load_requests(world: Path) -> list[dict]:
    rows = []
    for p in sorted((world / "landing" / "access_logs").iterdir()):
        if p.name.endswith(".parquet"):
            rows += pq.read_table(p).to_pylist()
        else:
            with (gzip.open if p.name.endswith(".gz") else open)(p, "rt") as f:
                rows += [json.loads(line) for line in f]
    return rows


def load_episodes(world: Path, default_header: int) -> dict[str, dict]:
    shows = pd.read_csv(world / "landing" / "shows" / "shows.csv", keep_default_na=False)
    eps = {}
    for s in shows.itertuples():
        hb = int(s.header_bytes) if s.header_bytes != "" else default_header
        for e in feedparser.parse(str(world / "landing" / s.feed_url)).entries:
            href = e.enclosures[0].href
            length = e.enclosures[0].get("length")
            eps[norm(href)] = {"show": s.show_id, "guid": e.get("id") or href,
                               "length": int(length) if length else None,
                               "duration": duration(e.get("itunes_duration")), "hb": hb}
    return eps


def reason(r: dict, eps: dict) -> str:
    ua = r["user_agent"]
    if r["method"] != "GET":
        return "method_not_get"
    if r["status"] == 304:
        return "status_304"
    if r["status"] not in (200, 206, 0):
        return "status_not_counted"
    if r["range"] == "bytes=0-1":
        return "range_0_1"
    if ua == "":
        return "empty_user_agent"
    if (ua.startswith("atc/") and "watchOS" in ua) or "(null)/(null) watchOS" in ua:
        return "apple_watch_duplicate"
    if BOT_RE.search(ua) or ua.startswith("AIS VirtualListener"):
        return "bot"
    if norm(r["url"]) not in eps:
        return "unmatched_url"
    return ""


def ip_unit(ip: str) -> str:
    """The listener part of an IP: IPv4 whole, IPv6 its /64 (also the abusive-IP cap's); an
    IPv4-mapped IPv6 is its IPv4."""
    a = ipaddress.ip_address(ip)
    a = getattr(a, "ipv4_mapped", None) or a
    return str(ipaddress.ip_network(f"{a}/64", strict=False)) if a.version == 6 else str(a)


def listener_key(ip: str, ua: str) -> str:
    return f"{ip_unit(ip)}|{ua}"


@pytest.fixture(scope="module")
def recount(small_world: Path) -> dict:
    w = json.loads((small_world / "world.json").read_text())
    c = w["counting"]
    eps = load_episodes(small_world, c["default_header_bytes"])
    reqs = load_requests(small_world)
    for r in reqs:
        r["t"] = int(dt.datetime.fromisoformat(r["timestamp"]).timestamp())
        r["reason"] = reason(r, eps)
    per_ip_day = Counter((ip_unit(r["ip"]), r["t"] // 86400) for r in reqs if not r["reason"])
    for r in reqs:
        if not r["reason"]:
            heavy = per_ip_day[(ip_unit(r["ip"]), r["t"] // 86400)] > c["abusive_ip_threshold"]
            r["reason"] = "abusive_ip" if heavy else "counted_candidate"
    size = {}
    for k, e in eps.items():
        full = [r["bytes_sent"] for r in reqs if r["status"] == 200 and norm(r["url"]) == k]
        size[k] = e["length"] if e["length"] else max(full, default=0)
    groups = defaultdict(list)
    for r in reqs:
        if r["reason"] != "counted_candidate":
            continue
        k = norm(r["url"])
        rng = r["range"]
        if r["status"] == 200 or not rng:
            start = 0
        elif rng.startswith("bytes=-"):
            start = size[k] - int(rng[7:])
        else:
            start = int(rng[6:].split("-")[0])
        groups[(listener_key(r["ip"], r["user_agent"]), k)].append(
            (r["t"], start, start + r["bytes_sent"]))
    return {"reqs": reqs, "eps": eps, "size": size, "groups": groups, "world": w}


def windows(reqs: list[tuple[int, int, int]], wtype: str) -> list[list[tuple[int, int, int]]]:
    out: list[list[tuple[int, int, int]]] = []
    opened = last = None
    for r in sorted(reqs):
        t = r[0]
        if wtype == "calendar":
            new = opened is None or t // 86400 != opened // 86400
        elif wtype == "first_touch":
            new = opened is None or t >= opened + 86400
        else:
            new = last is None or t - last >= 86400
        if new:
            out.append([])
            opened = t
        out[-1].append(r)
        last = t
    return out


def union(iv: list[tuple[int, int, int]]) -> int:
    total, cur_s, cur_e = 0, None, None
    for _, s, e in sorted(iv, key=lambda x: (x[1], x[2])):
        if cur_e is None or s > cur_e:
            total += 0 if cur_e is None else cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    return total + (0 if cur_e is None else cur_e - cur_s)


def test_exclusion_counts_match(recount: dict, small_world: Path) -> None:
    truth = pd.read_csv(small_world / "ground_truth" / "request_exclusions.csv")
    brute = Counter(r["reason"] for r in recount["reqs"])
    assert dict(zip(truth["reason"], truth["requests"], strict=True)) == {
        k: brute.get(k, 0) for k in truth["reason"]}
    assert truth["requests"].sum() == len(recount["reqs"])
    assert all(brute[k] > 0 for k in truth["reason"]), brute


def download_cells(recount: dict, wtype: str) -> dict[tuple[str, str, str], list[str]]:
    """(show, guid, day) -> the listener key of every counted download."""
    eps, size = recount["eps"], recount["size"]
    cells: dict[tuple[str, str, str], list] = defaultdict(list)
    for (key, k), reqs in recount["groups"].items():
        e = eps[k]
        L, D = e["length"], e["duration"]
        if L is None or D is None or D < 60:
            need = size[k]
        else:
            need = e["hb"] + math.ceil(60 * (L - e["hb"]) / D)
        for win in windows(reqs, wtype):
            if union(win) >= need:
                day = dt.datetime.fromtimestamp(win[0][0], dt.UTC).date().isoformat()
                cells[(e["show"], e["guid"], day)].append(key)
    return cells


@pytest.mark.parametrize("wtype", ["calendar", "first_touch", "last_touch"])
def test_downloads_match_brute_force(recount: dict, small_world: Path, wtype: str) -> None:
    cells = download_cells(recount, wtype)
    brute = {c: (len(v), len(set(v))) for c, v in cells.items()}
    gt = pd.read_csv(small_world / "ground_truth" / "downloads_daily.csv")
    gt = gt[gt["window_type"] == wtype]
    truth = {(r.show_id, r.episode_guid, r.download_date): (r.downloads, r.listeners)
             for r in gt.itertuples()}
    assert truth == brute
    assert sum(v[0] for v in brute.values()) > 1000


def country_lookup(path: Path) -> Callable[[str], str]:
    """IP -> country code by the reference file ('' when no range covers it)."""
    with path.open(newline="") as f:
        spans = [(ipaddress.ip_address(r["ip_start"]), ipaddress.ip_address(r["ip_end"]),
                  r["country_code"]) for r in csv.DictReader(f)]
    spans.sort(key=lambda s: (s[0].version, int(s[0])))
    starts = [(a.version, int(a)) for a, _, _ in spans]

    def country(ip: str) -> str:
        a = ipaddress.ip_address(ip)
        a = getattr(a, "ipv4_mapped", None) or a
        i = bisect.bisect_right(starts, (a.version, int(a))) - 1
        hit = i >= 0 and spans[i][0].version == a.version and a <= spans[i][1]
        return spans[i][2] if hit else ""

    return country


def test_downloads_by_country_match_brute_force(recount: dict, small_world: Path) -> None:
    """Every exact IP a listener key used is looked up in the reference file as written."""
    country = country_lookup(small_world / "landing" / "geo" / "ip_countries.csv")
    of_key: dict[str, set[str]] = defaultdict(set)
    for r in recount["reqs"]:
        if r["reason"] == "counted_candidate":
            of_key[listener_key(r["ip"], r["user_agent"])].add(country(r["ip"]))
    assert all(len(c) == 1 for c in of_key.values())  # privacy addresses included
    by_country: dict[tuple[str, str, str, str], list] = defaultdict(list)
    for (show, guid, day), keys in download_cells(recount, "first_touch").items():
        for key in keys:
            by_country[(show, guid, day, *of_key[key])].append(key)
    brute = {c: (len(v), len(set(v))) for c, v in by_country.items()}
    gt = pd.read_csv(small_world / "ground_truth" / "downloads_daily_country.csv",
                     keep_default_na=False)
    gt = gt[gt["window_type"] == "first_touch"]
    truth = {(r.show_id, r.episode_guid, r.download_date, r.country_code):
             (r.downloads, r.listeners) for r in gt.itertuples()}
    assert truth == brute
    assert {c[3] for c in brute} >= {"", "US", "GB"}  # unknown countries too


def test_window_types_order(small_world: Path) -> None:
    gt = pd.read_csv(small_world / "ground_truth" / "downloads_daily.csv")
    tot = gt.groupby("window_type")["downloads"].sum()
    assert tot["calendar"] >= tot["first_touch"] >= tot["last_touch"] > 0
    assert (gt["downloads"] >= gt["listeners"]).all()


def test_ad_truth_within_deliveries(small_world: Path) -> None:
    dl = pd.concat(
        [pd.read_json(p, lines=True) if p.suffix == ".jsonl" else pd.read_parquet(p)
         for p in (small_world / "landing" / "ad_delivery").iterdir()])
    imp = pd.read_csv(small_world / "ground_truth" / "ad_impressions_daily.csv")
    ins = imp[imp["ad_type"] == "dynamic"].groupby("line_item_id")["delivered"].sum()
    rows = dl.groupby("line_item_id").size()
    assert len(ins) and (ins <= rows.reindex(ins.index)).all()
    assert ins.sum() < len(dl)  # bots, watches, short sessions are not delivered
    assert (imp["ad_type"] == "baked").any()
    assert (dl["byte_end"] > dl["byte_start"]).all()


def test_ipv6_spellings_collapse_to_one_key(recount: dict) -> None:
    by_key = defaultdict(set)
    for r in recount["reqs"]:
        if ":" in r["ip"]:
            by_key[listener_key(r["ip"], r["user_agent"])].add(r["ip"])
    assert any(len(v) > 1 for v in by_key.values())
    assert any(":0000:" in ip or re.search(r":0[0-9a-f]{3}", ip) for v in by_key.values()
               for ip in v)


def test_anomalies_visible(small_world: Path, recount: dict) -> None:
    an = pd.read_csv(small_world / "ground_truth" / "anomalies.csv")
    out = an[an["metric"] == "access_log_rows"].iloc[0]
    day = dt.date.fromisoformat(out["date"])
    assert not any(recount["eps"].get(norm(r["url"]), {}).get("show") == out["entity_id"]
                   and dt.datetime.fromtimestamp(r["t"], dt.UTC).date() == day
                   for r in recount["reqs"])
    assert {"downloads", "conversions", "access_log_rows"} <= set(an["metric"])
    inc = pd.read_csv(small_world / "ground_truth" / "campaign_incrementality.csv")
    assert (inc["exposed_households"] > 0).all()
    assert inc["true_incremental_conversions"].sum() > 0


def test_a_households_rotating_ipv6_addresses_are_one_ip_for_the_abusive_cap(
        recount: dict) -> None:
    """The world has an IPv6 /64 over the threshold on a day while each of its addresses
    stays under it: the ground truth (checked against this recount above) excludes them."""
    threshold = recount["world"]["counting"]["abusive_ip_threshold"]
    remaining = [r for r in recount["reqs"]
                 if r["reason"] in ("abusive_ip", "counted_candidate")]
    per_address = Counter((ipaddress.ip_address(r["ip"]), r["t"] // 86400) for r in remaining)
    rotating = [r for r in remaining if ip_unit(r["ip"]).endswith("/64")
                and r["reason"] == "abusive_ip"]
    assert rotating
    assert max(per_address[(ipaddress.ip_address(r["ip"]), r["t"] // 86400)]
               for r in rotating) <= threshold
    assert len({ipaddress.ip_address(r["ip"]) for r in rotating}) > 1


def test_some_ipv4_clients_are_logged_as_ipv4_mapped_ipv6(recount: dict) -> None:
    mapped = [r["ip"] for r in recount["reqs"] if "ffff:" in r["ip"].lower()]
    assert any("." in ip for ip in mapped) and any("." not in ip for ip in mapped)
    assert any(ip.startswith("0:0:0:0:0:FFFF:") for ip in mapped)
    assert all(ipaddress.ip_address(ip).ipv4_mapped for ip in mapped)
