"""Sponsor reads in show notes: who advertises where.

An episode's description is cleaned (HTML, entities), split into sentences and read with
rules: a *cue* names a brand ("brought to you by X", "thanks to our sponsor X", "X is a
proud sponsor", "sponsors: X, Y"); promo codes ("use code X", "enter X at checkout"),
vanity URLs (a domain, usually with a path) and offers ("20% off", "free trial") near a
cue belong to its read. A code or URL in a sentence that reads like an ad ("go to ... and
use code ...") with no cue is a read too, its brand taken from the URL's domain. Denials
("no sponsors this week", "not a paid promotion") and affiliate disclaimers silence their
sentence; guest, source and merch links near no cue are not reads.

Each read is matched to a booked sponsor of the episode's tenant (dim_sponsors,
dim_campaigns): by promo code, then vanity URL, then the URL's domain, then the brand name.
Its confidence is a rule score (not a calibrated probability): what kind of evidence found
it, plus what backs it (a code, a URL, an offer, a booked sponsor).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analyses.tables import TENANT_ID, AnalysisTable, Column

MENTIONS = AnalysisTable(
    "sponsor_mentions", "episode x sponsor mention",
    "Sponsor reads found in episode show notes (dim_episodes.description): brand, promo "
    "code, vanity URL and offer, matched to a booked sponsor where the code, URL or brand "
    "matches one of the tenant's.",
    {
        "tenant_id": TENANT_ID,
        "show_id": Column("text", "The show whose episode carries the read."),
        "episode_id": Column("text", "The episode (dim_episodes.episode_id)."),
        "mention_seq": Column("int", "The read's place among the episode's reads, from 1, in "
                                     "the order of the notes."),
        "brand": Column("text", "The advertiser as the notes name it (from the URL's domain "
                                "when no sentence names it)."),
        "promo_code": Column("text", "The promo code of the read, upper-cased; null if none."),
        "vanity_url": Column("text", "The URL the read sends listeners to, as written; null "
                                     "if none."),
        "offer": Column("text", "The offer (e.g. '20% off your first box', 'free trial'); "
                                "null if none."),
        "sponsor_id": Column("text", "The booked sponsor the read matches (dim_sponsors); "
                                     "null for an advertiser not booked through the network."),
        "match_method": Column("text", "How sponsor_id was found: promo_code, vanity_url, "
                                       "url_domain, brand; 'none' when unmatched."),
        "confidence": Column("double", "Rule score 0-1 of the read being a sponsor read: "
                                       "0.55 for a named cue (0.45 for an ad-like sentence "
                                       "without one), + 0.15 code, + 0.1 URL, + 0.05 offer, + "
                                       "0.15 booked sponsor; capped at 0.99. Not calibrated."),
        "evidence": Column("text", "The sentences the read was found in (up to 300 "
                                   "characters)."),
    })

# --- patterns --------------------------------------------------------------------------

_NAME = r"[A-Z0-9][\w'\u2019&+\-]*(?:\.[a-z]{2,}|(?:(?<=Co)|(?<=Inc)|(?<=Ltd))\.)?"
# a brand: up to five capitalised words, joiners allowed inside ("Salt & Pepper Co.");
# matched case-sensitively inside case-insensitive cues
_ONE = rf"{_NAME}(?:\s+(?:&|of|the|de)?\s*{_NAME}){{0,4}}"
# one brand or a list of them ("A, B and C", "A and by B")
BRAND = rf"(?-i:(?P<brand>{_ONE}(?:(?:,\s*|,?\s+and\s+(?:by\s+)?){_ONE})*))"
# cues that put the brand after them
CUES_BEFORE = [
    r"brought to you by",
    r"(?:is |are |was )?(?:proudly )?sponsored by",
    r"(?:is |are )?(?:supported|presented|underwritten) by",
    r"made possible by",
    r"(?:sponsored|supported|presented|brought to you) (?:in part )?by [^.;:]*?\band by",
    r"sponsored in part by",
    r"support for (?:this|the|today'?s) (?:show|episode|podcast) comes from",
    r"(?:big |special )?thanks? (?:you )?to our (?:sponsors?|partners?(?: at)?|friends at)",
    r"our (?:sponsors?|partners?) (?:today|this week|for this episode) (?:is|are)",
    r"(?:today'?s|this week'?s|this episode'?s|episode) sponsors?(?: is| are)?:?",
    r"a word from our sponsors?:?",
    r"^sponsors?:",
]
# "thanks to X for sponsoring / supporting the show", "shout-out to X for ..."
CUE_THANKS_FOR = re.compile(
    rf"(?:thanks?(?: you)?|shout-?out|props) to {BRAND},? for "
    r"(?:sponsoring|supporting|making|backing)", re.I)
# "X is a proud sponsor of the show", "X sponsors this episode", "X backs this show"
CUE_AFTER = re.compile(
    rf"{BRAND},? (?:(?:is|are) (?:a |the )?(?:proud |official )?sponsors?\b"
    r"|(?:is |are )?(?:proudly )?(?:sponsors|sponsoring|backs|backing|supports|supporting"
    r"|underwrites) (?:this|the|our|today'?s)\b)", re.I)
CUE_BEFORE = re.compile(r"(?:" + "|".join(CUES_BEFORE) + r")[\s,:\-\u2013\u2014]*" + BRAND,
                        re.I | re.M)
LIST_CUE = re.compile(r"^\s*(?:episode |today'?s )?sponsors?\s*:\s*$", re.I)
LIST_ITEM = re.compile(rf"^\s*[-*•]\s*{BRAND}\s*[:\-\u2013\u2014]", re.M)
PAREN = re.compile(r"\s*\([^)]*\)")

CODE = re.compile(
    r"(?:(?:promo|offer|discount|coupon|checkout)\s+)?code\s*[:\"“']?\s*(?P<code>[A-Za-z0-9]{3,20})\b"
    r"|\b(?:enter|use|apply)\s+(?P<code2>(?-i:[A-Z0-9]{3,20}))\s+at\s+checkout", re.I)
URL = re.compile(
    r"(?<![@\w.])(?P<url>(?:https?://)?(?:www\.)?[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*"
    r"\.(?:com|net|org|io|co|fm|example|ly|app|shop|store|us|uk|de|tv)(?:/[\w\-./%?=&]*)?)",
    re.I)
OFFER = re.compile(
    r"(?P<offer>(?:up to )?\d{1,3}\s?% (?:off|discount)"
    r"(?: (?:your|the|an?|plus)\b(?:(?! at | with | when | to | on )[^.,;)\u2013\u2014])*)?"
    r"|\$\d+(?:\.\d\d)? (?:off|bonus|credit)[^.,;)]*|an? \$\d+ (?:bonus|credit)"
    r"|(?:(?:your )?first [\w ]{0,20}? free)"
    r"|free (?:for \d+ days|\d+[- ]day trial|trial|shipping|[\w ]{0,25}?with any order)"
    r"|(?:start )?your free \d+-day trial|try it free|\w+ extra months? free"
    r"|a discount)", re.I)
AD_VERB = re.compile(r"\b(?:use|enter|with) (?:the )?(?:promo |offer )?code\b|\b(?:go|head) "
                     r"(?:over )?to\b|\bvisit\b|\bcheck out\b|\btry\b|\bget\b|% off", re.I)
DENIAL = re.compile(
    r"\bno sponsors?\b|\bnot (?:a paid|sponsored|an ad)\b|\bnot sponsored\b|\bad-free\b"
    r"|\baffiliate\b|\bcommission\b|\bwithout sponsors\b|\bnot paid\b"
    r"|\bno paid (?:advertising|promotion|sponsorship)", re.I)
# links that are never reads: listener support, contact and social pages, podcast apps
NON_AD_DOMAINS = re.compile(r"patreon|buymeacoffee|ko-fi|speakpipe|twitter|instagram|"
                            r"youtube|apple\.com|spotify", re.I)
STOP_TAIL = re.compile(r"\s+(?:and|of|the|&|de)$", re.I)
STOP_BRANDS = {"this", "the", "our", "today", "we", "you", "it", "use", "visit", "go",
               "head", "get", "try", "thanks", "and", "a", "an", "all"}
MAX_FOLLOW = 2  # sentences after a cue that can still hold its code or URL


@dataclass
class Mention:
    brand: str
    cue: str  # named | domain
    sentences: list[str] = field(default_factory=list)
    promo_code: str | None = None
    vanity_url: str | None = None
    offer: str | None = None


# --- text --------------------------------------------------------------------------------

def clean(text: object) -> str:
    """Show notes as plain text: tags out (block tags as line breaks), entities decoded."""
    if not isinstance(text, str) or not text:  # None, or NaN from a frame
        return ""
    text = re.sub(r"<\s*(?:br|/p|/li|li|/div|/h\d)\b[^>]*>", "\n", text, flags=re.I)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def sentences(text: str) -> list[str]:
    """Sentences and lines: a break after . ! ? followed by a space and a capital, a quote
    or a bullet; every line break."""
    out = []
    for line in text.splitlines():
        out += [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“(\-•*])", line)
                if s.strip()]
    return out


def norm(value: str | None) -> str:
    """A key to compare brands: lower-case letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", (value or "").lower())


