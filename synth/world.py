"""`generate_world`: every landing source, the ground truth and world.json."""

from __future__ import annotations

import datetime as dt
import json
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from synth import (
    agents,
    bad_landing,
    churn,
    creator_analytics,
    engagement,
    feeds,
    fraud,
    geo,
    injected,
    sizing,
    topics,
    traffic,
)
from synth.accesslog import UA_STRINGS, write_access_log
from synth.ads import deliveries, delivery_ip_index, exposures
from synth.bookings import POSITIONS, Bookings, build_bookings, dynamic_table
from synth.catalog import Catalog, build_catalog, whole_file_required
from synth.config import EXCLUSION_REASONS, WINDOW_TYPES, WorldConfig, WorldSummary
from synth.conversions import build_conversions
from synth.experiments import Experiments, build_experiments, plan
from synth.hosting import hosting_downloads
from synth.listeners import N_VARIANTS, Population, build_population
from synth.rng import stream
from synth.touches import conversion_touches, exposed_outcomes
from synth.traffic import FULL, Requests, Sessions
from synth.truth import (
    Countries,
    EpisodeArrays,
    RequestArrays,
    compute_truth,
    threshold_bytes,
)
from synth.writers import iso, write_csv, write_frame

FORMATS = ("jsonl", "parquet", "jsonl.gz", "parquet")
POSITION_ARR = pa.array(list(POSITIONS))
DELIVERY_COLUMNS = [
    ("delivery_id", "'d' || lpad(id::VARCHAR, 10, '0')"),
    ("timestamp", "strftime(make_timestamp(ts * 1000000), '%Y-%m-%dT%H:%M:%S') || '+00:00'"),
    ("ip", "ip"), ("user_agent", "user_agent"), ("url", "url"),
    ("campaign_id", "campaign_id"), ("line_item_id", "line_item_id"),
    ("creative_id", "creative_id"),
    ("position", "position"), ("byte_start", "byte_start"), ("byte_end", "byte_end"),
]
INCREMENTALITY_COLUMNS = [
    "campaign_id", "sponsor_id", "exposed_households", "households", "baseline_rate",
    "baseline_visit_rate", "incremental_visit_probability", "true_incremental_visits",
    "true_incremental_conversions", "true_incremental_revenue",
    "true_incremental_conversions_caused", "true_incremental_revenue_caused",
    "attribution_window_days"]
REQUESTS_PER_SESSION = 2.05  # measured on generated worlds, incl. noise and duplicates
SUBS_PER_LISTENER = 1.6


@dataclass
class Anomalies:
    spike: tuple[int, int, float]  # show, day, multiplier
    outage: tuple[int, int]  # show, day
    abusive: list[tuple[int, int, int]]  # abusive listener slot, day, requests
    # a listener whose household rotates IPv6 privacy addresses, day, requests: over the
    # threshold for its /64, under it for each address
    abusive_v6: tuple[int, int, int] | None
    conversion: tuple[int, int, int]  # sponsor, day, extra visits
    # more of them in worlds long enough to measure a detector (synth/injected.py)
    injected: injected.Injected = field(default_factory=injected.Injected)


def listeners_for_target(cat: Catalog, target: int) -> int:
    w = cat.shows["audience"].to_numpy()
    share = SUBS_PER_LISTENER * w / w.sum()
    logged = (cat.shows["hosting_provider"] == "").to_numpy()[cat.episodes["show_idx"]]
    per = sum(traffic.expected_rates(cat, share, d)[logged].sum() for d in range(cat.days))
    return max(100, int(target / (per * REQUESTS_PER_SESSION)))


def _v6_rotating_listener(pop: Population) -> int | None:
    """A person (app user agent) whose household uses the most IPv6 privacy addresses."""
    hh = pop.listener_hh[: pop.n_regular]
    ok = pop.hh_v6[hh] & (pop.listener_ua[: pop.n_regular] > 0) & (pop.hh_nvar[hh] > 1)
    if not ok.any():
        return None
    return int(np.flatnonzero(ok)[np.argmax(pop.hh_nvar[hh][ok])])


