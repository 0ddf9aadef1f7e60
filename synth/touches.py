"""Every order's touchpoints by the product's matching rules (dbt/METHODOLOGY.md,
"Attribution"), from the generator's own arrays: the reference for fct_touchpoints.

A household is the buyer's IPv4 address or IPv6 /64 (`Population.hh_addr`). Touches of
an order, for its sponsor only: each delivered ad of the sponsor's campaigns to the
household within the campaign's attribution window before the order (at its delivery
time); each UTM-tagged or vanity-URL visit of the household within the window (at the
visit); the order's promo code (at the order); the survey's podcast, resolved to the
sponsor's campaign that booked that show and was live at the order, else the latest
started before it, else the latest (at the order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth import agents
from synth.bookings import Bookings
from synth.conversions import ConversionData
from synth.writers import iso

COLUMNS = ["order_id", "sponsor_id", "campaign_id", "touch_type", "touched_at"]


def conversion_touches(ads: pd.DataFrame, conv: ConversionData, b: Bookings,
                       hh_addr: np.ndarray, titles: dict[str, str], t0: int) -> pd.DataFrame:
    """`ads`: delivered ads (line item index `li`, listener key `key`, delivery time `at`)."""
    camps = b.campaigns.reset_index(drop=True)
    win = camps["attribution_window_days"].to_numpy().astype(np.int64) * 86400
    sp_of_c = camps["sponsor_idx"].to_numpy()
    camp_of_li = b.line_items["campaign_id"].map(
        pd.Series(np.arange(len(camps)), index=camps["campaign_id"])).to_numpy()
    o = conv.orders
    orders = pd.DataFrame({"order_id": o["order_id"], "home": hh_addr[o["hh"].to_numpy()],
                           "sponsor": o["sponsor"].to_numpy(), "ot": o["ot"].to_numpy()})
    parts = []
    # impressions
    a_home = hh_addr[ads["key"].to_numpy() // agents.N_AGENTS]
    near = np.isin(a_home, orders["home"].to_numpy())
    c = camp_of_li[ads["li"].to_numpy()[near]]
    imp = pd.DataFrame({"home": a_home[near], "campaign": c, "sponsor": sp_of_c[c],
                        "t": ads["at"].to_numpy()[near]})
    parts.append(_within_window(orders, imp, win).assign(touch_type="impression"))
    # visits tagged with a campaign (UTM) or landing on its vanity URL
    v = conv.visits[conv.visits["tag_campaign"].to_numpy() >= 0]
    c = v["tag_campaign"].to_numpy()
    vis = pd.DataFrame({"home": hh_addr[v["hh"].to_numpy()], "campaign": c,
                        "sponsor": sp_of_c[c], "t": v["t"].to_numpy(),
                        "touch_type": np.where(v["tag"] == "vanity", "vanity_url",
                                               "utm_visit")})
    parts.append(_within_window(orders, vis, win))
    # promo codes and survey answers, placed at the order
    coded = o["code_campaign"].to_numpy() >= 0
    parts.append(pd.DataFrame({"order_id": o["order_id"][coded],
                               "campaign": o["code_campaign"][coded],
                               "t": o["ot"][coded], "touch_type": "promo_code"}))
    parts.append(_survey_touches(conv, camps, b.line_items, titles, t0))
    out = pd.concat(parts, ignore_index=True)
    sponsor_of_order = pd.Series(o["sponsor_id"].to_numpy(), index=o["order_id"])
    out = pd.DataFrame({
        "order_id": out["order_id"].to_numpy(),
        "sponsor_id": sponsor_of_order.reindex(out["order_id"]).to_numpy(),
        "campaign_id": camps["campaign_id"].to_numpy()[out["campaign"].to_numpy()],
        "touch_type": out["touch_type"].to_numpy(),
        "touched_at": iso(out["t"].to_numpy()),
    })
    return out.sort_values(COLUMNS, kind="stable").reset_index(drop=True)


def _within_window(orders: pd.DataFrame, touches: pd.DataFrame,
                   win: np.ndarray) -> pd.DataFrame:
    """Touches of the order's household and sponsor in (order - window, order]."""
    m = orders.merge(touches, on=["home", "sponsor"])
    ok = (m["t"] <= m["ot"]) & (m["t"] > m["ot"] - win[m["campaign"].to_numpy()])
    keep = ["order_id", "campaign", "t"] + (["touch_type"] if "touch_type" in m else [])
    return m.loc[ok, keep]