def norm_url(url: str | None) -> str:
    u = re.sub(r"^https?://", "", (url or "").lower())
    return re.sub(r"^www\.", "", u).rstrip("/.")


def domain(url: str | None) -> str:
    return norm_url(url).split("/", 1)[0]


def _brand_from_domain(url: str) -> str:
    return domain(url).split(".")[0].replace("-", " ").title()


def _trim_brand(raw: str) -> list[str]:
    """The brands in a cue's capture: split on ', ' and ' and ', trailing joiners cut."""
    parts = re.split(r",\s*(?:and\s+)?(?:by\s+)?|\s+and\s+(?:by\s+)?(?=[A-Z])", raw)
    out = []
    for part in parts:
        part = STOP_TAIL.sub("", part.strip(" .:-\u2013\u2014")).strip()
        if part and part.lower() not in STOP_BRANDS and not URL.fullmatch(part):
            out.append(part)
    return out


# --- extraction --------------------------------------------------------------------------

def _cued_brands(sentence: str) -> list[str]:
    sentence = PAREN.sub("", sentence)  # "A (a.example, code X) and B": the brands A, B
    brands: list[str] = []
    for rx in (CUE_BEFORE, CUE_THANKS_FOR, CUE_AFTER):
        for m in rx.finditer(sentence):
            brands += [b for b in _trim_brand(m.group("brand")) if b not in brands]
    return brands


