"""Listener countries: an IP -> country reference file and each household's country.

The reference has the layout of DB-IP's free "IP to Country Lite" CSV (inclusive ranges,
IPv4 then IPv6, adjacent ranges of one country merged) over exactly the address space the
world's listeners use (see listeners.py): 64.0.0.0/4 for households' IPv4 addresses, split
into /18 blocks; the cloud 34.0.0.0/8 of bots and abusers, one US range; and the four IPv6
/32 blocks, split into /40s. Blocks are dealt to countries in proportion to
COUNTRY_SHARES and shuffled, so a country is many scattered ranges, as in real allocations.
A household's country is the range its address (IPv4) or /64 (IPv6) falls in: every IP
variant of a household, privacy addresses included, has the same country.

One /10 of the household space is left out of the file, so ~1% of households (IPv4 ones
only) have no country: "unknown", as for addresses a real reference lacks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synth.listeners import (
    V4_CLOUD,
    V4_HOMES,
    V6_BLOCKS,
    ipv4_strings,
    ipv6_strings,
)
from synth.rng import stream

# Share of an English-language network's downloads by listener country, after Libsyn's
# network-wide download stats (Rob Walch, "The Feed", June and September 2019, reported by
# Inside Radio and Podcast Business Journal): US 63.4-63.7%, Canada 5.2-5.4%, UK 5.2-5.3%,
# Australia 3.5-3.7%, Sweden 2.6-2.8%, Germany 2.2%, France 1.9%, Brazil 1.1%, Japan 1.1%.
# US is rounded down to 60% for growth abroad since; India (2.5%), Ireland, the
# Netherlands and the tail of smaller markets are assumptions that fill the rest.
COUNTRY_SHARES: dict[str, float] = {
    "US": 0.600, "GB": 0.065, "CA": 0.055, "AU": 0.040, "DE": 0.025, "IN": 0.025,
    "SE": 0.020, "FR": 0.015, "IE": 0.015, "NL": 0.015, "NZ": 0.010, "BR": 0.010,
    "MX": 0.010, "ZA": 0.010, "ES": 0.010, "JP": 0.010, "PH": 0.010, "SG": 0.010,
    "IT": 0.010, "NO": 0.008, "DK": 0.008, "CH": 0.007, "BE": 0.006, "PL": 0.006,
}
COUNTRIES = np.array(sorted(COUNTRY_SHARES))  # a country's index is its position here
UNKNOWN = -1
V4_BLOCK = 18  # prefix length of a household IPv4 block: 16384 /18s in the /4
V4_UNCOVERED = (16128, 16384)  # blocks left out: 79.192.0.0/10, 1/64 of the /4
V6_BLOCK = 40  # prefix length of an IPv6 block: 256 /40s per /32
CLOUD_COUNTRY = "US"


@dataclass(frozen=True)
class IpRanges:
    """Inclusive ranges sorted by address, IPv4 then IPv6. An IPv6 bound is its first
    64 bits: every range is /40-aligned, so the /64 decides."""

    v6: np.ndarray  # bool
    start: np.ndarray  # uint64
    end: np.ndarray  # uint64, inclusive
    country: np.ndarray  # index into COUNTRIES


def _deal(rng: np.random.Generator, n_blocks: int) -> np.ndarray:
    """Countries for n blocks, shuffled: quotas by largest remainder, so each country's
    share of the blocks is its share to within one block."""
    shares = np.array([COUNTRY_SHARES[c] for c in COUNTRIES])
    exact = n_blocks * shares / shares.sum()
    quota = np.floor(exact).astype(np.int64)
    quota[np.argsort(quota - exact)[: n_blocks - quota.sum()]] += 1
    return rng.permutation(np.repeat(np.arange(len(COUNTRIES)), quota))


def _merge(base: int, size: int, labels: np.ndarray) -> tuple[np.ndarray, ...]:
    """Runs of equal labels over consecutive blocks of `size` addresses from `base`
    -> (start, end, label) per run; UNKNOWN runs dropped."""
    first = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    last = np.r_[first[1:], len(labels)] - 1
    keep = labels[first] != UNKNOWN
    size = np.uint64(size)
    start = np.uint64(base) + first[keep].astype(np.uint64) * size
    end = np.uint64(base) + (last[keep].astype(np.uint64) + np.uint64(1)) * size - np.uint64(1)
    return start, end, labels[first][keep]


def ip_ranges(seed: int) -> IpRanges:
    rng = stream(seed, "geo")
    base, host_bits = V4_HOMES
    n_homes = 1 << (host_bits - (32 - V4_BLOCK))
    gap = V4_UNCOVERED[1] - V4_UNCOVERED[0]
    homes = np.insert(_deal(rng, n_homes - gap), V4_UNCOVERED[0], np.full(gap, UNKNOWN))
    cloud = np.array([np.searchsorted(COUNTRIES, CLOUD_COUNTRY)])
    parts = [_merge(V4_CLOUD[0], 1 << V4_CLOUD[1], cloud),
             _merge(base, 1 << (32 - V4_BLOCK), homes)]
    per_block = 1 << (V6_BLOCK - 32)  # /40s per /32
    v6_labels = _deal(rng, len(V6_BLOCKS) * per_block).reshape(len(V6_BLOCKS), per_block)
    for (h0, h1), labels in zip(sorted(V6_BLOCKS.tolist()), v6_labels, strict=True):
        # IPv6 bounds in units of the first 64 bits: a /40 is 2^24 /64s
        parts.append(_merge((h0 << 48) | (h1 << 32), 1 << (64 - V6_BLOCK), labels))
    n_v4 = len(parts[0][0]) + len(parts[1][0])
    start, end, country = (np.concatenate(x) for x in zip(*parts, strict=True))
    return IpRanges(np.arange(len(start)) >= n_v4, start, end, country)


def countries_of(r: IpRanges, v6: np.ndarray, addr: np.ndarray) -> np.ndarray:
    """Country index per address (IPv4 address or IPv6 /64 as uint64), UNKNOWN if uncovered."""
    out = np.full(len(addr), UNKNOWN, dtype=np.int64)
    for fam in (False, True):
        sel = np.flatnonzero(v6 == fam)
        rows = np.flatnonzero(r.v6 == fam)
        i = np.searchsorted(r.start[rows], addr[sel], side="right") - 1
        hit = (i >= 0) & (addr[sel] <= r.end[rows][np.maximum(i, 0)])
        out[sel[hit]] = r.country[rows][i[hit]]
    return out


def _v6_text(first64: np.ndarray, rest: int) -> pa.Array:
    """Full IPv6 addresses from their first 64 bits and a fill for the last four hextets."""
    g = np.empty((len(first64), 8), dtype=np.int64)
    for i in range(4):  # over hextets, not rows
        g[:, i] = ((first64 >> np.uint64(48 - 16 * i)) & np.uint64(0xFFFF)).astype(np.int64)
    g[:, 4:] = rest
    return ipv6_strings(g, np.zeros(len(g), dtype=np.int64))


def reference_frame(r: IpRanges) -> pd.DataFrame:
    """The ranges as DB-IP writes them: IPv6 starts `::`-compressed, ends in full."""
    v4, v6 = ~r.v6, r.v6
    starts = pc.replace_substring_regex(_v6_text(r.start[v6], 0), ":0(:0)*$", "::")
    return pa.table({
        "ip_start": pa.concat_arrays([ipv4_strings(r.start[v4].astype(np.int64)), starts]),
        "ip_end": pa.concat_arrays([ipv4_strings(r.end[v4].astype(np.int64)),
                                    _v6_text(r.end[v6], 0xFFFF)]),
        "country_code": pa.array(COUNTRIES[r.country]),
    }).to_pandas()

