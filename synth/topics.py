"""What shows talk about, sponsor briefs, and which shows are on-topic for each brief.

Each category has a vocabulary; its first word is the category's signature, written only
in the channel description of the shows whose category it is (so a brief that excludes
that keyword excludes exactly those shows). A show talks about its category and, for about
half the shows, a second topic: its episodes' show notes and transcripts mix words of both.
About a third of the episodes have a WebVTT transcript beside the feed
(`feeds/transcripts/<show>/e0001.vtt`); every item links one by a path relative to the
feed, so the others are links that don't resolve, as real feeds have.

Briefs: two per tenant, each from one of the tenant's sponsors, about a topic among the
tenant's shows' categories, with a target audience mix and brand-safety exclusions. Truth
(`ground_truth/sponsor_show_relevance.csv`): relevance 2 when the show's category is the
brief's topic, 1 when its second topic is, 0 otherwise; and whether the brief's rules
exclude the show, with the reasons.

Randomness: its own streams ("topics", "sponsor briefs"); the rest of the world is
unchanged except the feeds' text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from synth.catalog import CATEGORIES, Catalog
from synth.rng import stream

# No word here is in a show title (catalog._WORDS_*), a sponsor name or a sponsor read.
VOCABULARY: dict[str, tuple[str, ...]] = {
    "News": ("headlines", "election", "parliament", "policy", "diplomacy", "correspondent",
             "referendum", "minister", "sanctions", "newsroom", "journalism", "ceasefire"),
    "Business": ("entrepreneurship", "startups", "revenue", "investors", "marketing",
                 "leadership", "negotiation", "payroll", "profit", "management", "founders",
                 "valuation"),
    "Technology": ("software", "programming", "cloud", "gadgets", "cybersecurity",
                   "algorithms", "smartphones", "developers", "robotics", "chips",
                   "encryption", "databases"),
    "Comedy": ("standup", "improv", "sketches", "punchlines", "jokes", "parody", "satire",
               "hecklers", "roast", "sitcom", "laughs", "comedians"),
    "Society & Culture": ("philosophy", "identity", "traditions", "relationships", "religion",
                          "language", "community", "heritage", "migration", "etiquette",
                          "folklore", "friendship"),
    "Science": ("physics", "astronomy", "biology", "chemistry", "telescopes", "evolution",
                "genetics", "experiments", "climate", "neuroscience", "fossils", "quantum"),
    "Health & Fitness": ("workouts", "nutrition", "cycling", "marathon", "yoga", "protein",
                         "recovery", "meditation", "strength", "cardio", "stretching",
                         "hydration"),
    "True Crime": ("murder", "detectives", "forensics", "homicide", "investigation",
                   "suspects", "courtroom", "evidence", "kidnapping", "verdict",
                   "prosecutors", "alibi"),
    "Sports": ("football", "basketball", "playoffs", "coaches", "transfers", "baseball",
               "tennis", "tournament", "athletes", "league", "championship", "stadium"),
    "Education": ("teaching", "classrooms", "curriculum", "students", "homework", "teachers",
                  "exams", "literacy", "tutoring", "pedagogy", "scholarships", "lectures"),
}
TRANSCRIPT_SHARE = 0.35
P_SECOND_TOPIC = 0.5
BRIEFS_PER_TENANT = 2
WORDS_PER_NOTE = 4
# target audience mixes a brief may ask for: (dimension, value -> share)
APP_MIXES = ({"Apple Podcasts": 0.5, "Spotify": 0.3}, {"Spotify": 0.6},
             {"Apple Podcasts": 0.7})
DEVICE_MIXES = ({"mobile": 0.9}, {"mobile": 0.7, "computer": 0.2})
COUNTRY_MIXES = ({"US": 0.7, "GB": 0.1, "CA": 0.1}, {"US": 0.5, "GB": 0.2},
                 {"US": 0.9})
FILLER = ("so today we talk about", "and then there is", "which brings us to",
          "people keep asking about", "let us get into", "a quick word on")


def signature(category: str) -> str:
    return VOCABULARY[category][0]


def assign(seed: int, cat: Catalog) -> None:
    """Add each show's second topic and each episode's note words and transcript flag."""
    rng = stream(seed, "topics")
    shows, eps = cat.shows, cat.episodes
    second = []
    for c in shows["category"]:
        others = [k for k in CATEGORIES if k != c]
        second.append(str(rng.choice(others)) if rng.random() < P_SECOND_TOPIC else "")
    shows["second_topic"] = second
    words, transcript = [], []
    for show_idx in eps["show_idx"].to_numpy():
        words.append(" ".join(_draw(rng, shows.at[show_idx, "category"],
                                    shows.at[show_idx, "second_topic"], WORDS_PER_NOTE)))
        transcript.append(bool(rng.random() < TRANSCRIPT_SHARE))
    eps["topic_words"] = words
    eps["has_transcript"] = transcript


def _draw(rng: np.random.Generator, first: str, second: str, n: int) -> list[str]:
    """n words: half from the second topic when there is one, never a signature word."""
    n2 = n // 2 if second else 0
    pick = list(rng.choice(VOCABULARY[first][1:], n - n2, replace=False))
    if n2:
        pick += list(rng.choice(VOCABULARY[second][1:], n2, replace=False))
    return [str(w) for w in pick]


def show_description(title: str, category: str) -> str:
    words = ", ".join(VOCABULARY[category][:4])
    return f"{title}: a {category.lower()} podcast about {words} and more."


def episode_note(words: str) -> str:
    w = words.split()
    return f" This week: {', '.join(w[:-1])} and {w[-1]}." if w else ""


def transcript_path(show_id: str, number: int) -> str:
    """Where the transcript lives, relative to the feed file (feeds/<show>.xml)."""
    return f"transcripts/{show_id}/e{number:04d}.vtt"


def _vtt(rng: np.random.Generator, words: list[str]) -> str:
    cues = ["WEBVTT", ""]
    for i, w in enumerate(words):
        filler = FILLER[int(rng.integers(len(FILLER)))]
        cues += [str(i + 1), f"00:{i // 2:02d}:{(i % 2) * 30:02d}.000 --> "
                 f"00:{i // 2:02d}:{(i % 2) * 30 + 29:02d}.000", f"{filler} {w}.", ""]
    return "\n".join(cues)


def write_transcripts(seed: int, cat: Catalog, landing: Path) -> dict[str, int]:
    """A WebVTT file for each episode with a transcript; {landing path: cue count}."""
    rng = stream(seed, "transcripts")
    out = {}
    shows = cat.shows
    for e in cat.episodes[cat.episodes["has_transcript"]].itertuples():
        s = shows.loc[e.show_idx]
        words = _draw(rng, s.category, s.second_topic, 8)
        rel = f"feeds/{transcript_path(e.show_id, e.number)}"
        path = landing / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_vtt(rng, words), encoding="utf-8")
        out[rel] = len(words)
    return out


def briefs(seed: int, cat: Catalog, sponsors: pd.DataFrame) -> pd.DataFrame:
    """Two briefs per tenant with sponsors: topic, target mixes, exclusions, flight."""
    rng = stream(seed, "sponsor briefs")
    rows = []
    start = cat.start + dt.timedelta(days=cat.days - 7)  # the flight overlaps the bookings
    for t, g in cat.shows.groupby("tenant_id", sort=False):
        sps = sponsors[sponsors["tenant_id"] == t]
        present = list(dict.fromkeys(g["category"]))
        if not len(sps) or not present:
            continue
        topics = rng.permutation(present)[:BRIEFS_PER_TENANT]
        for j, topic in enumerate(topics):
            sp = sps.iloc[int(rng.integers(len(sps)))]
            others = [c for c in present if c != topic]
            excl_cat = str(rng.choice(others)) if others and j == 0 else ""
            rest = [c for c in present if c not in (topic, excl_cat)]
            excl_kw = signature(str(rng.choice(rest))) if rest and j == 1 else ""
            words = rng.choice(VOCABULARY[topic][1:], 6, replace=False)
            rows.append({
                "brief_id": f"br{len(rows) + 1:03d}", "tenant_id": t,
                "sponsor_id": sp.sponsor_id, "topic": str(topic),
                "topic_text": f"{sp.brief}. Looking for shows about {', '.join(words)}.",
                "target_app_mix": _mix(APP_MIXES[int(rng.integers(len(APP_MIXES)))]),
                "target_device_mix": _mix(DEVICE_MIXES[int(rng.integers(len(DEVICE_MIXES)))]),
                "target_country_mix": _mix(
                    COUNTRY_MIXES[int(rng.integers(len(COUNTRY_MIXES)))]),
                "exclude_explicit": "true" if j == 0 else "false",
                "excluded_categories": excl_cat,
                "excluded_keywords": excl_kw,
                "budget": float(5000 * int(rng.integers(2, 9))),
                "currency": "USD",
                "start_date": start.isoformat(),
                "end_date": (start + dt.timedelta(days=27)).isoformat(),
            })
    return pd.DataFrame(rows)


def _mix(m: dict[str, float]) -> str:
    return "|".join(f"{k}:{v:g}" for k, v in m.items())


def relevance(cat: Catalog, br: pd.DataFrame) -> pd.DataFrame:
    """brief x show of its tenant: relevance grade and the exclusions the brief implies."""
    rows = []
    for b in br.itertuples():
        for s in cat.shows[cat.shows["tenant_id"] == b.tenant_id].itertuples():
            grade = 2 if s.category == b.topic else 1 if s.second_topic == b.topic else 0
            reasons = []
            if b.exclude_explicit == "true" and s.explicit:
                reasons.append("explicit")
            if s.category in b.excluded_categories.split("|"):
                reasons.append(f"category: {s.category}")
            if b.excluded_keywords and signature(s.category) in b.excluded_keywords.split("|"):
                reasons.append(f"keyword: {signature(s.category)}")
            rows.append({"brief_id": b.brief_id, "tenant_id": b.tenant_id,
                         "show_id": s.show_id, "relevance": grade, "category": s.category,
                         "second_topic": s.second_topic, "is_excluded": bool(reasons),
                         "exclusion_reasons": "; ".join(reasons)})
    return pd.DataFrame(rows)