def _survey_touches(conv: ConversionData, camps: pd.DataFrame, li: pd.DataFrame,
                    titles: dict[str, str], t0: int) -> pd.DataFrame:
    s = conv.surveys[conv.surveys["show_id"] != ""]
    o = conv.orders.set_index("order_id").loc[s["order_id"], ["sponsor", "ot"]]
    named = pd.DataFrame({"order_id": s["order_id"].to_numpy(),
                          "title": [titles[x].strip().lower() for x in s["show_id"]],
                          "sponsor": o["sponsor"].to_numpy(), "ot": o["ot"].to_numpy()})
    booked = li[["campaign_id", "show_id"]].assign(
        title=[titles[x].strip().lower() for x in li["show_id"]])
    booked = booked.merge(camps[["campaign_id", "sponsor_idx", "start_day"]].reset_index()
                          .rename(columns={"index": "campaign", "sponsor_idx": "sponsor"}),
                          on="campaign_id")
    m = named.merge(booked, on=["title", "sponsor"])
    m["later"] = (m["ot"] < t0 + m["start_day"] * 86400).astype(int)
    m = m.sort_values(["order_id", "later", "start_day", "campaign_id", "show_id"],
                      ascending=[True, True, False, True, True], kind="stable")
    first = m.drop_duplicates("order_id")
    return pd.DataFrame({"order_id": first["order_id"], "campaign": first["campaign"],
                         "t": first["ot"], "touch_type": "survey"})


def exposed_outcomes(ads: pd.DataFrame, conv: ConversionData, b: Bookings,
                     hh_addr: np.ndarray) -> pd.DataFrame:
    """Per campaign: households with a delivered ad, and the orders (revenue) the sponsor's
    ads caused among them from their first delivered ad to their last + the attribution
    window: what fct_campaign_incrementality's exposed-vs-unexposed comparison estimates.
    A household that also heard another campaign of the sponsor brings that campaign's
    effect along (the comparison is with households that heard none of them)."""
    camps = b.campaigns.reset_index(drop=True)
    camp_of_li = b.line_items["campaign_id"].map(
        pd.Series(np.arange(len(camps)), index=camps["campaign_id"])).to_numpy()
    reached = pd.DataFrame({"home": hh_addr[ads["key"].to_numpy() // agents.N_AGENTS],
                            "campaign": camp_of_li[ads["li"].to_numpy()],
                            "at": ads["at"].to_numpy()})
    o = conv.orders[conv.orders["inc"]]
    caused = pd.DataFrame({"home": hh_addr[o["hh"].to_numpy()],
                           "sponsor": o["sponsor"].to_numpy(), "ot": o["ot"].to_numpy(),
                           "revenue": o["revenue"].to_numpy()})
    buyers = reached[np.isin(reached["home"].to_numpy(), caused["home"].to_numpy())]
    span = buyers.groupby(["campaign", "home"])["at"].agg(["min", "max"]).reset_index()
    m = span.merge(caused, on="home")
    c = m["campaign"].to_numpy()
    win = camps["attribution_window_days"].to_numpy().astype(np.int64) * 86400
    ok = ((camps["sponsor_idx"].to_numpy()[c] == m["sponsor"].to_numpy())
          & (m["ot"] >= m["min"]) & (m["ot"] <= m["max"] + win[c]))
    among = m[ok].groupby("campaign").agg(n=("ot", "size"), rev=("revenue", "sum"))
    idx = np.arange(len(camps))
    return pd.DataFrame({
        "campaign_id": camps["campaign_id"].to_numpy(),
        "exposed_households": reached[["campaign", "home"]].drop_duplicates()
        .groupby("campaign").size().reindex(idx, fill_value=0).to_numpy(),
        "true_incremental_conversions": among["n"].reindex(idx, fill_value=0).to_numpy(),
        "true_incremental_revenue": among["rev"].reindex(idx, fill_value=0.0).round(2)
        .to_numpy(),
    })
