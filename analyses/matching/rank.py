"""Rank each brief's shows: a weighted sum of the four parts, brand-safety exclusions
listed with their reasons after the ranked shows (never dropped).

score = w_content x content_fit + w_audience x audience_fit + w_past x past_performance
        + w_inventory x inventory,
each part in [0, 1] (content_fit: the cosine over the brief's best cosine, so the best
match of a brief has 1), the weights scaled to add to 1; a part that can't be known (no
downloads, no history in the category) counts as the neutral 0.5 and says so in `notes`.
A brief sees only its own tenant's shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analyses.matching import fit, market


@dataclass(frozen=True)
class Weights:
    content: float = 0.5
    audience: float = 0.2
    past_performance: float = 0.15
    inventory: float = 0.15

    def normalised(self) -> Weights:
        parts = np.array([self.content, self.audience, self.past_performance, self.inventory])
        if (parts < 0).any() or parts.sum() <= 0:
            raise ValueError(f"weights must be non-negative and not all zero: {self}")
        return Weights(*(parts / parts.sum()).tolist())


@dataclass(frozen=True)
class Inputs:
    """Frames from the marts (see analyses.matching.queries)."""

    briefs: pd.DataFrame
    shows: pd.DataFrame  # tenant_id, show_id, title, description, categories, is_explicit
    texts: pd.DataFrame  # show_id, text: episode titles, notes, transcripts (many rows)
    audience: pd.DataFrame  # show_id, dimension (app|device|country), value, downloads
    history: pd.DataFrame  # tenant_id, show_id, sponsor_category, campaign_id, reach, visits
    weekly: pd.DataFrame  # show_id, week_start_date, is_complete, ad_slots
    booked: pd.DataFrame  # show_id, booked_impressions, start_date, end_date


def show_documents(shows: pd.DataFrame, texts: pd.DataFrame) -> pd.Series:
    """show_id -> all its text: title, description, categories, episodes, transcripts."""
    extra = texts.dropna(subset=["text"]).groupby("show_id")["text"].agg(" ".join)
    own = (shows["title"].fillna("") + " " + shows["description"].fillna("") + " "
           + shows["categories"].fillna("").str.replace("|", " ", regex=False))
    return pd.Series((own + " " + shows["show_id"].map(extra).fillna("")).to_numpy(),
                     index=shows["show_id"].to_numpy())


def _observed(audience: pd.DataFrame) -> dict[str, dict[str, dict[str, float]]]:
    """show_id -> dimension -> value -> downloads."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for r in audience.itertuples():
        dims = out.setdefault(r.show_id, {})
        dims.setdefault(r.dimension, {})[str(r.value)] = float(r.downloads)
    return out


def match(inputs: Inputs, weights: Weights, prior_households: float,
          weeks: int) -> pd.DataFrame:
    """One row per brief x show of the brief's tenant, ranked (see the module doc)."""
    w = weights.normalised()
    docs = show_documents(inputs.shows, inputs.texts)
    observed = _observed(inputs.audience)
    last_week = inputs.weekly["week_start_date"].max() if len(inputs.weekly) else None
    frames = []
    for brief in inputs.briefs.sort_values("brief_id").to_dict("records"):
        shows = inputs.shows[inputs.shows["tenant_id"] == brief["tenant_id"]]
        if shows.empty:
            continue
        frames.append(_one_brief(brief, shows.sort_values("show_id"), docs, observed,
                                 inputs, w, prior_households, weeks,
                                 None if pd.isna(last_week) else last_week))
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]


COLUMNS = ("tenant_id", "brief_id", "sponsor_id", "show_id", "rank", "score",
           "content_cosine", "content_fit", "audience_fit", "past_performance",
           "conversion_rate", "inventory", "forecast_impressions", "unsold_impressions",
           "is_excluded", "exclusion_reason", "content_weight", "audience_weight",
           "past_performance_weight", "inventory_weight", "notes")


