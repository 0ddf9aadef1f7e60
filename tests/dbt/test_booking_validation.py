"""Campaign bookings with mistakes, loaded from landing CSVs like a user's: each mistake is
reported with its file, line and field, and the faulty campaigns and line items stay out of
the sponsorship dimensions while the valid ones go through. Both targets."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from core.warehouse import connect
from ingest.load.loader import load_all
from tests.dbt.test_dbt_build import run_dbt

LANDING = {
    "shows/shows.csv": "tenant_id,show_id,title,feed_url,hosting_provider,header_bytes\n"
                       "acme,s1,Show One,feeds/s1.xml,,\n",
    "bookings/sponsors.csv": "tenant_id,sponsor_id,name,category,brief\n"
                             "acme,sp1,Brightmug,food,Coffee\n",
    # line 2 valid; 3 ends before it starts; 4 negative budget; 5 unknown sponsor and a
    # window of 90 days; 6 valid but reuses line 2's promo code during its flight; 7 valid,
    # same code as 2 after 2 ended (allowed)
    "bookings/campaigns.csv":
        "tenant_id,campaign_id,sponsor_id,name,start_date,end_date,budget,currency,"
        "pricing_model,booked_impressions,cpa_rate,attribution_window_days\n"
        "acme,c1,sp1,Good,2026-03-01,2026-03-31,1000,USD,cpm,50000,,30\n"
        "acme,c2,sp1,Backwards,2026-03-10,2026-03-01,1000,USD,cpm,50000,,30\n"
        "acme,c3,sp1,Negative,2026-03-01,2026-03-31,-5,USD,flat,,,30\n"
        "acme,c4,sp9,Stranger,2026-03-01,2026-03-31,1000,USD,cpa,,20,90\n"
        "acme,c5,sp1,Clash,2026-03-15,2026-04-15,1000,USD,cpm,50000,,30\n"
        "acme,c6,sp1,Later,2026-05-01,2026-05-31,1000,USD,cpm,50000,,30\n",
    "bookings/campaign_codes.csv": "campaign_id,code_type,code\n"
                                   "c1,promo_code,BREW20\n"
                                   "c5,promo_code,brew20\n"
                                   "c6,promo_code,BREW20\n",
    # line 2 valid (but its campaign isn't); 3 unknown show; 4 bad position and negative
    # rate; 5 valid
    "bookings/line_items.csv":
        "line_item_id,campaign_id,show_id,position,ad_type,rate,booked_impressions\n"
        "li1,c1,s1,mid,dynamic,25,50000\n"
        "li2,c1,s404,pre,dynamic,18,1000\n"
        "li3,c6,s1,middle,baked,-1,1000\n"
        "li4,c6,s1,post,dynamic,17,1000\n",
}

EXPECTED = {
    ("bookings/campaigns.csv", 3, "end_date"),
    ("bookings/campaigns.csv", 4, "budget"),
    ("bookings/campaigns.csv", 5, "sponsor_id"),
    ("bookings/campaigns.csv", 5, "attribution_window_days"),
    ("bookings/campaign_codes.csv", 2, "code"),
    ("bookings/campaign_codes.csv", 3, "code"),
    ("bookings/line_items.csv", 3, "show_id"),
    ("bookings/line_items.csv", 4, "position"),
    ("bookings/line_items.csv", 4, "rate"),
}


def test_booking_errors_name_file_line_and_field(settings: Settings, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    for name, text in LANDING.items():
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_text(text)
    wh = connect(settings)
    try:
        load_all(wh, landing)
    finally:
        wh.close()
    run_dbt(["run", "--select", "+dim_campaigns", "+dim_line_items", "+int_booking_errors"],
            settings.dbt_env(), tmp_path)
    wh = connect(settings)
    try:
        errors = wh.fetchall("select source_file, source_line, field, message "
                             "from intermediate.int_booking_errors")
        campaigns = {c for (c,) in wh.fetchall("select campaign_id from marts.dim_campaigns")}
        line_items = {i for (i,) in wh.fetchall("select line_item_id from marts.dim_line_items")}
    finally:
        wh.close()
    assert {(f, int(line), field) for f, line, field, _ in errors} == EXPECTED
    messages = {m for *_, m in errors}
    assert ("bookings/campaigns.csv line 3, end_date: end_date 2026-03-01 is before start_date "
            "2026-03-10") in messages
    assert any("also used by live campaign c5" in m for m in messages)
    # c5 clashes with c1 (both stay out); c6 reuses the code after c1 ended: fine
    assert campaigns == {"c6"}  # c1 is out too: its promo code clashes with c5's
    assert line_items == {"li4"}
