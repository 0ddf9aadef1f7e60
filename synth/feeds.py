"""RSS 2.0 feeds with itunes: and podcast: namespaces, quirks included.

Quirks as seen in real feeds (Podcast Index / Apple feed validator reports): missing or
duplicate guids, malformed pubDates, itunes:duration as seconds, MM:SS or HH:MM:SS, empty or
absent enclosure lengths, missing durations, enclosures already wrapped in a prefix.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import uuid
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pandas as pd

from synth.bookings import Bookings
from synth.catalog import Catalog
from synth.topics import episode_note, show_description, transcript_path

PODCAST_NS = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")  # podcast:guid namespace
BAD_DATES = ("{d:%Y-%m-%d} 10:00", "Tue, 31 Feb {d:%Y} 10:00:00 +0000", "yesterday")


def _duration(sec: int, fmt: str) -> str:
    if fmt == "seconds":
        return str(sec)
    if fmt == "mmss":
        return f"{sec // 60}:{sec % 60:02d}"
    return f"{sec // 3600:02d}:{sec % 3600 // 60:02d}:{sec % 60:02d}"


def _reads(cat: Catalog, b: Bookings) -> dict[str, list[tuple[int, int, str]]]:
    """Per show: (first day, last day, sponsor read) of the campaigns booked on it."""
    out: dict[str, list[tuple[int, int, str]]] = {}
    codes = b.codes.pivot(index="campaign_id", columns="code_type", values="code")
    sp = b.sponsors.set_index("sponsor_id")["name"]
    for c in b.campaigns.itertuples():
        read = (f"This episode is brought to you by {sp[c.sponsor_id]}. Use promo code "
                f"{codes.at[c.campaign_id, 'promo_code']} or visit "
                f"{codes.at[c.campaign_id, 'vanity_url']} for a discount.")
        for s in set(b.line_items.loc[b.line_items.campaign_id == c.campaign_id, "show_id"]):
            out.setdefault(s, []).append((c.start_day - 7, c.end_day, read))
    return out


def _item(e: pd.Series, day: int, reads: list[tuple[int, int, str]]) -> str:
    pub = dt.datetime.fromtimestamp(int(e.pub_ts), dt.UTC)
    pub_s = (BAD_DATES[int(e.bad_pubdate_kind)].format(d=pub) if e.bad_pubdate
             else email.utils.format_datetime(pub))
    desc = f"Episode {e.number} of the show."
    desc += episode_note(e.get("topic_words", ""))
    desc += "".join(" " + r for lo, hi, r in reads if lo <= day <= hi)
    base = e.path.rsplit(".", 1)[0]
    parts = [f"<title>{escape(e.title)}</title>"]
    if not e.missing_guid:
        parts.append(f'<guid isPermaLink="false">{e.guid}</guid>')
    parts.append(f"<pubDate>{pub_s}</pubDate>")
    parts.append(f"<description>{escape(desc)}</description>")
    if e.missing_length:
        length = ' length=""' if e.number % 2 else ""
    else:
        length = f' length="{e["size"]}"'
    parts.append(f"<enclosure url={quoteattr(e.enclosure_url)}{length} type=\"audio/mpeg\"/>")
    if not e.missing_duration:
        parts.append(f"<itunes:duration>{_duration(int(e.duration), e.duration_format)}"
                     "</itunes:duration>")
    parts += [f"<itunes:season>{1 + (e.number - 1) // 50}</itunes:season>",
              f"<itunes:episode>{e.number}</itunes:episode>",
              f"<itunes:episodeType>{e.episode_type}</itunes:episodeType>",
              f'<podcast:transcript url="{transcript_path(e.show_id, e.number)}" '
              'type="text/vtt"/>',
              f'<podcast:chapters url="https://{base}.chapters.json" '
              'type="application/json+chapters"/>']
    return "<item>" + "".join(parts) + "</item>"


def render_feed(cat: Catalog, show: pd.Series, reads: list[tuple[int, int, str]]) -> str:
    eps = cat.episodes[cat.episodes["show_idx"] == show.name].sort_values(
        "pub_ts", ascending=False)
    items = []
    for _, e in eps.iterrows():
        day = int((e.pub_ts - cat.t0) // 86400)
        items.append(_item(e, day, reads))
        if e.dup_guid:
            dup = e.copy()
            dup["title"] = e.title + " (rerun)"
            items.append(_item(dup, day, reads))
    end = dt.datetime.combine(cat.start + dt.timedelta(days=cat.days), dt.time(),
                              dt.UTC)
    img = f"https://cdn.{show.tenant_id}.example/{show.show_id}/cover.jpg"
    link = f"https://{show.tenant_id}.example/shows/{show.show_id}"
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:podcast="https://podcastindex.org/namespace/1.0" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>'
        f"<title>{escape(show.title)}</title><link>{link}</link>"
        f"<description>{escape(show_description(show.title, show.category))}"
        "</description><language>en-us</language>"
        f"<lastBuildDate>{email.utils.format_datetime(end)}</lastBuildDate>"
        f"<itunes:author>{escape(show.tenant_id.title())} Media</itunes:author>"
        f"<itunes:category text={quoteattr(show.category)}/>"
        f"<itunes:explicit>{'true' if show.explicit else 'false'}</itunes:explicit>"
        f"<itunes:image href=\"{img}\"/>"
        f"<image><url>{img}</url><title>{escape(show.title)}</title><link>{link}</link></image>"
        f"<podcast:guid>{uuid.uuid5(PODCAST_NS, link.split('://', 1)[1])}</podcast:guid>\n"
    )
    return head + "\n".join(items) + "\n</channel>\n</rss>\n"


def write_feeds(cat: Catalog, b: Bookings, landing: Path) -> dict[str, int]:
    reads = _reads(cat, b)
    out = {}
    (landing / "feeds").mkdir(parents=True, exist_ok=True)
    for _, s in cat.shows.iterrows():
        xml = render_feed(cat, s, reads.get(s.show_id, []))
        p = landing / "feeds" / f"{s.show_id}.xml"
        p.write_text(xml, encoding="utf-8")
        out[f"feeds/{s.show_id}.xml"] = xml.count("<item>")
    return out