def _anomalies(seed: int, cat: Catalog, cfg: WorldConfig, pop: Population) -> Anomalies:
    rng = stream(seed, "anomalies")
    logged = np.flatnonzero((cat.shows["hosting_provider"] == "").to_numpy())
    days = cfg.days
    spike_show, outage_show = logged[0], logged[min(1, len(logged) - 1)]
    d = rng.permutation(np.arange(1, max(days - 1, 5)))
    spike_day, outage_day, edge_day, ab_day = (int(x) % days for x in d[:4])
    abusive = [(0, edge_day, cfg.abusive_ip_threshold),  # exactly at the threshold: kept
               (1, ab_day, cfg.abusive_ip_threshold + int(rng.integers(100, 600))),
               (2, spike_day, cfg.abusive_ip_threshold + int(rng.integers(500, 1500)))]
    extra = max(40, int(pop.n_households * 0.005 / 30 * 3))
    v6_listener = _v6_rotating_listener(pop)
    # split over 2-3 addresses: each far under the threshold, the /64 over it
    v6_count = cfg.abusive_ip_threshold + int(rng.integers(100, 400))
    abusive_v6 = (None if v6_listener is None
                  else (v6_listener, int(d[5 % len(d)]) % days, v6_count))
    taken = [(int(spike_show), spike_day), (int(outage_show), outage_day)]
    shocks = injected.download_shocks(seed, cat, np.diff(pop.sub_start).astype(float),
                                      (cat.shows["hosting_provider"] == "").to_numpy(), taken)
    return Anomalies((int(spike_show), spike_day, 4.0), (int(outage_show), outage_day),
                     abusive, abusive_v6, (0, int(d[4 % len(d)]) % days, extra),
                     injected.Injected(downloads=shocks))


