"""How well one show suits one brief, part by part: content, audience, brand safety.

- Content fit: TF-IDF (scikit-learn, English stop words, sublinear term frequency) fitted
  on the tenant's show documents (show title, description and categories, every episode's
  title and notes, every transcript), the brief's topic text projected on it, cosine
  similarity. Words the shows never use weigh nothing.
- Audience fit: 1 - total variation distance between the brief's target mix and the
  show's downloads by app, device category and country, averaged over the dimensions the
  brief names. A target lists some values with shares; the shares it leaves (1 - their
  sum) are "any other value", and the show's other values are pooled the same way.
- Brand safety: an explicit show when the brief excludes explicit shows, a show in an
  excluded category, a show whose text has an excluded keyword as a whole word (case
  ignored): each a reason, all kept.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

OTHER = "\x00other"  # the pooled rest of a mix: no real value is spelled like this
DIMENSIONS = ("app", "device", "country")
_TAG = re.compile(r"<[^>]+>")


def _text(value: object) -> str:
    """A text cell: missing values (None, NaN) are empty."""
    return value if isinstance(value, str) else ""


def plain(text: str | None) -> str:
    """Show notes are HTML more often than not: their words only."""
    return html.unescape(_TAG.sub(" ", _text(text)))


def content_cosine(query: str, documents: Sequence[str]) -> np.ndarray:
    """Cosine similarity of `query` with each document, in TF-IDF space fitted on the
    documents; zeros when no document has a word (or the query has none of theirs)."""
    if not len(documents):
        return np.zeros(0)
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([plain(d) for d in documents])
    except ValueError:  # empty vocabulary: no document has a word that is not a stop word
        return np.zeros(len(documents))
    return cosine_similarity(vectorizer.transform([plain(query)]), matrix).ravel()


def parse_mix(text: str | None) -> dict[str, float]:
    """`Apple Podcasts:0.5|Spotify:0.3` -> {value: share}; the rest goes to OTHER.

    Shares adding to more than 1 are scaled to 1; a pair that is not `value:number` with
    a non-negative number is ignored."""
    mix: dict[str, float] = {}
    for part in _text(text).split("|"):
        value, _, share = part.rpartition(":")
        try:
            number = float(share)
        except ValueError:
            continue
        if value.strip() and number >= 0 and np.isfinite(number):
            mix[value.strip()] = mix.get(value.strip(), 0.0) + number
    total = sum(mix.values())
    if not mix or total == 0:
        return {}
    if total > 1:
        return {k: v / total for k, v in mix.items()}
    return {**mix, OTHER: 1.0 - total} if total < 1 else mix


def total_variation(target: Mapping[str, float], observed: Mapping[str, float]) -> float:
    """TVD between a parsed target mix and observed counts by value (pooled into the
    target's values and OTHER): 0.5 x sum of |target share - observed share|."""
    total = float(sum(observed.values()))
    if total <= 0:
        raise ValueError("no observations")
    seen = dict.fromkeys(target, 0.0)
    for value, count in observed.items():
        key = value if value in target and value != OTHER else OTHER
        seen[key] = seen.get(key, 0.0) + count / total
    return 0.5 * sum(abs(target.get(k, 0.0) - seen.get(k, 0.0)) for k in seen)


def audience_fit(targets: Mapping[str, Mapping[str, float]],
                 observed: Mapping[str, Mapping[str, float]]) -> float | None:
    """1 - mean TVD over the dimensions with a target; None when the brief names none or
    the show has no downloads."""
    dims = [d for d in DIMENSIONS if targets.get(d)]
    if not dims or not all(sum(observed.get(d, {}).values()) > 0 for d in dims):
        return None
    return 1.0 - float(np.mean([total_variation(targets[d], observed[d]) for d in dims]))


def split_list(text: str | None) -> list[str]:
    return [p.strip() for p in _text(text).split("|") if p.strip()]


def exclusion_reasons(*, explicit_excluded: bool, is_explicit: bool | None,
                      excluded_categories: Sequence[str], show_categories: Sequence[str],
                      excluded_keywords: Sequence[str], text: str) -> list[str]:
    """Why the brief's brand-safety rules exclude the show; empty when they don't."""
    reasons = ["explicit"] if explicit_excluded and is_explicit else []
    cats = {c.casefold() for c in show_categories}
    reasons += [f"category: {c}" for c in excluded_categories if c.casefold() in cats]
    words = plain(text)
    reasons += [f"keyword: {k}" for k in excluded_keywords
                if re.search(rf"(?<!\w){re.escape(k)}(?!\w)", words, re.I)]
    return reasons