def _codes(sentence: str) -> list[str]:
    out = []
    for m in CODE.finditer(sentence):
        code = m.group("code") or m.group("code2")
        if code.lower() in {"for", "at", "the", "and", "to", "is", "below"}:
            continue
        out.append(code.upper())
    return out


def _urls(sentence: str) -> list[str]:
    return [m.group("url").rstrip(".") for m in URL.finditer(sentence)
            if not NON_AD_DOMAINS.search(m.group("url"))]


def _owner(mentions: list[Mention], value: str, field_name: str) -> Mention | None:
    """The read a URL (or code) belongs to: the one its domain names, else the latest still
    missing that field, else the latest."""
    if not mentions:
        return None
    if field_name == "vanity_url":
        for m in reversed(mentions):
            if _domain_names(value, m):
                return m
    for m in reversed(mentions):
        if getattr(m, field_name) is None:
            return m
    return mentions[-1]


def _segments(sentence: str, targets: list[Mention]) -> list[tuple[Mention, str]]:
    """The parts of a sentence each read owns: from where its brand is named to where the
    next is (the text before the first goes to the first: 'Use code X - thanks to B').
    None named: the whole sentence, to the read its URL's domain names, else the latest
    read still without a code."""
    found = []
    for m in targets:
        word = re.escape(m.brand.split()[0]) if m.brand.split() else ""
        hit = re.search(rf"\b{word}", sentence, re.I) if word else None
        if hit:
            found.append((hit.start(), m))
    found.sort(key=lambda pair: pair[0])
    if not found:
        urls = _urls(sentence)
        owner = (_owner(targets, urls[0], "vanity_url") if urls
                 else _owner(targets, "", "promo_code"))
        return [(owner or targets[-1], sentence)]
    bounds = [0] + [pos for pos, _ in found[1:]] + [len(sentence)]
    return [(m, sentence[bounds[i]:bounds[i + 1]]) for i, (_, m) in enumerate(found)]


def _attach(sentence: str, targets: list[Mention]) -> None:
    """Codes, URLs and offers of a sentence to the reads they belong to."""
    for mention, text in _segments(sentence, targets):
        owner = mention
        for url in _urls(text):
            by_domain = _owner([m for m in targets if _domain_names(url, m)], url, "vanity_url")
            owner = by_domain or mention
            owner.vanity_url = owner.vanity_url or url
        for code in _codes(text):
            owner.promo_code = owner.promo_code or code
        offer = OFFER.search(text)
        if offer and owner.offer is None:
            owner.offer = offer.group("offer").strip(" ,")


def _domain_names(url: str, m: Mention) -> bool:
    key = norm(domain(url))
    words = [norm(w) for w in m.brand.split() if len(norm(w)) >= 4]
    return bool(norm(m.brand)) and (norm(m.brand) in key or any(w in key for w in words))