def _forced_full(cat: Catalog, pop: Population, day: int, an: Anomalies,
                 logged: np.ndarray, rng: np.random.Generator) -> Sessions:
    """A complete 200 for episodes whose size is only known from the logs."""
    ep = cat.episodes
    first = np.maximum((ep["pub_ts"].to_numpy() - cat.t0) // 86400, 0)
    out = (ep["show_idx"].to_numpy() == an.outage[0]) & (first == an.outage[1])
    first = np.where(out, first + 1, first)
    pick = np.flatnonzero(whole_file_required(ep) & logged & (first == day))
    t = np.maximum(ep["pub_ts"].to_numpy()[pick], cat.t0 + day * 86400) + rng.integers(
        600, 7200, len(pick))
    who = rng.integers(0, pop.n_regular, len(pick))
    who = np.where(pop.listener_ua[who] == 0, 1 + who % 5, who)  # needs a user agent
    return Sessions(who, pick, t, np.full(len(pick), FULL), pick * traffic.N_URL_VARIANTS)


class _Collector:
    """Compact numeric copies of everything written, for the ground truth."""

    def __init__(self) -> None:
        self.req: list[dict[str, np.ndarray]] = []
        self.dl: list[dict[str, np.ndarray]] = []

    def add_requests(self, r: Requests, pop: Population) -> None:
        hh = pop.listener_hh[r.listener]
        self.req.append({
            "t": r.t, "key": hh * agents.N_AGENTS + pop.listener_ua[r.listener],
            "ipx": hh * N_VARIANTS + r.ipvar, "ep": r.ep, "method": r.method,
            "status": r.status, "rk": r.rk, "ra": r.ra, "bytes_sent": r.bytes_sent})

    def add_deliveries(self, s: Sessions, dl: pd.DataFrame, pop: Population) -> None:
        sess = dl["sess"].to_numpy()
        lsn = s.listener[sess]
        self.dl.append({"key": pop.listener_hh[lsn] * agents.N_AGENTS + pop.listener_ua[lsn],
                        "ep": s.ep[sess], "t": s.t[sess], "bs": dl["bs"].to_numpy(),
                        "be": dl["be"].to_numpy(), "li": dl["li"].to_numpy()})

    def requests(self) -> RequestArrays:
        keys = RequestArrays.__dataclass_fields__
        return RequestArrays(**{k: np.concatenate([p[k] for p in self.req]) for k in keys})

    def deliveries(self) -> dict[str, np.ndarray]:
        keys = ("key", "ep", "t", "bs", "be", "li")
        if not self.dl:
            return {k: np.zeros(0, dtype=np.int64) for k in keys}
        return {k: np.concatenate([p[k] for p in self.dl]) for k in keys}


def _write_static(cat: Catalog, b: Bookings, ranges: geo.IpRanges, landing: Path,
                  files: dict[str, int]) -> None:
    shows = cat.shows.copy()
    files["shows/shows.csv"] = write_csv(shows, landing / "shows" / "shows.csv", "shows")
    files["geo/ip_countries.csv"] = write_csv(
        geo.reference_frame(ranges), landing / "geo" / "ip_countries.csv", "ip_countries")
    files.update(feeds.write_feeds(cat, b, landing))
    bk = landing / "bookings"
    files["bookings/sponsors.csv"] = write_csv(b.sponsors, bk / "sponsors.csv", "sponsors")
    c = b.campaigns.copy()
    c["start_date"] = c["start_date"].astype(str)
    c["end_date"] = c["end_date"].astype(str)
    files["bookings/campaigns.csv"] = write_csv(c, bk / "campaigns.csv", "campaigns")
    files["bookings/campaign_codes.csv"] = write_csv(b.codes, bk / "campaign_codes.csv",
                                                     "campaign_codes")
    files["bookings/line_items.csv"] = write_csv(b.line_items, bk / "line_items.csv",
                                                 "line_items")
    files["ad_positions/baked_in_ads.csv"] = write_csv(
        b.baked, landing / "ad_positions" / "baked_in_ads.csv", "baked_in_ads")


def _write_briefs(cfg: WorldConfig, cat: Catalog, b: Bookings, landing: Path, gt: Path,
                  files: dict[str, int]) -> None:
    """Transcripts beside the feeds, sponsor briefs, and which shows suit each brief."""
    files.update(topics.write_transcripts(cfg.seed, cat, landing))
    br = topics.briefs(cfg.seed, cat, b.sponsors)
    files["bookings/sponsor_briefs.csv"] = write_csv(br, landing / "bookings" /
                                                     "sponsor_briefs.csv", "sponsor_briefs")
    if cfg.ground_truth:
        gt.mkdir(parents=True, exist_ok=True)
        topics.relevance(cat, br).to_csv(gt / "sponsor_show_relevance.csv", index=False,
                                         lineterminator="\n")


def _traffic(cfg: WorldConfig, cat: Catalog, b: Bookings, pop: Population, an: Anomalies,
             ch: churn.Churn, landing: Path, con: duckdb.DuckDBPyConnection,
             files: dict[str, int], col: _Collector, xp: Experiments,
             fr: fraud.Fraud | None) -> pd.DataFrame:
    ep = cat.episodes
    show_of = ep["show_idx"].to_numpy()
    logged_show = (cat.shows["hosting_provider"] == "").to_numpy()
    logged = logged_show[show_of]
    size_of, dur_of = ep["size"].to_numpy(), ep["duration"].to_numpy()
    urls = pa.array(traffic.url_strings(cat))
    camp_of_li = b.line_items["campaign_id"].map(
        {c: i for i, c in enumerate(b.campaigns["campaign_id"])}).to_numpy()
    carry: Requests | None = None
    exp_parts, n_dl = [], 0
    # one writer thread with its own DuckDB connection overlaps I/O with generation
    pool = ThreadPoolExecutor(max_workers=1)
    wcon = duckdb.connect()
    pending: list[Future] = []
    for d in range(cfg.days):
        rng = stream(cfg.seed, "traffic", d)
        parts = [traffic.day_sessions(rng, cat, pop, d, logged,
                                      an.spike if an.spike[1] == d else None, ch,
                                      an.injected.download_factors(d)),
                 _forced_full(cat, pop, d, an, logged, rng)]
        for slot, day, count in an.abusive:
            if day == d:
                lsn = int(pop.abusive_listeners[slot])
                parts.append(traffic.bursts(rng, cat, pop, d, count, lsn, logged))
        s = Sessions.concat(parts)
        req, extent, ipvar = traffic.expand(rng, s, size_of, dur_of, pop)
        if an.abusive_v6 is not None and an.abusive_v6[1] == d:
            # drawn from a stream of its own: the rest of the world stays as it was
            lsn, _, count = an.abusive_v6
            own = stream(cfg.seed, "abusive-v6", d)
            burst = traffic.bursts(own, cat, pop, d, count, lsn, logged)
            req = Requests.concat([req, traffic.expand(own, burst, size_of, dur_of, pop)[0]])
        if fr is not None:  # invalid traffic that passes the filters, from its own streams
            fs = fraud.day_sessions(cfg.seed, cat, fr, d)
            own = stream(cfg.seed, "fraud-requests", d)
            req = Requests.concat([req, traffic.expand(own, fs, size_of, dur_of, pop)[0]])
        table, count = dynamic_table(cat, b, d)
        dl = deliveries(rng, s, extent, ipvar, show_of, b, table, count)
        dl = _drop_deliveries(dl, camp_of_li, an.injected.delivery_drops, d, cfg.seed)
        exp_parts.append(exposures(s, extent, dl, pop, b, camp_of_li))
        for fut in pending:  # at most one day in flight: bounded memory
            fut.result()
        col.add_deliveries(s, dl, pop)
        pending = [pool.submit(_write_deliveries, wcon, cat, b, pop, s, dl, urls, landing, d,
                               n_dl, files, xp)]
        n_dl += len(dl)
        if carry is not None:
            req = Requests.concat([carry, req])
        day_end = cat.t0 + (d + 1) * 86400
        later = req.t >= day_end
        keep = ~later
        if an.outage[1] == d:
            keep &= (req.ep < 0) | (show_of[np.maximum(req.ep, 0)] != an.outage[0])
        carry = req.take(np.flatnonzero(later))
        idx = np.flatnonzero(keep)
        req = req.take(idx[np.argsort(req.t[idx], kind="stable")])
        col.add_requests(req, pop)
        date = cat.start + dt.timedelta(days=d)
        n_parts = max(1, -(-len(req) // cfg.chunk_rows))
        for part, idx in enumerate(np.array_split(np.arange(len(req)), n_parts)):
            fmt = FORMATS[(d + part) % len(FORMATS)]
            name = f"{date}.{fmt}" if n_parts == 1 else f"{date}-p{part + 1:02d}.{fmt}"
            pending.append(pool.submit(_write_log, wcon, req.take(idx), pop, urls,
                                       landing / "access_logs" / name, files))
    for fut in pending:
        fut.result()
    pool.shutdown()
    ex = pd.concat(exp_parts, ignore_index=True)
    # one row per household x campaign: its first and last exposure
    return (ex.groupby(["hh", "campaign"], sort=True)["t"].agg(["min", "max"])
            .rename(columns={"min": "t", "max": "t_last"}).reset_index())


def _drop_deliveries(dl: pd.DataFrame, camp_of_li: np.ndarray,
                     drops: list[tuple[int, int, float]], day: int, seed: int) -> pd.DataFrame:
    """An ad-server fault: only a share of a campaign's inserted ads served that day."""
    for campaign, d, kept in drops:
        if d == day:
            own = stream(seed, "injected-delivery-kept", day)
            hit = camp_of_li[dl["li"].to_numpy()] == campaign
            dl = dl[~hit | (own.random(len(dl)) < kept)].reset_index(drop=True)
    return dl


def _write_log(con: duckdb.DuckDBPyConnection, req: Requests, pop: Population,
               urls: pa.Array, path: Path, files: dict[str, int]) -> None:
    files[f"access_logs/{path.name}"] = write_access_log(con, req, pop, urls, path)


def _write_deliveries(con: duckdb.DuckDBPyConnection, cat: Catalog, b: Bookings,
                      pop: Population, s: Sessions, dl: pd.DataFrame, urls: pa.Array,
                      landing: Path, d: int, n_dl: int, files: dict[str, int],
                      xp: Experiments) -> None:
    sess = dl["sess"].to_numpy()
    lsn = s.listener[sess]
    li = dl["li"].to_numpy()
    li_ids = b.line_items["line_item_id"].to_numpy().astype(str)
    tab = pa.table({
        "id": pa.array(np.arange(n_dl + 1, n_dl + 1 + len(dl))), "ts": pa.array(s.t[sess]),
        "ip": pop.ip_strings.take(pa.array(delivery_ip_index(pop, s, dl))),
        "user_agent": UA_STRINGS.take(pa.array(pop.listener_ua[lsn])),
        "url": urls.take(pa.array(s.url[sess])),
        "campaign_id": pa.array(b.line_items["campaign_id"].to_numpy().astype(str)).take(
            pa.array(li)),
        "line_item_id": pa.array(li_ids).take(pa.array(li)),
        "creative_id": pa.array(xp.creative_ids(li, pop.listener_hh[lsn], li_ids)),
        "position": POSITION_ARR.take(pa.array(dl["pos"].to_numpy())),
        "byte_start": pa.array(dl["bs"].to_numpy().astype(np.int64)),
        "byte_end": pa.array(dl["be"].to_numpy().astype(np.int64)),
    })
    date = cat.start + dt.timedelta(days=d)
    name = f"{date}.jsonl" if d % 3 == 0 else f"{date}.parquet"
    files[f"ad_delivery/{name}"] = write_frame(
        con, tab, landing / "ad_delivery" / name, columns=DELIVERY_COLUMNS)


def _need(cat: Catalog, default_header: int) -> np.ndarray:
    """Each episode's download threshold in bytes, with the configured header bytes."""
    ep = cat.episodes
    hb = cat.shows["header_bytes"].fillna(default_header).to_numpy().astype(np.int64)
    return threshold_bytes(ep["size"].to_numpy(), ep["duration"].to_numpy(),
                           hb[ep["show_idx"].to_numpy()], whole_file_required(ep))


def _episode_arrays(cat: Catalog, b: Bookings, default_header: int) -> EpisodeArrays:
    ep = cat.episodes
    need = _need(cat, default_header)
    return EpisodeArrays(ep["size"].to_numpy(), need, ep["show_id"].to_numpy(),
                         ep["episode_guid"].to_numpy(), b.baked_li, b.slot_start, b.slot_end)


def _write_side_sources(cfg: WorldConfig, cat: Catalog, b: Bookings, pop: Population,
                        an: Anomalies, ex: pd.DataFrame, landing: Path,
                        con: duckdb.DuckDBPyConnection, files: dict[str, int],
                        xp: Experiments) -> dict:
    host = hosting_downloads(cfg.seed, cat, pop)
    for prov, g in host.groupby("provider", sort=True):
        files[f"hosting_api/{prov}.jsonl"] = write_frame(
            con, g, landing / "hosting_api" / f"{prov}.jsonl", "hosting_api_downloads")
    titles = dict(zip(cat.shows["show_id"], cat.shows["title"], strict=True))
    conv = build_conversions(cfg.seed, b, pop, ex, cat.t0, cfg.days, titles, an.conversion,
                             xp, injected.conversion_visits(cfg.seed, cat.t0,
                                                            an.injected.conversions,
                                                            pop.n_households))
    declared, truth = plan(cfg.seed, xp, ex, b.campaigns, b.sponsors,
                           cat.t0 + cfg.days * 86400)
    files["bookings/experiments.csv"] = write_csv(declared, landing / "bookings" /
                                                  "experiments.csv", "experiments")
    cv = landing / "conversions"
    files["conversions/orders.csv"] = write_csv(conv.orders, cv / "orders.csv", "orders")
    files["conversions/pixel_visits.jsonl"] = write_frame(
        con, conv.visits, cv / "pixel_visits.jsonl", "pixel_visits")
    files["conversions/survey_answers.csv"] = write_csv(
        conv.surveys, cv / "survey_answers.csv", "survey_answers")
    ro = engagement.rollouts(cat)
    ca = creator_analytics.rollouts(cfg.seed, cat)
    en = landing / "engagement"
    ev = engagement.events(cfg.seed, cat, pop, ro,
                           creator_analytics.follow_multiplier(len(cat.shows), ca))
    files["engagement/events.jsonl"] = write_frame(con, ev, en / "events.jsonl",
                                                   "engagement_events")
    files["engagement/subscriptions.csv"] = write_csv(
        engagement.subscriptions(cfg.seed, cat, pop), en / "subscriptions.csv",
        "subscriptions")
    files["engagement/partner_program.csv"] = write_csv(
        engagement.partner_program(cfg.seed, cat, pop), en / "partner_program.csv",
        "partner_program_events")
    both = pd.concat([ro, ca], ignore_index=True)
    ro_out = both.assign(enabled_at=iso(both["enabled_ts"].to_numpy()))
    files["engagement/feature_rollouts.csv"] = write_csv(
        ro_out, en / "feature_rollouts.csv", "feature_rollouts")
    return {"conversions": conv, "rollouts": ro, "creator_analytics": ca, "events": ev,
            "experiments": truth}


def _feature_effects(ro: pd.DataFrame, ca: pd.DataFrame) -> pd.DataFrame:
    """One row per feature x metric: the effect the generator applied (0: none)."""
    shows, opted = "|".join(ro["show_id"]), "|".join(ca["show_id"])
    return pd.DataFrame([
        {"feature": "comments", "metric": "follows",
         "true_effect": engagement.COMMENTS_EFFECT_ON_FOLLOWS, "shows": shows,
         "notes": "multiplicative on the daily follow rate from enabled_at on; comments are 0 "
                  "before enabling; downloads unaffected"},
        {"feature": "comments", "metric": "unfollows", "true_effect": 0.0, "shows": shows,
         "notes": "the unfollow rate does not depend on comments"},
        {"feature": "comments", "metric": "downloads", "true_effect": 0.0, "shows": shows,
         "notes": "listening does not depend on comments (a placebo outcome)"},
        {"feature": creator_analytics.FEATURE, "metric": "follows",
         "true_effect": creator_analytics.CREATOR_ANALYTICS_EFFECT_ON_FOLLOWS, "shows": opted,
         "notes": "opt-in before the world starts, P(opt in) logistic in log audience, "
                  "cadence <= 3 days and category; multiplicative on the follow rate on "
                  "every day (ATT on the treated shows)"},
    ])


def _ground_truth(cfg: WorldConfig, cat: Catalog, b: Bookings, pop: Population,
                  an: Anomalies, col: _Collector, side: dict, hh_country: np.ndarray,
                  gt: Path, fr: fraud.Fraud | None) -> dict:
    ea = _episode_arrays(cat, b, cfg.default_header_bytes)
    req = col.requests()
    tr = compute_truth(req, ea, col.deliveries(), b.line_items, cat.t0,
                       cfg.abusive_ip_threshold, cfg.default_window_type,
                       Countries(hh_country, geo.COUNTRIES))
    gt.mkdir(parents=True, exist_ok=True)
    if fr is not None:
        default = tr.downloads[tr.downloads["window_type"] == cfg.default_window_type]
        # the abusive IPs' bursts are invalid too: the one exactly at the threshold passes
        burst_keys = {int(pop.listener_hh[lsn] * agents.N_AGENTS + pop.listener_ua[lsn]):
                      "ip_burst" for lsn in pop.abusive_listeners}
        passed = tr.reasons == len(EXCLUSION_REASONS) - 1
        fraud.truth(fr, cat, burst_keys, req.key, req.t, req.ep, passed, tr.counted_key,
                    tr.counted_cell, default).to_csv(gt / "traffic_quality.csv", index=False,
                                                     lineterminator="\n")
    tr.exclusions.to_csv(gt / "request_exclusions.csv", index=False, lineterminator="\n")
    tr.downloads.to_csv(gt / "downloads_daily.csv", index=False, lineterminator="\n")
    tr.downloads_by_country.to_csv(gt / "downloads_daily_country.csv", index=False,
                                   lineterminator="\n")
    tr.impressions.to_csv(gt / "ad_impressions_daily.csv", index=False, lineterminator="\n")
    conv = side["conversions"]
    inc = conv.incrementality.merge(exposed_outcomes(tr.delivered_ads, conv, b, pop.hh_addr),
                                    on="campaign_id")
    inc[INCREMENTALITY_COLUMNS].to_csv(gt / "campaign_incrementality.csv", index=False,
                                       lineterminator="\n")
    titles = dict(zip(cat.shows["show_id"], cat.shows["title"], strict=True))
    conversion_touches(tr.delivered_ads, side["conversions"], b, pop.hh_addr, titles,
                       cat.t0).to_csv(gt / "conversion_touches.csv", index=False,
                                      lineterminator="\n")

    def day(d: int) -> str:
        return (cat.start + dt.timedelta(days=d)).isoformat()

    shows = cat.shows["show_id"].to_numpy()
    ab = [(r, d, n) for r, d, n in an.abusive]
    rows = [("downloads", "show", shows[an.spike[0]], day(an.spike[1]), an.spike[2]),
            ("access_log_rows", "show", shows[an.outage[0]], day(an.outage[1]), 0.0),
            ("conversions", "sponsor", b.sponsors["sponsor_id"].iat[an.conversion[0]],
             day(an.conversion[1]), float(an.conversion[2]))]
    rows += injected.truth_rows(an.injected, shows, b.campaigns["campaign_id"].to_numpy(),
                                b.sponsors["sponsor_id"].to_numpy(), day)
    rows += [("abusive_ip_requests", "ip_slot", f"abusive-{r}", day(d), float(n))
             for r, d, n in ab if r > 0]
    # the burst exactly at the threshold is kept: one listener downloads about every
    # episode that day, a counted download each, on every show with access logs
    rows += [("downloads", "all_shows", f"abusive-{r}", day(d), float(n))
             for r, d, n in ab if r == 0]
    if an.abusive_v6 is not None:
        rows.append(("abusive_ip_requests", "ipv6_prefix", "abusive-v6-64",
                     day(an.abusive_v6[1]), float(an.abusive_v6[2])))
    pd.DataFrame(rows, columns=["metric", "entity_type", "entity_id", "date", "size"]).to_csv(
        gt / "anomalies.csv", index=False, lineterminator="\n")
    side["experiments"].to_csv(gt / "experiments.csv", index=False, lineterminator="\n")
    _feature_effects(side["rollouts"], side["creator_analytics"]).to_csv(
        gt / "feature_effects.csv", index=False, lineterminator="\n")
    return {"exclusions": dict(zip(tr.exclusions["reason"], tr.exclusions["requests"].tolist(),
                                   strict=True)),
            "downloads": tr.downloads.groupby("window_type")["downloads"].sum().to_dict()}


def generate_world(out_dir: Path, config: WorldConfig) -> WorldSummary:
    started = time.perf_counter()
    out_dir = Path(out_dir)
    landing, gt = out_dir / "landing", out_dir / "ground_truth"
    cat = build_catalog(config.seed, config.tenants, config.shows, config.start_date,
                        config.days)
    topics.assign(config.seed, cat)  # before the feeds: their text carries the topics
    n_listeners = (listeners_for_target(cat, config.target_requests)
                   if config.target_requests else config.listeners)
    pop = build_population(config.seed, n_listeners, cat.shows["audience"].to_numpy())
    an = _anomalies(config.seed, cat, config, pop)
    # bookings are sold on the expected audience, before any traffic exists
    logged = (cat.shows["hosting_provider"] == "").to_numpy()
    subs = np.diff(pop.sub_start)
    lam = sizing.expected_sessions(cat, subs.astype(float), logged, an.spike, an.outage,
                                   an.injected.downloads)
    sample = sizing.household_subscriptions(pop, len(cat.shows),
                                            stream(config.seed, "audience sample"))
    b = build_bookings(config.seed, cat, lam, _need(cat, config.default_header_bytes), sample,
                       subs, config.ad_response)
    an.injected.delivery_drops = injected.delivery_drops(config.seed, config.days,
                                                         b.campaigns, b.line_items)
    an.injected.conversions = injected.conversion_spikes(
        config.seed, config.days, b.sponsors, [an.conversion[:2]])
    ranges = geo.ip_ranges(config.seed)
    files: dict[str, int] = {}
    con = duckdb.connect()
    _write_static(cat, b, ranges, landing, files)
    _write_briefs(config, cat, b, landing, gt, files)
    col = _Collector()
    # every listener's household is randomised (bots' and abusers' too: their ads carry a
    # creative like anyone's)
    xp = build_experiments(config.seed, b.campaigns, b.line_items,
                           max(pop.n_households, int(pop.listener_hh.max()) + 1))
    # who keeps listening: drawn from a stream of its own (synth/churn.py)
    ch = churn.build_churn(config.seed, pop, config.days)
    # invalid traffic (long worlds only): its actors are households appended to the
    # population the logs and the truth see; every other source keeps the original. They
    # get no ads, so the experiments' randomisation covers the original households only.
    fr = fraud.plan(config.seed, cat, pop, logged)
    tpop = pop if fr is None else fr.population
    ex = _traffic(config, cat, b, tpop, an, ch, landing, con, files, col, xp, fr)
    side = _write_side_sources(config, cat, b, pop, an, ex, landing, con, files, xp)
    truth_summary = _ground_truth(
        config, cat, b, tpop, an, col, side,
        geo.countries_of(ranges, tpop.hh_v6, tpop.hh_addr), gt, fr,
    ) if config.ground_truth else None
    if config.ground_truth:
        churn.truth_frame(ch, pop, cat.shows, config.start_date, fr).to_csv(
            gt / "listener_churn.csv", index=False, lineterminator="\n")
    if config.bad_landing:
        files.update(bad_landing.inject(landing, gt, config.start_date, config.days))
    n_req = sum(v for k, v in files.items() if k.startswith("access_logs/"))
    world = {
        "config": {**config.to_json(), "listeners": n_listeners},
        "seed": config.seed,
        "households": pop.n_households,
        "listeners": n_listeners,
        "requests": n_req,
        "files": dict(sorted(files.items())),
        "ground_truth": config.ground_truth,
        "counting": {
            "abusive_ip_threshold": config.abusive_ip_threshold,
            "abusive_ip_rule": "more than threshold remaining requests per IP per UTC day "
                               "(after the earlier filters), an IPv6 counted by its /64 "
                               "like the listener key; no allow-list",
            "default_header_bytes": config.default_header_bytes,
            "default_window_type": config.default_window_type,
            "window_types": list(WINDOW_TYPES),
            "exclusion_reasons": list(EXCLUSION_REASONS),
            "threshold": "header_bytes + ceil(60 * (enclosure_length - header_bytes) / "
                         "duration_seconds); whole file when duration < 60 s or length or "
                         "duration missing in the feed",
            "ad_impressions": "baked: per counted download whose coverage union contains "
                              "[byte_start, byte_end); inserted: per delivery row whose bytes "
                              "are inside the coverage of a counted download (same key x "
                              "episode) whose window contains the delivery timestamp; "
                              "impression_date = UTC day of that download's first request; "
                              "default window type only",
            "episode_key": "guid; when missing, the enclosure URL as published in the feed",
        },
        "truth": truth_summary,
        "notes": {
            "duplicate_guid": "a repeated item with the same guid and enclosure (one episode)",
            "parquet_timestamps": "ISO 8601 strings with offset, as in JSONL",
            "outage": "the anomaly outage removes one show's access-log rows for one day; "
                      "ad_delivery rows of that day are kept",
            "conversion_touches": "every order's touchpoints by the matching rules of "
                                  "dbt/METHODOLOGY.md (Attribution), one row per touch: "
                                  "touched_at is the ad's delivery (a baked-in ad: its "
                                  "download's first request), the visit, or the order "
                                  "(promo code, survey)",
            "campaign_incrementality": "exposed_households: households (IPv4, IPv6 /64) with "
                                       "a delivered ad; true_incremental_conversions: orders "
                                       "the sponsor's ads caused among them from their first "
                                       "delivered ad to their last + the attribution window, "
                                       "what exposed vs unexposed estimates; ..._caused: the "
                                       "orders the campaign itself caused",
            "bookings": "line items booked at the impressions their show is forecast to "
                        "deliver by the end of the flight (two significant figures), flat "
                        "fees at an effective CPM of $20-32 on that forecast",
            "experiments": "bookings/experiments.csv declares A/B tests on dynamic "
                           "campaigns; each household is randomised to one variant per "
                           "experiment (its ads carry the variant's creative); "
                           "ground_truth/experiments.csv: each arm's true conversion rate "
                           "and difference from the control",
            "listener_churn": "ground_truth/listener_churn.csv: per listener key (household "
                              "x user agent) x show, when its subscription began and the "
                              "first day it no longer listens (churned_at, possibly after "
                              "the world's last day; empty: beyond any horizon); "
                              "the invalid-traffic actors' keys too, invalid_traffic naming "
                              "their kind (no subscribers); synth/churn.py",
            "countries": "geo/ip_countries.csv covers every IP of the world except "
                         "79.192.0.0/10 (~1% of households: unknown country); "
                         "downloads_daily_country.csv splits downloads_daily.csv by the "
                         "country of the listener key's IP (empty: unknown)",
        },
    }
    if fr is not None:
        world["notes"]["traffic_quality"] = (
            "invalid traffic that passes the IAB filters (synth/fraud.py): binge (a "
            "household downloads a show's back catalogue in minutes), scripted (data-centre "
            "IPs with headless / server user agents no OPAWG list names), redownload (keys "
            "re-downloading one show's recent episodes daily), regular (a client fetching at a "
            "fixed interval); ground_truth/traffic_quality.csv: per show x day its requests, "
            "counted downloads (default window type) and share")
    (out_dir / "world.json").write_text(json.dumps(world, indent=2, default=str) + "\n")
    return WorldSummary(str(out_dir), n_listeners, pop.n_households, n_req, files,
                        time.perf_counter() - started)

