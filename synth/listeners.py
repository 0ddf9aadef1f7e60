"""Households, their IP addresses, listeners (household x app) and show subscriptions.

IPv6 share ~25% of podcast requests (Google IPv6 adoption statistics ~45% of users, CDN logs
of audio apps show less; OP3 observed ~20-30%). Households with IPv6 rotate privacy
addresses (RFC 8981) inside one /64; some addresses are written uncompressed or zero-padded.
Apple Watch companions: ~10% of iPhone Apple Podcasts users (Apple Watch attach rate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synth import agents
from synth.rng import stream

N_VARIANTS = 3  # IP spellings / interface ids per household
V4_HOMES = (0x40000000, 28)  # households: 64.0.0.0/4 (base address, host bits)
V4_CLOUD = (0x22000000, 24)  # datacenter bots and abusers: 34.0.0.0/8
V6_BLOCKS = np.array([[0x2600, 0x1700], [0x2A02, 0x0C7C], [0x2001, 0x0DB8], [0x2607, 0xFB90]])
_HEX = pa.array([f"{i:x}" for i in range(65536)])
_HEX4 = pa.array([f"{i:04x}" for i in range(65536)])
_DEC = pa.array([str(i) for i in range(256)])


@dataclass
class Population:
    n_households: int  # regular households; special actors follow
    hh_v6: np.ndarray  # bool per household (all, incl. special)
    hh_nvar: np.ndarray  # number of IP variants in use per household
    hh_addr: np.ndarray  # uint64 per household: its IPv4 address, or its IPv6 /64 prefix
    ip_strings: pa.Array  # index hh * N_VARIANTS + variant
    listener_hh: np.ndarray
    listener_ua: np.ndarray
    listener_watch: np.ndarray  # index of the Apple Watch companion listener, -1 if none
    n_regular: int  # listeners [0, n_regular) are people; then watches, bots, abusers
    sub_listener: np.ndarray  # subscriptions sorted by show
    sub_start: np.ndarray  # CSR offsets per show
    bot_listeners: np.ndarray
    abusive_listeners: np.ndarray  # one per abusive IP (index 0 = exactly-threshold IP)

    @property
    def n_listeners(self) -> int:
        return len(self.listener_hh)


def ipv4_strings(ints: np.ndarray) -> pa.Array:
    parts = [pc.take(_DEC, pa.array((ints >> s) & 255)) for s in (24, 16, 8, 0)]
    return pc.binary_join_element_wise(*parts, ".")


def ipv6_strings(groups: np.ndarray, style: np.ndarray) -> pa.Array:
    """groups: (n, 8) uint16; style 0 compact, 1 zero-padded, 2 '::x', 3 '0:0:0:x'."""
    lo = [pc.take(_HEX, pa.array(groups[:, i])) for i in range(8)]
    pad = [pc.take(_HEX4, pa.array(groups[:, i])) for i in range(8)]
    compact = pc.binary_join_element_wise(*lo, ":")
    padded = pc.binary_join_element_wise(*pad, ":")
    short = pc.binary_join_element_wise(*lo[:4], pa.scalar(""), lo[7], ":")
    out = pc.if_else(pa.array(style == 1), padded, compact)
    return pc.if_else(pa.array(style == 2), short, out)


def _v6_prefix(hh: np.ndarray) -> np.ndarray:
    """The household's /64: (n, 4) hextets, a /32 block and two hextets from a hash."""
    g = np.zeros((len(hh), 4), dtype=np.int64)
    g[:, :2] = V6_BLOCKS[hh % len(V6_BLOCKS)]
    p = (0x9E3779B1 * hh + 99991) % (1 << 32)
    g[:, 2] = 1 + (p >> 16) % 65535
    g[:, 3] = 1 + (p & 0xFFFF) % 65535
    return g


def prefix64(hextets: np.ndarray) -> np.ndarray:
    """(n, 4) hextets -> the first 64 bits of the address as uint64."""
    h = hextets.astype(np.uint64)
    return (h[:, 0] << 48) | (h[:, 1] << 32) | (h[:, 2] << 16) | h[:, 3]


