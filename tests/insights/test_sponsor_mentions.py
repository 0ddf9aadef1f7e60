"""analyses.sponsor_mentions on the insights world against the reads the generator wrote:
an episode of a show carries the read of every campaign booked on the show (line items)
whose flight, opened a week early, holds the episode's publication day. The truth comes
from the landing bookings and the feeds' own items (guid, pubDate), not from the
warehouse's parse of them."""

from __future__ import annotations

import datetime as dt
import email.utils
import re

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow]

ITEM = re.compile(r"<item>.*?<guid[^>]*>(?P<guid>[^<]+)</guid><pubDate>(?P<pub>[^<]*)"
                  r"</pubDate>", re.S)


def _pub_date(text: str) -> dt.date | None:
    try:
        return email.utils.parsedate_to_datetime(text).astimezone(dt.UTC).date()
    except (TypeError, ValueError):
        return None  # the generator's malformed dates: left out of the check


def _items(landing) -> pd.DataFrame:
    rows = []
    for feed in sorted((landing / "feeds").glob("*.xml")):
        for m in ITEM.finditer(feed.read_text(encoding="utf-8")):
            day = _pub_date(m.group("pub"))
            if day is not None:
                rows.append({"show_id": feed.stem, "guid": m.group("guid"), "pub_date": day})
    return pd.DataFrame(rows).drop_duplicates(["show_id", "guid"])


def _truth(landing) -> pd.DataFrame:
    """One row per (show, guid, sponsor) read, with the booked code and URL."""
    b = landing / "bookings"
    camps = pd.read_csv(b / "campaigns.csv", parse_dates=["start_date", "end_date"])
    codes = pd.read_csv(b / "campaign_codes.csv").pivot(
        index="campaign_id", columns="code_type", values="code").reset_index()
    lines = pd.read_csv(b / "line_items.csv")[["campaign_id", "show_id"]].drop_duplicates()
    reads = lines.merge(camps, on="campaign_id").merge(codes, on="campaign_id")
    items = _items(landing)
    pairs = items.merge(reads, on="show_id")
    pub = pd.to_datetime(pairs["pub_date"])
    on = (pub >= pairs["start_date"] - pd.Timedelta(days=7)) & (pub <= pairs["end_date"])
    return pairs[on][["show_id", "guid", "sponsor_id", "promo_code", "vanity_url"]]


@pytest.fixture(scope="module")
def found(insights_world) -> pd.DataFrame:
    return insights_world.read(
        "select episodes.show_id, episodes.guid, mentions.* "
        "from analyses.sponsor_mentions as mentions "
        "inner join marts.dim_episodes as episodes "
        "on mentions.episode_id = episodes.episode_id")


def test_synthetic_reads_are_found_and_matched(insights_world, found):
    """A read is the episode x booked sponsor x promo code (a sponsor with two campaigns on
    a show is read twice, with two codes)."""
    landing = insights_world.path / "landing"
    truth = _truth(landing)
    assert len(truth) >= 50  # the world carries enough reads for the figures to mean much
    keys = set(map(tuple, _items(landing)[["show_id", "guid"]].to_numpy()))
    checked = found[[k in keys for k in zip(found["show_id"], found["guid"], strict=True)]]
    columns = ["show_id", "guid", "sponsor_id", "promo_code"]
    got = set(map(tuple, checked[columns].to_numpy()))
    want = set(map(tuple, truth[columns].to_numpy()))
    tp = len(got & want)
    precision, recall = tp / len(checked), tp / len(want)
    print(f"synthetic reads: precision {precision:.3f}, recall {recall:.3f} "
          f"({tp} of {len(want)} reads, {len(checked)} found)")
    assert precision >= 0.95 and recall >= 0.95
    exact = checked.merge(truth, on=columns, suffixes=("", "_booked"))
    assert (exact["vanity_url"] == exact["vanity_url_booked"]).mean() >= 0.99
    assert (exact["match_method"] == "promo_code").all()


def test_every_row_has_a_tenant_brand_and_evidence(found):
    assert len(found) > 0
    assert found["tenant_id"].notna().all() and found["brand"].notna().all()
    assert found["evidence"].str.len().gt(0).all()
    assert found["confidence"].between(0, 1).all()