def _one_brief(b: dict[str, Any], shows: pd.DataFrame, docs: pd.Series,
               observed: dict[str, dict[str, dict[str, float]]], inputs: Inputs,
               w: Weights, prior_households: float, weeks: int,
               last_week: dt.date | None) -> pd.DataFrame:
    ids = shows["show_id"].tolist()
    cos = fit.content_cosine(b["topic_text"], docs.reindex(ids).fillna("").tolist())
    targets = {"app": fit.parse_mix(b["target_app_mix"]),
               "device": fit.parse_mix(b["target_device_mix"]),
               "country": fit.parse_mix(b["target_country_mix"])}
    history = inputs.history[inputs.history["tenant_id"] == b["tenant_id"]]
    category = b["sponsor_category"] if isinstance(b["sponsor_category"], str) else None
    past = market.past_performance(history, category, ids, prior_households)
    start, end = market.flight(b["start_date"], b["end_date"], last_week)
    inv = market.inventory(inputs.weekly, inputs.booked, ids, start, end, weeks)
    out = pd.DataFrame({
        "tenant_id": b["tenant_id"], "brief_id": b["brief_id"], "sponsor_id": b["sponsor_id"],
        "show_id": ids, "content_cosine": cos,
        "content_fit": cos / cos.max() if len(cos) and cos.max() > 0 else 0.0,
        "audience_fit": [fit.audience_fit(targets, observed.get(s, {})) for s in ids]})
    out = out.merge(past, on="show_id").merge(inv, on="show_id")
    out["exclusion_reason"] = [_reasons(b, s, docs.get(s["show_id"], ""))
                               for s in shows.to_dict("records")]
    out["is_excluded"] = out["exclusion_reason"] != ""
    out["exclusion_reason"] = out["exclusion_reason"].replace("", None)
    out["score"] = (w.content * out["content_fit"]
                    + w.audience * out["audience_fit"].astype(float).fillna(market.NEUTRAL)
                    + w.past_performance * out["past_performance"].fillna(market.NEUTRAL)
                    + w.inventory * out["inventory"])
    out["notes"] = [_notes(r) for r in out.to_dict("records")]
    out = out.assign(content_weight=w.content, audience_weight=w.audience,
                     past_performance_weight=w.past_performance, inventory_weight=w.inventory)
    return _ranked(out)


def _reasons(b: dict[str, Any], show: dict[str, Any], text: str) -> str:
    return "; ".join(fit.exclusion_reasons(
        explicit_excluded=_flag(b["is_explicit_excluded"]),
        is_explicit=_flag(show["is_explicit"]),
        excluded_categories=fit.split_list(b["excluded_categories"]),
        show_categories=fit.split_list(show["categories"]),
        excluded_keywords=fit.split_list(b["excluded_keywords"]), text=text))


def _flag(value: object) -> bool:
    """A boolean cell: missing (None, NaN) is false."""
    return isinstance(value, bool | np.bool_) and bool(value)


def _notes(r: dict[str, Any]) -> str:
    """What the market parts rest on, and which parts were unknown (counted 0.5)."""
    notes = ["audience: no target mix or no downloads, neutral 0.5"] if pd.isna(
        r["audience_fit"]) else []
    neutral = ", neutral 0.5" if pd.isna(r["past_performance"]) else ""
    notes += [f"past performance: {r['basis']}{neutral}", f"inventory: {r['inventory_basis']}"]
    return "; ".join(notes)


def _ranked(out: pd.DataFrame) -> pd.DataFrame:
    """Eligible shows ranked 1.. by score (ties: show_id); excluded shows after them,
    without a rank."""
    out = out.sort_values(["is_excluded", "score", "show_id"],
                          ascending=[True, False, True]).reset_index(drop=True)
    eligible = ~out["is_excluded"]
    out["rank"] = pd.array([i + 1 if ok else None for i, ok in enumerate(eligible)],
                           dtype="Int64")
    return out