def _ip_table(seed: int, n_hh: int,
              n_special: int) -> tuple[np.ndarray, np.ndarray, pa.Array, np.ndarray]:
    rng = stream(seed, "ips")
    total = n_hh + n_special
    idx = np.arange(total, dtype=np.int64)
    v6 = rng.random(total) < 0.25
    v6[n_hh:] = False  # datacenter bots and abusers use IPv4
    # bijections i -> (a*i+b) mod 2^k keep addresses unique without a set
    v4 = V4_HOMES[0] + ((2654435761 * idx + 12345) % (1 << V4_HOMES[1]))  # public space
    v4[n_hh:] = V4_CLOUD[0] + ((40503 * idx[n_hh:] + 7) % (1 << V4_CLOUD[1]))
    nvar = np.where(v6, 1 + (rng.random(total) < 0.35) * rng.integers(1, N_VARIANTS, total), 1)
    v6_hh = np.flatnonzero(v6)
    k = len(v6_hh) * N_VARIANTS
    rep = np.repeat(v6_hh, N_VARIANTS)
    g = np.zeros((k, 8), dtype=np.int64)
    g[:, :4] = _v6_prefix(rep)
    g[:, 4:] = rng.integers(1, 65536, (k, 4))
    style = rng.choice(4, k, p=[0.6, 0.15, 0.15, 0.10])  # mostly RFC 5952 compact
    g[style >= 2, 4:7] = 0
    both = pa.concat_arrays([ipv4_strings(v4), ipv6_strings(g, style)])
    pos = np.full(total, -1, dtype=np.int64)
    pos[v6_hh] = np.arange(len(v6_hh))
    sel = np.repeat(idx, N_VARIANTS)
    var = np.tile(np.arange(N_VARIANTS), total)
    sel = np.where(pos[sel] >= 0, total + pos[sel] * N_VARIANTS + var, sel)
    strings = both.take(pa.array(sel))
    addr = v4.astype(np.uint64)
    addr[v6_hh] = prefix64(_v6_prefix(v6_hh))
    return v6, nvar, strings, addr


def build_population(seed: int, n_listeners: int, show_weights: np.ndarray) -> Population:
    rng = stream(seed, "listeners")
    n_hh = max(1, int(n_listeners / 1.45))
    devices = 1 + rng.poisson(0.5, n_hh)  # ~1.5 podcast devices/apps per household
    listener_hh = np.repeat(np.arange(n_hh), devices)[:n_listeners]
    if len(listener_hh) < n_listeners:
        listener_hh = np.concatenate(
            [listener_hh, rng.integers(0, n_hh, n_listeners - len(listener_hh))])
    n = len(listener_hh)
    ua = rng.choice(agents.APP_IDS, n, p=agents.app_probabilities())
    ua[rng.random(n) < 0.01] = 0  # ~1% of clients send no User-Agent
    watch = np.where(np.isin(ua, agents.IPHONE_IDS) & (rng.random(n) < 0.10),
                     rng.choice(agents.WATCH_IDS, n), 0)
    # subscriptions: 1 + Poisson(0.6) shows per listener, chosen by audience weight
    k = 1 + rng.poisson(0.6, n)
    sub_l = np.repeat(np.arange(n), k)
    sub_s = rng.choice(len(show_weights), len(sub_l), p=show_weights / show_weights.sum())
    order = np.argsort(sub_s, kind="stable")
    sub_start = np.searchsorted(sub_s[order], np.arange(len(show_weights) + 1))
    n_bots, n_abusive = 12, 3
    v6, nvar, ips, addr = _ip_table(seed, n_hh, n_bots + n_abusive)
    bot_hh = n_hh + np.arange(n_bots)
    ab_hh = n_hh + n_bots + np.arange(n_abusive)
    bot_ua = agents.BOT_IDS[np.arange(n_bots) % len(agents.BOT_IDS)]
    ab_ua = rng.choice(agents.APP_IDS, n_abusive)
    has_w = np.flatnonzero(watch > 0)
    w_ids = n + np.arange(len(has_w))
    listener_watch = np.full(n, -1, dtype=np.int64)
    listener_watch[has_w] = w_ids
    first_special = n + len(has_w)
    all_hh = np.concatenate([listener_hh, listener_hh[has_w], bot_hh, ab_hh])
    all_ua = np.concatenate([ua, watch[has_w], bot_ua, ab_ua])
    return Population(
        n_households=n_hh, hh_v6=v6, hh_nvar=nvar, hh_addr=addr, ip_strings=ips,
        listener_hh=all_hh, listener_ua=all_ua,
        listener_watch=np.concatenate([listener_watch, np.full(len(all_hh) - n, -1)]),
        n_regular=n, sub_listener=sub_l[order], sub_start=sub_start,
        bot_listeners=first_special + np.arange(n_bots),
        abusive_listeners=first_special + n_bots + np.arange(n_abusive),
    )
