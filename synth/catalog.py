"""Tenants, shows and episodes: the catalogue every other source refers to.

Show audiences are long-tailed (lognormal, sigma 1.3: podcast audiences are heavy-tailed,
a few shows take most downloads; cf. Edison/Podtrac rankings). Episode durations are
lognormal around 40 minutes (median podcast length ~38-45 min, Pacific Content / Podnews
analyses), bitrates 64-128 kbps (typical MP3 podcast encodes; Apple recommends 64-128 kbps).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth.rng import stream

TENANT_NAMES = ("acme", "northwind", "globex", "initech", "umbrella", "hooli", "vandelay")
PROVIDERS = ("transistor", "buzzsprout", "libsyn", "podbean")
PREFIX_FEED = "https://dts.podtrac.com/redirect.mp3/"
_WORDS_A = ("Morning", "Curious", "Deep", "Quiet", "Weekly", "Hidden", "Bright", "Open",
            "Late", "Honest", "Small", "Global", "Local", "Daily", "Long")
_WORDS_B = ("Brief", "Minds", "Signals", "Kitchen", "Ledger", "Garden", "Frontier", "Hour",
            "Table", "Dispatch", "Machine", "Story", "Market", "Studio", "Field")
CATEGORIES = ("News", "Business", "Technology", "Comedy", "Society & Culture", "Science",
              "Health & Fitness", "True Crime", "Sports", "Education")
BITRATES = np.array([64_000, 96_000, 128_000])
PRE_WORLD_DAYS = 28  # back catalogue released before the world starts


@dataclass
class Catalog:
    shows: pd.DataFrame  # one row per show
    episodes: pd.DataFrame  # one row per distinct episode (duplicates live in the feed only)
    start: dt.date
    days: int

    @property
    def t0(self) -> int:
        """Epoch seconds of the world's first UTC midnight."""
        return int(dt.datetime(self.start.year, self.start.month, self.start.day,
                               tzinfo=dt.UTC).timestamp())


def _shows(seed: int, tenants: int, n_shows: int) -> pd.DataFrame:
    rng = stream(seed, "shows")
    tenant_idx = np.arange(n_shows) % tenants
    audience = rng.lognormal(0.0, 1.3, n_shows)  # relative audience, long tail
    rows = []
    per_tenant = np.zeros(tenants, dtype=int)
    for i in range(n_shows):
        t = TENANT_NAMES[tenant_idx[i] % len(TENANT_NAMES)]
        if tenant_idx[i] >= len(TENANT_NAMES):
            t = f"{t}{tenant_idx[i]}"
        per_tenant[tenant_idx[i]] += 1
        sid = f"{t}-s{per_tenant[tenant_idx[i]]:03d}"
        title = f"The {_WORDS_A[rng.integers(len(_WORDS_A))]} {_WORDS_B[i % len(_WORDS_B)]}"
        hosted = n_shows >= 4 and i % 6 == 5  # ~1 in 6 shows reports via a host API only
        rows.append({
            "tenant_id": t, "show_id": sid, "title": title, "feed_url": f"feeds/{sid}.xml",
            "hosting_provider": PROVIDERS[i % len(PROVIDERS)] if hosted else "",
            "hosting_show_id": str(40_000 + i) if hosted else "",
            # ID3 header bytes configured for a third of the shows (131072 = 128 KiB tag)
            "header_bytes": 131072 if i % 3 == 1 else None,
            "audience": float(audience[i]),
            "category": CATEGORIES[i % len(CATEGORIES)],
            "cadence_days": int(rng.choice([7, 7, 3, 3, 1])),
            "release_hour": int(rng.integers(4, 11)),
            "prefixed_feed": bool(i % 4 == 2),
            "explicit": bool(rng.random() < 0.3),
        })
    df = pd.DataFrame(rows)
    df["header_bytes"] = df["header_bytes"].astype("Int64")
    return df


def _episodes(seed: int, shows: pd.DataFrame, start: dt.date, days: int) -> pd.DataFrame:
    rng = stream(seed, "episodes")
    t0 = int(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp())
    rows = []
    for s in shows.itertuples():
        first = -PRE_WORLD_DAYS + int(rng.integers(0, s.cadence_days))
        rel_days = np.arange(first, days, s.cadence_days)
        if s.cadence_days == 1:  # daily shows skip weekends
            wd = (start.weekday() + rel_days) % 7
            rel_days = rel_days[wd < 5]
        for n, d in enumerate(rel_days, start=1):
            trailer = n == 1 and s.Index % 2 == 0
            dur = int(rng.integers(35, 58)) if trailer else int(
                np.clip(rng.lognormal(np.log(2400), 0.45), 420, 10800))
            bitrate = int(BITRATES[rng.integers(0, 3)])
            header_true = int(s.header_bytes) if not pd.isna(s.header_bytes) else int(
                rng.integers(2_000, 60_000))
            size = header_true + dur * bitrate // 8 + int(rng.integers(0, 4096))
            host = f"cdn.{s.tenant_id}.example"
            rows.append({
                "show_idx": s.Index, "show_id": s.show_id, "tenant_id": s.tenant_id,
                "number": n, "guid": f"{s.show_id}-e{n:04d}",
                "title": f"{s.title} #{n}" if not trailer else f"Welcome to {s.title}",
                "episode_type": "trailer" if trailer else "full",
                "pub_ts": t0 + int(d) * 86400 + s.release_hour * 3600
                + int(rng.integers(0, 1800)),
                "duration": dur, "bitrate": bitrate, "header_true": header_true, "size": size,
                "path": f"{host}/{s.show_id}/e{n:04d}.mp3",
                "enclosure_url": (PREFIX_FEED if s.prefixed_feed else "https://")
                + f"{host}/{s.show_id}/e{n:04d}.mp3",
            })
    ep = pd.DataFrame(rows)
    return _quirks(seed, ep)


def _quirks(seed: int, ep: pd.DataFrame) -> pd.DataFrame:
    """Feed quirks at a few percent each; at least one of each in any world."""
    rng = stream(seed, "quirks")
    n = len(ep)
    full = (ep["episode_type"] == "full").to_numpy()
    q = {k: rng.random(n) < 0.04 for k in (
        "missing_guid", "dup_guid", "bad_pubdate", "missing_length", "missing_duration")}
    order = rng.permutation(np.flatnonzero(full))
    for j, k in enumerate(q):  # force one each on distinct full episodes
        if not q[k].any() and len(order) > j:
            q[k][order[j]] = True
    q["dup_guid"] &= ~q["missing_guid"]
    for k, v in q.items():
        ep[k] = v
    ep["duration_format"] = rng.choice(["hms", "seconds", "mmss"], n, p=[0.5, 0.3, 0.2])
    ep["bad_pubdate_kind"] = rng.integers(0, 3, n)
    # Episode key as the warehouse sees it: guid, falling back to the enclosure URL (as Apple).
    ep["episode_guid"] = np.where(ep["missing_guid"], ep["enclosure_url"], ep["guid"])
    return ep


def whole_file_required(ep: pd.DataFrame) -> np.ndarray:
    return (ep["missing_length"] | ep["missing_duration"] | (ep["duration"] < 60)).to_numpy()


def build_catalog(seed: int, tenants: int, n_shows: int, start: dt.date, days: int) -> Catalog:
    shows = _shows(seed, tenants, n_shows)
    return Catalog(shows, _episodes(seed, shows, start, days), start, days)
