"""Turn request arrays into access-log rows (strings built by Arrow/DuckDB, no Python loops).

Dual-stack servers log some IPv4 clients as IPv4-mapped IPv6: about 3% of IPv4 requests
(chosen by their timestamp, so no random draw changes) are written `::ffff:203.0.113.7`,
`::ffff:cb00:7107` or `0:0:0:0:0:FFFF:CB00:7107`; the truth is unchanged (one household,
one IP).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from synth import agents
from synth.listeners import Population
from synth.traffic import OFFSET_SECONDS, OFFSETS, Requests, ip_index
from synth.writers import write_frame

UA_STRINGS = pa.array([a.ua for a in agents.ALL])
REFERERS = pa.array([a.referer for a in agents.ALL])
METHODS = pa.array(["GET", "HEAD"])
OFFSET_TEXT = pa.array(list(OFFSETS))

_OCTETS = "list_transform(string_split(ip, '.'), lambda o: o::INTEGER)"
MAPPED_SPELLINGS = (
    "CASE WHEN contains(ip, ':') OR ts % 100 >= 3 THEN ip "
    "WHEN ts % 100 = 0 THEN '::ffff:' || ip "
    f"WHEN ts % 100 = 1 THEN printf('::ffff:%x:%x', {_OCTETS}[1] * 256 + {_OCTETS}[2], "
    f"{_OCTETS}[3] * 256 + {_OCTETS}[4]) "
    f"ELSE printf('0:0:0:0:0:FFFF:%04X:%04X', {_OCTETS}[1] * 256 + {_OCTETS}[2], "
    f"{_OCTETS}[3] * 256 + {_OCTETS}[4]) END")

COLUMNS = [
    ("timestamp", "strftime(make_timestamp((ts + off_s) * 1000000), '%Y-%m-%dT%H:%M:%S') "
                  "|| off_txt"),
    ("ip", MAPPED_SPELLINGS), ("user_agent", "user_agent"), ("method", "method"),
    ("url", "url"),
    ("status", "status"),
    ("range", "CASE rk WHEN 0 THEN '' WHEN 1 THEN 'bytes=' || ra || '-' || rb "
              "WHEN 2 THEN 'bytes=' || ra || '-' WHEN 3 THEN 'bytes=-' || ra "
              "ELSE 'bytes=0-1' END"),
    ("bytes_sent", "bytes_sent"), ("referer", "referer"),
]


def to_arrow(req: Requests, pop: Population, urls: pa.Array) -> pa.Table:
    ua = pop.listener_ua[req.listener]
    return pa.table({
        "ts": pa.array(req.t), "off_s": pa.array(OFFSET_SECONDS[req.off]),
        "off_txt": OFFSET_TEXT.take(pa.array(req.off)),
        "ip": pop.ip_strings.take(pa.array(ip_index(pop, req.listener, req.ipvar))),
        "user_agent": UA_STRINGS.take(pa.array(ua)),
        "method": METHODS.take(pa.array(req.method)),
        "url": urls.take(pa.array(req.url)),
        "status": pa.array(req.status.astype(np.int32)),
        "rk": pa.array(req.rk), "ra": pa.array(req.ra), "rb": pa.array(req.rb),
        "bytes_sent": pa.array(req.bytes_sent.astype(np.int64)),
        "referer": REFERERS.take(pa.array(ua)),
    })


def write_access_log(con: duckdb.DuckDBPyConnection, req: Requests, pop: Population,
                     urls: pa.Array, path: Path) -> int:
    return write_frame(con, to_arrow(req, pop, urls), path, columns=COLUMNS)
