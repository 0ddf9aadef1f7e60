"""Sponsor reads in show notes: precision and recall on hand-labelled realistic notes (a
development set the rules were written against and a held-out set written afterwards),
the synthetic world's read template, matching to booked sponsors, and the table's rows."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analyses import sponsor_mentions as sm

NOTES = Path(__file__).resolve().parents[1] / "fixtures" / "sponsor_mentions" / \
    "labelled_notes.jsonl"


def _notes(split: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in NOTES.read_text().splitlines() if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def _scores(notes: list[dict]) -> sm.Scores:
    predicted = [sm.as_dicts(sm.extract(n["text"])) for n in notes]
    return sm.score(predicted, [n["mentions"] for n in notes])


def test_labelled_notes_are_realistic_and_varied():
    notes = _notes()
    assert len(_notes("dev")) >= 25 and len(_notes("holdout")) >= 10
    assert sum(not n["mentions"] for n in notes) >= 15  # false-positive traps
    assert sum(len(n["mentions"]) > 1 for n in notes) >= 4  # several sponsors in one note


@pytest.mark.parametrize("split", ["dev", "holdout"])
def test_precision_and_recall_on_labelled_notes(split):
    s = _scores(_notes(split))
    assert s.labelled >= 10
    assert s.precision >= 0.9, s
    assert s.recall >= 0.9, s
    # of the reads found, the code and URL as labelled (null when the note has none)
    assert s.code_correct >= 0.9 * s.true_positives, s
    assert s.url_correct >= 0.9 * s.true_positives, s


def test_no_read_in_notes_without_sponsors():
    for n in _notes():
        if not n["mentions"]:
            assert sm.extract(n["text"]) == [], n["id"]


def test_the_synthetic_read_template():
    text = ("Episode 19 of the show. This episode is brought to you by Brightmug Coffee. Use "
            "promo code BRIGHT1001 or visit https://brightmug.example/acme-s006 for a "
            "discount. This episode is brought to you by Nimbus VPN. Use promo code "
            "NIMBUS2503 or visit https://nimbusvpn.example/acme-s006 for a discount.")
    got = [(m.brand, m.promo_code, m.vanity_url, m.offer) for m in sm.extract(text)]
    assert got == [
        ("Brightmug Coffee", "BRIGHT1001", "https://brightmug.example/acme-s006", "a discount"),
        ("Nimbus VPN", "NIMBUS2503", "https://nimbusvpn.example/acme-s006", "a discount")]


def test_html_notes_are_read_as_text():
    text = ("<p>Today&#8217;s episode is brought to you by <b>Fernleaf Sleep</b>.</p>"
            "<ul><li>Use code <strong>SLEEP10</strong> for 10% off.</li></ul>")
    [m] = sm.extract(text)
    assert (m.brand, m.promo_code, m.offer) == ("Fernleaf Sleep", "SLEEP10", "10% off")
    assert sm.extract(None) == [] and sm.extract("") == []


SPONSORS = pd.DataFrame({"tenant_id": ["t", "t", "u"], "sponsor_id": ["sp1", "sp2", "sp9"],
                         "sponsor_name": ["Nimbus VPN", "Brightmug Coffee", "Orbit Shoes"]})
CAMPAIGNS = pd.DataFrame({"tenant_id": ["t", "t", "u"], "sponsor_id": ["sp1", "sp2", "sp9"],
                          "promo_code": ["NIMBUS20", None, "ORBIT30"],
                          "vanity_url": ["https://nimbusvpn.example/brief", None, None]})


@pytest.mark.parametrize(("read", "expected"), [
    (sm.Mention("Acme", "named", promo_code="NIMBUS20"), ("sp1", "promo_code")),
    (sm.Mention("Acme", "named", vanity_url="www.nimbusvpn.example/brief/"),
     ("sp1", "vanity_url")),
    (sm.Mention("Acme", "named", vanity_url="nimbusvpn.example/other"), ("sp1", "url_domain")),
    (sm.Mention("Brightmug", "named"), ("sp2", "brand")),
    (sm.Mention("Orbit Shoes", "named", promo_code="ORBIT30"), (None, "none")),  # tenant u's
    (sm.Mention("Zest", "named", promo_code="ZEST"), (None, "none")),
])
def test_reads_match_the_tenants_booked_sponsors(read, expected):
    booked = sm.booked_by_tenant(SPONSORS, CAMPAIGNS)
    assert sm.match(read, booked["t"]) == expected


def test_mention_rows_carry_every_column_and_a_score():
    episodes = pd.DataFrame({
        "tenant_id": ["t", "t", "t"], "show_id": ["s1", "s1", "s2"],
        "episode_id": ["e2", "e1", "e3"],
        "description": ["No sponsors this week.",
                        "Sponsored by Nimbus VPN. Use code NIMBUS20 for 20% off.", None]})
    rows = sm.mention_rows(episodes, sm.booked_by_tenant(SPONSORS, CAMPAIGNS))
    assert len(rows) == 1
    [row] = rows
    assert list(row) == list(sm.MENTIONS.columns)
    assert (row["episode_id"], row["mention_seq"], row["sponsor_id"]) == ("e1", 1, "sp1")
    # named cue 0.55 + code 0.15 + offer 0.05 + booked 0.15
    assert row["confidence"] == pytest.approx(0.9)
    assert "NIMBUS20" in row["evidence"]


def test_score_counts_brand_matches_once():
    truth = [[{"brand": "Nimbus VPN", "promo_code": "X1", "vanity_url": None}], []]
    predicted = [[{"brand": "Nimbus", "promo_code": "X1", "vanity_url": None},
                  {"brand": "Nimbus VPN", "promo_code": None, "vanity_url": None}],
                 [{"brand": "Acme", "promo_code": None, "vanity_url": None}]]
    s = sm.score(predicted, truth)
    assert (s.true_positives, s.predicted, s.labelled) == (1, 3, 1)
    assert s.precision == pytest.approx(1 / 3) and s.recall == 1.0
    assert (s.code_correct, s.url_correct) == (1, 1)


def test_a_brand_read_twice_is_one_read_unless_its_codes_differ():
    again = ("Brought to you by Quillbox. Use code WRITE. Our guest is Ana Ruiz. Thanks "
             "again to Quillbox for sponsoring the show.")
    assert [(m.brand, m.promo_code) for m in sm.extract(again)] == [("Quillbox", "WRITE")]
    two = ("This episode is brought to you by Quillbox. Use promo code QUILL1 or visit "
           "quillbox.example/a for a discount. This episode is brought to you by Quillbox. "
           "Use promo code QUILL2 or visit quillbox.example/b for a discount.")
    assert [m.promo_code for m in sm.extract(two)] == ["QUILL1", "QUILL2"]