def extract(text: object) -> list[Mention]:
    """The sponsor reads in one episode's notes, in order."""
    parts = sentences(clean(text))
    reads: list[Mention] = []
    open_reads: list[Mention] = []  # the reads the next sentences may still add to
    since_cue = MAX_FOLLOW + 1
    in_list = False
    for sentence in parts:
        if DENIAL.search(sentence):
            open_reads, since_cue = [], MAX_FOLLOW + 1
            continue
        if LIST_CUE.match(sentence):
            in_list = True
            continue
        brands = _cued_brands(sentence)
        # under a "Sponsors:" heading, each bullet names one (a bullet list elsewhere, of
        # guests or links, names none)
        item = LIST_ITEM.match(sentence) if in_list else None
        if item and not brands:
            brands = _trim_brand(item.group("brand"))
        new = [Mention(b, "named") for b in brands]
        # a sentence that names an earlier read again ("Brightmug: code X") adds to it
        named = [m for m in reads if _names(sentence, m.brand)]
        if new:
            reads += new
            open_reads, since_cue = new, 0
        elif named:
            open_reads, since_cue = named, 0
        else:
            since_cue += 1
        targets = open_reads if since_cue <= MAX_FOLLOW else []
        if targets:
            _attach(sentence, targets)
            for m in targets:
                m.sentences.append(sentence)
            if not new and not named and not (_codes(sentence) or _urls(sentence)
                                              or OFFER.search(sentence)):
                since_cue = MAX_FOLLOW + 1  # a sentence with nothing of a read ends it
        elif _ad_like(sentence):
            _orphan_read(sentence, reads)
    return _merge_repeats(reads)


def _merge_repeats(reads: list[Mention]) -> list[Mention]:
    """One read per brand and offer: a brand cued again ('thanks again to X') joins its
    earlier read unless the two carry different codes or URLs (two campaigns of one
    sponsor, each read in full)."""
    out: list[Mention] = []
    for m in reads:
        same = next((o for o in out if norm(o.brand) == norm(m.brand) and _compatible(o, m)),
                    None)
        if same is None:
            out.append(m)
            continue
        same.promo_code = same.promo_code or m.promo_code
        same.vanity_url = same.vanity_url or m.vanity_url
        same.offer = same.offer or m.offer
        same.sentences += m.sentences
    return out


def _compatible(a: Mention, b: Mention) -> bool:
    return all(x is None or y is None or x == y for x, y in
               ((a.promo_code, b.promo_code), (norm_url(a.vanity_url) or None,
                                               norm_url(b.vanity_url) or None)))


def _names(sentence: str, brand: str) -> bool:
    first = norm(brand.split()[0]) if brand.split() else ""
    head = norm(sentence.split(":", 1)[0]) if ":" in sentence[:40] else ""
    return bool(first) and len(first) >= 4 and head.startswith(first)


def _ad_like(sentence: str) -> bool:
    """A read without a cue: a code with a URL or an ad verb ('use code X'), or a vanity
    URL (a domain with a path) with an offer and an ad verb ('go to x.example/y for a
    free month')."""
    codes, urls = _codes(sentence), _urls(sentence)
    verb = AD_VERB.search(sentence) is not None
    if codes:
        return bool(urls) or verb
    return verb and OFFER.search(sentence) is not None and any("/" in norm_url(u) for u in urls)


def _orphan_read(sentence: str, reads: list[Mention]) -> None:
    """A code (with a URL or an ad verb) and no cue: a read named after the URL's domain;
    a repeat of an earlier read ('That's x.example/eat, code EAT50') adds nothing."""
    urls, codes = _urls(sentence), _codes(sentence)
    for m in reads:
        if (m.promo_code and m.promo_code in codes) or (
                m.vanity_url and norm_url(m.vanity_url) in {norm_url(u) for u in urls}):
            return
    brand = _brand_from_domain(urls[0]) if urls else codes[0].title()
    for m in reads:  # the brand named later ('Tidepool: the app ...') is this read
        if norm(m.brand) == norm(brand):
            return
    m = Mention(brand, "domain", [sentence])
    _attach(sentence, [m])
    reads.append(m)


# --- known sponsors ----------------------------------------------------------------------

@dataclass(frozen=True)
class Booked:
    """A tenant's booked sponsors, keyed for matching."""
    codes: dict[str, str]  # promo code (upper) -> sponsor_id
    urls: dict[str, str]  # normalised vanity URL -> sponsor_id
    domains: dict[str, str]  # vanity URL domain -> sponsor_id
    names: dict[str, str]  # normalised sponsor name -> sponsor_id


def booked_by_tenant(sponsors: pd.DataFrame, campaigns: pd.DataFrame) -> dict[str, Booked]:
    """sponsors: tenant_id, sponsor_id, sponsor_name; campaigns: tenant_id, sponsor_id,
    promo_code, vanity_url (either may be null)."""
    out = {}
    for tenant in sorted(set(sponsors.get("tenant_id", [])) | set(campaigns.get("tenant_id", []))):
        sp = sponsors[sponsors["tenant_id"] == tenant]
        ca = campaigns[campaigns["tenant_id"] == tenant]
        codes = _keyed(ca["promo_code"], ca["sponsor_id"], str.upper)
        urls = _keyed(ca["vanity_url"], ca["sponsor_id"], norm_url)
        out[tenant] = Booked(codes, urls, {domain(u): s for u, s in urls.items()},
                             _keyed(sp["sponsor_name"], sp["sponsor_id"], norm))
    return out


def _keyed(values: pd.Series, sponsor_ids: pd.Series, key: Any) -> dict[str, str]:
    """{key(value): sponsor_id} over the non-empty text values."""
    return {key(v): s for v, s in zip(values, sponsor_ids, strict=True)
            if isinstance(v, str) and key(v)}


def match(m: Mention, booked: Booked | None) -> tuple[str | None, str]:
    """The booked sponsor of a read and how it was found."""
    if booked is None:
        return None, "none"
    if m.promo_code and m.promo_code in booked.codes:
        return booked.codes[m.promo_code], "promo_code"
    if m.vanity_url and norm_url(m.vanity_url) in booked.urls:
        return booked.urls[norm_url(m.vanity_url)], "vanity_url"
    if m.vanity_url and domain(m.vanity_url) in booked.domains:
        return booked.domains[domain(m.vanity_url)], "url_domain"
    key = norm(m.brand)
    for name, sponsor in booked.names.items():
        if key and (key == name or (len(key) >= 4 and (name.startswith(key)
                                                       or key.startswith(name)))):
            return sponsor, "brand"
    return None, "none"


def confidence(m: Mention, matched: bool) -> float:
    score = (0.55 if m.cue == "named" else 0.45) + 0.15 * bool(m.promo_code) \
        + 0.1 * bool(m.vanity_url) + 0.05 * bool(m.offer) + 0.15 * matched
    return round(min(score, 0.99), 2)


def mention_rows(episodes: pd.DataFrame, booked: dict[str, Booked]) -> list[dict[str, Any]]:
    """One row per episode x read. episodes: tenant_id, show_id, episode_id, description."""
    rows = []
    for ep in episodes.sort_values(["tenant_id", "show_id", "episode_id"]).itertuples():
        for seq, m in enumerate(extract(ep.description), start=1):
            sponsor, method = match(m, booked.get(ep.tenant_id))
            rows.append({"tenant_id": ep.tenant_id, "show_id": ep.show_id,
                         "episode_id": ep.episode_id, "mention_seq": seq, "brand": m.brand,
                         "promo_code": m.promo_code, "vanity_url": m.vanity_url,
                         "offer": m.offer, "sponsor_id": sponsor, "match_method": method,
                         "confidence": confidence(m, sponsor is not None),
                         "evidence": " ".join(dict.fromkeys(m.sentences))[:300]})
    return rows


# --- evaluation --------------------------------------------------------------------------

@dataclass(frozen=True)
class Scores:
    true_positives: int
    predicted: int
    labelled: int
    code_correct: int
    url_correct: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.labelled if self.labelled else 1.0


def same_brand(a: str | None, b: str | None) -> bool:
    """Brands agree when one normalised name starts the other ('Nimbus' ~ 'Nimbus VPN')."""
    x, y = norm(a), norm(b)
    return bool(x and y) and (x.startswith(y) or y.startswith(x))


def score(predicted: list[list[dict[str, Any]]], labelled: list[list[dict[str, Any]]]) -> Scores:
    """Mention-level precision and recall over notes (one list of mentions per note): a
    prediction is right when its brand agrees with an unmatched labelled one of its note;
    of those, how many carry the labelled code and URL exactly (both null counts)."""
    tp = codes = urls = 0
    for pred, truth in zip(predicted, labelled, strict=True):
        left = list(truth)
        for p in pred:
            hit = next((t for t in left if same_brand(p["brand"], t["brand"])), None)
            if hit is None:
                continue
            left.remove(hit)
            tp += 1
            codes += (p.get("promo_code") or None) == (
                hit["promo_code"].upper() if hit.get("promo_code") else None)
            urls += norm_url(p.get("vanity_url")) == norm_url(hit.get("vanity_url"))
    return Scores(tp, sum(map(len, predicted)), sum(map(len, labelled)), codes, urls)


def as_dicts(mentions: list[Mention]) -> list[dict[str, Any]]:
    return [{"brand": m.brand, "promo_code": m.promo_code, "vanity_url": m.vanity_url,
             "offer": m.offer} for m in mentions]


