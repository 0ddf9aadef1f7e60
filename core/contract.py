"""The landing contract: every source's files, columns and types, in one place.

The synthetic world generator writes exactly these files, the loader reads them into the
`raw` schema of the warehouse, and the dbt sources describe the resulting tables. A user
who brings their own data lays out a landing directory the same way (see docs/landing.md).

Each raw table holds the landing columns, typed, plus three lineage columns:
`_source_file` (path relative to the landing directory), `_source_line` (1-based line of
the row in that file; row number for Parquet) and `_loaded_at` (UTC load time).
Timestamps are stored as UTC without a zone (`timestamp`), converted from the ISO 8601
offset in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# "ip": text holding an IPv4 or IPv6 address (ingest/load/addresses.py); anything else in
# it is quarantined like a value that is not its column's type.
Kind = Literal["text", "ip", "int", "bigint", "double", "bool", "timestamp", "date"]
Format = Literal["csv", "jsonl", "parquet"]
RAW_SCHEMA = "raw"  # the loader's tables; dbt declares them as sources


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False  # a row missing it is quarantined
    doc: str = ""
    # a number outside [minimum, maximum] is quarantined: the models assume the range
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class RawTable:
    """One raw table and the landing files that feed it."""

    name: str  # table name in the `raw` schema
    source: str  # landing folder (one folder per source)
    patterns: tuple[str, ...]  # glob patterns inside the folder
    columns: tuple[Column, ...]
    doc: str
    example: str = ""
    loaded_at_field: str | None = None  # event-time column used for dbt source freshness
    defaults: dict[str, str] = field(default_factory=dict)  # SQL literal for empty values

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, kind: Kind, required: bool = False, doc: str = "",
       minimum: float | None = None, maximum: float | None = None) -> Column:
    return Column(name, kind, required, doc, minimum, maximum)


# Column names a landing file may not carry: the loader's lineage and its own work columns
RESERVED_NAMES = frozenset({"_source_file", "_source_line", "_loaded_at", "_reason",
                            "_raw_record", "_values", "_fields"})
# Times and dates the models can work with: finite, from this day on, and at most
# PODWH_MAX_FUTURE_DAYS (times) or about three years (dates: bookings) ahead of the load
EARLIEST_DAY = "2000-01-01"
DATE_HORIZON_DAYS = 3 * 366


LINEAGE_COLUMNS: tuple[Column, ...] = (
    _c("_source_file", "text", doc="landing file, relative to the landing directory"),
    _c("_source_line", "bigint", doc="1-based line (CSV/JSONL) or row number (Parquet)"),
    _c("_loaded_at", "timestamp", doc="when the loader wrote the row (UTC)"),
)

JSONL = ("*.jsonl", "*.jsonl.gz")
JSONL_OR_PARQUET = ("*.jsonl", "*.jsonl.gz", "*.parquet")

TABLES: tuple[RawTable, ...] = (
    RawTable(
        name="shows",
        source="shows",
        patterns=("*.csv",),
        doc="Shows registry: which feeds to track, per tenant (network or agency).",
        columns=(
            _c("tenant_id", "text", doc="network/agency; empty means the default tenant"),
            _c("show_id", "text", required=True),
            _c("title", "text"),
            _c("feed_url", "text", required=True, doc="http(s) URL on a public address "
               "(`PODWH_FEED_ALLOWED_NETWORKS` allows others) or a file inside the landing "
               "directory (a relative path is resolved against it); anything else is refused "
               "and quarantined"),
            _c("hosting_provider", "text", doc="host whose analytics API reports downloads "
               "for shows without raw logs"),
            _c("hosting_show_id", "text", doc="the show's id at that host, for its API"),
            _c("header_bytes", "bigint", doc="bytes before the audio (ID3 etc.), overrides "
               "the default for the IAB one-minute threshold"),
        ),
        defaults={"tenant_id": "'default'"},
        example="tenant_id,show_id,title,feed_url,hosting_provider,hosting_show_id,"
        "header_bytes\nacme,acme-s001,The Morning Brief,feeds/acme-s001.xml,,,\n"
        "acme,acme-s006,Field Notes,feeds/acme-s006.xml,transistor,48213,131072\n",
    ),
    RawTable(
        name="access_logs",
        source="access_logs",
        patterns=JSONL_OR_PARQUET,
        doc="Media requests from a CDN, host or measurement prefix: one request a row.",
        loaded_at_field="timestamp",
        columns=(
            _c("timestamp", "timestamp", required=True, doc="ISO 8601 with offset"),
            _c("ip", "ip", required=True, doc="IPv4 or IPv6 in any standard spelling "
               "(compressed or not, any case, IPv4-mapped `::ffff:203.0.113.7`, a `%zone`, "
               "`[v6]:port` or `v4:port`)"),
            _c("user_agent", "text", doc="may be empty"),
            _c("method", "text", required=True),
            _c("url", "text", required=True, doc="requested media URL, maybe via prefixes"),
            _c("status", "int", required=True, minimum=0, maximum=599,
               doc="HTTP status (Akamai's 000: 0)"),
            _c("range", "text", doc="raw Range request header, may be empty"),
            _c("bytes_sent", "bigint", required=True, doc="response body bytes", minimum=0),
            _c("referer", "text"),
        ),
        example='{"timestamp": "2026-03-02T07:14:09+00:00", "ip": "203.0.113.7", '
        '"user_agent": "AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; '
        'en_us)", "method": "GET", "url": "https://dts.podtrac.com/redirect.mp3/cdn.example.'
        'com/acme-s001/e0001.mp3", "status": 206, "range": "bytes=0-", "bytes_sent": '
        '28311552, "referer": ""}\n',
    ),
    RawTable(
        name="hosting_api_downloads",
        source="hosting_api",
        # flat files, or the API pullers' hosting_api/<provider>/<show_id>/<start>_<end>.jsonl
        patterns=(*JSONL, "*/*/*.jsonl", "*/*/*.jsonl.gz"),
        doc="Per-episode daily downloads reported by hosting platforms' analytics APIs "
        "(host-reported, not counted by this warehouse). A day reported again (hosts revise "
        "recent days) replaces the earlier report: the most recently loaded file wins.",
        loaded_at_field="download_date",
        columns=(
            _c("provider", "text", required=True),
            _c("show_id", "text", required=True),
            _c("episode_guid", "text", required=True, doc="the episode's RSS guid"),
            _c("download_date", "date", required=True),
            _c("downloads", "bigint", required=True, minimum=0),
            _c("provider_episode_id", "text", doc="the host's own episode id, when known"),
            _c("episode_title", "text", doc="episode title as the host reports it"),
        ),
        example='{"provider": "transistor", "show_id": "acme-s007", "episode_guid": '
        '"acme-s007-e0003", "download_date": "2026-03-02", "downloads": 412, '
        '"provider_episode_id": "1043871", "episode_title": "Rates, explained"}\n',
    ),
    RawTable(
        name="ad_deliveries",
        source="ad_delivery",
        patterns=JSONL_OR_PARQUET,
        doc="Dynamically inserted ads: one row per ad stitched into a served file. The ad "
        "occupies bytes [byte_start, byte_end) of that file.",
        loaded_at_field="timestamp",
        columns=(
            _c("delivery_id", "text", required=True),
            _c("timestamp", "timestamp", required=True),
            _c("ip", "ip", required=True),
            _c("user_agent", "text"),
            _c("url", "text", required=True),
            _c("campaign_id", "text", required=True),
            _c("line_item_id", "text", required=True),
            _c("creative_id", "text"),
            _c("position", "text", required=True, doc="pre, mid or post"),
            _c("byte_start", "bigint", required=True, minimum=0),
            _c("byte_end", "bigint", required=True, doc="exclusive", minimum=0),
        ),
        example='{"delivery_id": "d000000001", "timestamp": "2026-03-02T07:14:09+00:00", '
        '"ip": "203.0.113.7", "user_agent": "Overcast/3.0 (+http://overcast.fm/; iOS '
        'podcast app)", "url": "https://cdn.example.com/acme-s001/e0001.mp3", "campaign_id": '
        '"c0001", "line_item_id": "li00001", "creative_id": "cr0001", "position": "mid", '
        '"byte_start": 14400000, "byte_end": 14880000}\n',
    ),
    RawTable(
        name="baked_in_ads",
        source="ad_positions",
        patterns=("*.csv",),
        doc="Host-read ads baked into the episode file, by byte position.",
        columns=(
            _c("show_id", "text", required=True),
            _c("episode_guid", "text", required=True),
            _c("campaign_id", "text", required=True),
            _c("line_item_id", "text", required=True),
            _c("position", "text", required=True),
            _c("byte_start", "bigint", required=True, minimum=0),
            _c("byte_end", "bigint", required=True, doc="exclusive", minimum=0),
        ),
        example="show_id,episode_guid,campaign_id,line_item_id,position,byte_start,byte_end\n"
        "acme-s001,acme-s001-e0001,c0002,li00004,pre,96000,576000\n",
    ),
    RawTable(
        name="sponsors",
        source="bookings",
        patterns=("sponsors*.csv",),
        doc="Advertisers.",
        columns=(
            _c("tenant_id", "text"),
            _c("sponsor_id", "text", required=True),
            _c("name", "text", required=True),
            _c("category", "text"),
            _c("brief", "text"),
        ),
        defaults={"tenant_id": "'default'"},
        example="tenant_id,sponsor_id,name,category,brief\n"
        "acme,sp001,Brightmug Coffee,food & drink,Direct-to-consumer coffee subscription\n",
    ),
    RawTable(
        name="campaigns",
        source="bookings",
        patterns=("campaigns*.csv",),
        doc="Campaigns booked by sponsors.",
        columns=(
            _c("tenant_id", "text"),
            _c("campaign_id", "text", required=True),
            _c("sponsor_id", "text", required=True),
            _c("name", "text"),
            _c("start_date", "date", required=True),
            _c("end_date", "date", required=True),
            _c("budget", "double", required=True),
            _c("currency", "text"),
            _c("pricing_model", "text", required=True, doc="cpm, flat or cpa"),
            _c("booked_impressions", "bigint"),
            _c("cpa_rate", "double", doc="price per acquisition when pricing_model = cpa"),
            _c("attribution_window_days", "int", doc="1-60, default 30"),
        ),
        defaults={"tenant_id": "'default'", "currency": "'USD'",
                  "attribution_window_days": "30"},
        example="tenant_id,campaign_id,sponsor_id,name,start_date,end_date,budget,currency,"
        "pricing_model,booked_impressions,cpa_rate,attribution_window_days\n"
        "acme,c0001,sp001,Spring launch,2026-03-01,2026-03-28,25000,USD,cpm,1100000,,30\n",
    ),
    RawTable(
        name="campaign_codes",
        source="bookings",
        patterns=("campaign_codes*.csv",),
        doc="Promo codes and vanity URLs that identify a campaign's responders.",
        columns=(
            _c("campaign_id", "text", required=True),
            _c("code_type", "text", required=True, doc="promo_code or vanity_url"),
            _c("code", "text", required=True),
        ),
        example="campaign_id,code_type,code\nc0001,promo_code,BRIEF20\n"
        "c0001,vanity_url,https://brightmug.com/brief\n",
    ),
    RawTable(
        name="line_items",
        source="bookings",
        patterns=("line_items*.csv",),
        doc="What a campaign bought: show x position x rate.",
        columns=(
            _c("line_item_id", "text", required=True),
            _c("campaign_id", "text", required=True),
            _c("show_id", "text", required=True),
            _c("position", "text", required=True, doc="pre, mid or post"),
            _c("ad_type", "text", doc="dynamic (inserted) or baked (host read)"),
            _c("rate", "double", required=True, doc="CPM in currency units, or flat fee"),
            _c("booked_impressions", "bigint"),
        ),
        example="line_item_id,campaign_id,show_id,position,ad_type,rate,booked_impressions\n"
        "li00001,c0001,acme-s001,mid,dynamic,25.00,400000\n",
    ),
    RawTable(
        name="experiments",
        source="bookings",
        patterns=("experiments*.csv",),
        doc="A/B tests declared on a campaign: one row per experiment x variant (the "
        "creative or offer each randomised household is served).",
        columns=(
            _c("experiment_id", "text", required=True),
            _c("tenant_id", "text"),
            _c("campaign_id", "text", required=True),
            _c("test_type", "text", doc="creative or offer"),
            _c("variant_id", "text", required=True),
            _c("is_control", "text", required=True,
               doc="true for the arm the others are compared with, else false"),
            _c("creative_id", "text", required=True,
               doc="the variant's creative, as the ad-delivery logs' creative_id"),
            _c("offer", "text", doc="the offer the variant's creative reads, if any"),
            _c("promo_code", "text", doc="the variant's own promo code, if any"),
            _c("allocation_share", "double", required=True, minimum=0, maximum=1,
               doc="share of households randomised to the variant"),
            _c("start_date", "date", required=True),
            _c("end_date", "date", required=True),
            _c("primary_metric", "text", doc="order: the household orders from the "
               "sponsor within the campaign's attribution window after its first exposure"),
            _c("minimum_detectable_effect", "double", minimum=0,
               doc="relative lift over the control the test is sized to detect (0.2: +20 %)"),
            _c("planned_units_per_variant", "bigint", minimum=1,
               doc="exposed households per variant the test plans to reach"),
            _c("planned_looks", "int", minimum=1, maximum=20,
               doc="readouts planned, evenly spaced in units; default 1 (one final look)"),
        ),
        defaults={"tenant_id": "'default'", "primary_metric": "'order'",
                  "planned_looks": "1"},
        example="experiment_id,tenant_id,campaign_id,test_type,variant_id,is_control,"
        "creative_id,offer,promo_code,allocation_share,start_date,end_date,primary_metric,"
        "minimum_detectable_effect,planned_units_per_variant,planned_looks\n"
        "ex001,acme,c0003,offer,A,true,cr-ex001-A,10% off,,0.5,2026-03-04,2026-04-21,order,"
        "0.5,4000,3\n"
        "ex001,acme,c0003,offer,B,false,cr-ex001-B,first order free,,0.5,2026-03-04,"
        "2026-04-21,order,0.5,4000,3\n",
    ),
    RawTable(
        name="sponsor_briefs",
        source="bookings",
        patterns=("sponsor_briefs*.csv",),
        doc="What a sponsor asks for before booking: the topic, the audience, what to avoid.",
        columns=(
            _c("brief_id", "text", required=True),
            _c("tenant_id", "text", doc="the network the brief is for; it is matched "
               "against that tenant's shows only"),
            _c("sponsor_id", "text", required=True),
            _c("topic_text", "text", doc="free text: the product and the topics wanted"),
            _c("target_app_mix", "text", doc="`value:share` pairs joined by `|`, e.g. "
               "`Apple Podcasts:0.5|Spotify:0.3` (shares of downloads; the rest: any other)"),
            _c("target_device_mix", "text", doc="the same for device categories "
               "(`mobile`, `computer`, `smart_speaker`...)"),
            _c("target_country_mix", "text", doc="the same for ISO country codes"),
            _c("exclude_explicit", "text", doc="`true` (or yes, 1): shows marked explicit are "
               "excluded; empty: false"),
            _c("excluded_categories", "text", doc="`|`-separated itunes categories"),
            _c("excluded_keywords", "text", doc="`|`-separated words; a show whose text "
               "(notes, transcripts) has one is excluded"),
            _c("budget", "double", minimum=0),
            _c("currency", "text"),
            _c("start_date", "date", doc="the flight the sponsor wants"),
            _c("end_date", "date"),
        ),
        defaults={"tenant_id": "'default'", "currency": "'USD'"},
        example="brief_id,tenant_id,sponsor_id,topic_text,target_app_mix,target_device_mix,"
        "target_country_mix,exclude_explicit,excluded_categories,excluded_keywords,budget,"
        "currency,start_date,end_date\nbr001,acme,sp002,Privacy VPN for travellers; shows "
        "about software and cybersecurity,Apple Podcasts:0.5|Spotify:0.3,mobile:0.9,"
        "US:0.7|GB:0.1,true,True Crime,gambling,20000,USD,2026-04-20,2026-05-17\n",
    ),
    RawTable(
        name="orders",
        source="conversions",
        patterns=("orders*.csv",),
        doc="Advertisers' e-commerce orders.",
        loaded_at_field="ordered_at",
        columns=(
            _c("sponsor_id", "text", required=True),
            _c("order_id", "text", required=True),
            _c("ordered_at", "timestamp", required=True),
            _c("revenue", "double", required=True),
            _c("currency", "text"),
            _c("discount_code", "text"),
            _c("landing_url", "text"),
            _c("buyer_ip", "ip"),
        ),
        defaults={"currency": "'USD'"},
        example="sponsor_id,order_id,ordered_at,revenue,currency,discount_code,landing_url,"
        "buyer_ip\nsp001,o0000001,2026-03-04T18:22:05+00:00,54.00,USD,BRIEF20,"
        "https://brightmug.com/brief,203.0.113.7\n",
    ),
    RawTable(
        name="pixel_visits",
        source="conversions",
        patterns=("pixel_visits*.jsonl", "pixel_visits*.jsonl.gz"),
        doc="Advertisers' site visits from a tracking pixel.",
        loaded_at_field="visited_at",
        columns=(
            _c("sponsor_id", "text", required=True),
            _c("visited_at", "timestamp", required=True),
            _c("ip", "ip", required=True),
            _c("user_agent", "text"),
            _c("url", "text", required=True, doc="with UTM parameters when present"),
            _c("referer", "text"),
        ),
        example='{"sponsor_id": "sp001", "visited_at": "2026-03-04T18:10:44+00:00", "ip": '
        '"203.0.113.7", "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)",'
        ' "url": "https://brightmug.com/?utm_source=podcast&utm_medium=audio&utm_campaign='
        'c0001", "referer": ""}\n',
    ),
    RawTable(
        name="survey_answers",
        source="conversions",
        patterns=("survey_answers*.csv",),
        doc="Post-purchase survey answers ('How did you hear about us?').",
        loaded_at_field="answered_at",
        columns=(
            _c("sponsor_id", "text", required=True),
            _c("order_id", "text", required=True),
            _c("answered_at", "timestamp", required=True),
            _c("question", "text"),
            _c("answer", "text"),
        ),
        example="sponsor_id,order_id,answered_at,question,answer\n"
        "sp001,o0000001,2026-03-04T18:25:00+00:00,How did you hear about us?,"
        "Podcast: The Morning Brief\n",
    ),
    RawTable(
        name="ip_countries",
        source="geo",
        patterns=("*.csv",),
        doc="IP address ranges and the country they are registered to, for listeners' "
        "countries: one inclusive range a row, IPv4 and IPv6 in one file. The layout of "
        "DB-IP's free \"IP to Country Lite\" CSV (ip_start, ip_end, country; CC BY 4.0, "
        "https://db-ip.com/db/download/ip-to-country-lite) with the header line "
        "`ip_start,ip_end,country_code` added. An address no range covers has an unknown "
        "country. Keep one file under one name (e.g. `geo/ip_countries.csv`) and overwrite "
        "it with a newer release: a changed file replaces its rows, a file under a new name "
        "adds to the old one's.",
        columns=(
            _c("ip_start", "text", required=True, doc="first address of the range"),
            _c("ip_end", "text", required=True, doc="last address of the range (inclusive, "
               "same family); IPv6 ranges resolve at /64, the IAB listener granularity"),
            _c("country_code", "text", required=True, doc="ISO 3166-1 alpha-2; ZZ (DB-IP's "
               "code for reserved and unassigned ranges) reads as unknown"),
        ),
        example="ip_start,ip_end,country_code\n1.0.0.0,1.0.0.255,AU\n"
        "2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP\n",
    ),
    RawTable(
        name="engagement_events",
        source="engagement",
        patterns=("events*.jsonl", "events*.jsonl.gz"),
        doc="Platform engagement: follows, unfollows, comments, shares.",
        loaded_at_field="event_at",
        columns=(
            _c("tenant_id", "text"),
            _c("event_at", "timestamp", required=True),
            _c("event_type", "text", required=True),
            _c("show_id", "text", required=True),
            _c("episode_guid", "text"),
            _c("user_id", "text", required=True),
        ),
        defaults={"tenant_id": "'default'"},
        example='{"tenant_id": "acme", "event_at": "2026-03-02T09:00:00+00:00", "event_type":'
        ' "comment", "show_id": "acme-s001", "episode_guid": "acme-s001-e0001", "user_id": '
        '"u000042"}\n',
    ),
    RawTable(
        name="subscriptions",
        source="engagement",
        patterns=("subscriptions*.csv",),
        doc="Paid subscriptions to a show.",
        columns=(
            _c("tenant_id", "text"),
            _c("subscription_id", "text", required=True),
            _c("show_id", "text", required=True),
            _c("user_id", "text", required=True),
            _c("started_at", "timestamp", required=True),
            _c("ended_at", "timestamp"),
            _c("plan", "text"),
            _c("monthly_price", "double", required=True),
            _c("currency", "text"),
        ),
        defaults={"tenant_id": "'default'", "currency": "'USD'"},
        example="tenant_id,subscription_id,show_id,user_id,started_at,ended_at,plan,"
        "monthly_price,currency\nacme,sub000001,acme-s001,u000042,2026-03-01T10:00:00+00:00,,"
        "supporter,5.00,USD\n",
    ),
    RawTable(
        name="partner_program_events",
        source="engagement",
        patterns=("partner_program*.csv",),
        doc="Partner-programme lifecycle: eligible, applied, approved, active, payout.",
        columns=(
            _c("tenant_id", "text"),
            _c("show_id", "text", required=True),
            _c("event_at", "timestamp", required=True),
            _c("status", "text", required=True),
            _c("amount", "double", doc="payout amount on payout events"),
            _c("currency", "text"),
        ),
        defaults={"tenant_id": "'default'", "currency": "'USD'"},
        example="tenant_id,show_id,event_at,status,amount,currency\n"
        "acme,acme-s001,2026-03-31T00:00:00+00:00,payout,812.40,USD\n",
    ),
    RawTable(
        name="feature_rollouts",
        source="engagement",
        patterns=("feature_rollouts*.csv",),
        doc="When a platform feature (e.g. comments) was switched on for a show.",
        columns=(
            _c("tenant_id", "text"),
            _c("show_id", "text", required=True),
            _c("feature", "text", required=True),
            _c("enabled_at", "timestamp", required=True),
        ),
        defaults={"tenant_id": "'default'"},
        example="tenant_id,show_id,feature,enabled_at\n"
        "acme,acme-s003,comments,2026-03-10T00:00:00+00:00\n",
    ),
)

# RSS feeds are XML, parsed by feedparser rather than read as rows: these raw tables are
# written by ingest.rss, one row per fetch, per channel and per item.
RSS_TABLES: tuple[RawTable, ...] = (
    RawTable(
        name="rss_fetches",
        source="feeds",
        patterns=(),
        doc="Every fetch of a feed that returned new content, with the raw XML kept.",
        loaded_at_field="fetched_at",
        columns=(
            _c("fetch_id", "text", required=True),
            _c("tenant_id", "text"),
            _c("show_id", "text", required=True),
            _c("feed_url", "text", required=True),
            _c("fetched_at", "timestamp", required=True),
            _c("http_status", "int"),
            _c("etag", "text"),
            _c("last_modified", "text"),
            _c("content_sha256", "text"),
            _c("body", "text"),
        ),
    ),
    RawTable(
        name="rss_channels",
        source="feeds",
        patterns=(),
        doc="The channel element of each parsed fetch.",
        columns=(
            _c("fetch_id", "text", required=True),
            _c("show_id", "text", required=True),
            _c("title", "text"),
            _c("author", "text"),
            _c("language", "text"),
            _c("categories", "text", doc="'|'-separated itunes:category texts"),
            _c("explicit", "text"),
            _c("podcast_guid", "text"),
            _c("image_url", "text"),
            _c("link", "text"),
            _c("description", "text"),
        ),
    ),
    RawTable(
        name="rss_items",
        source="feeds",
        patterns=(),
        doc="The item elements of each parsed fetch, as published (strings kept raw).",
        columns=(
            _c("fetch_id", "text", required=True),
            _c("show_id", "text", required=True),
            _c("item_index", "int", required=True, doc="position in the feed, 0-based"),
            _c("guid", "text"),
            _c("title", "text"),
            _c("pub_date", "text", doc="pubDate as published (an Atom entry's published, "
               "else its updated)"),
            _c("published_at", "timestamp", doc="pub_date read to UTC; empty when it is "
               "unreadable, impossible, ambiguous or in an unknown zone (quarantined with "
               "the reason)"),
            _c("duration", "text", doc="itunes:duration as published"),
            _c("enclosure_url", "text", doc="<enclosure url>, else media:content's; "
               "relative URLs resolved against the feed's address"),
            _c("enclosure_length", "text"),
            _c("enclosure_type", "text"),
            _c("season", "text"),
            _c("episode_number", "text"),
            _c("episode_type", "text"),
            _c("explicit", "text"),
            _c("transcript_url", "text"),
            _c("chapters_url", "text"),
            _c("description", "text"),
            _c("link", "text", doc="the item's <link> (its web page), absolute"),
        ),
    ),
    RawTable(
        name="rss_transcripts",
        source="feeds",
        patterns=(),
        doc="The transcripts items link (podcast:transcript), fetched as plain text: one "
        "row per show x link, the latest attempt (a failed one keeps the error, no text).",
        loaded_at_field="fetched_at",
        columns=(
            _c("show_id", "text", required=True),
            _c("episode_identity", "text", required=True, doc="the item's guid, else its "
               "enclosure URL: the episode key as dbt builds it"),
            _c("transcript_url", "text", required=True, doc="the link as published"),
            _c("resolved_url", "text", doc="where it was read: relative links resolved "
               "against the feed's URL or path"),
            _c("fetched_at", "timestamp", required=True),
            _c("http_status", "int", doc="200 for a local file; empty when it failed"),
            _c("content_sha256", "text"),
            _c("transcript_text", "text", doc="the words, timings and markup dropped"),
            _c("error", "text", doc="why it could not be read; empty when it was"),
        ),
    ),
)

# Reference lists read from a configured directory rather than the landing directory: the
# OPAWG user-agents v2 lists (ingest.user_agents), replaced as a whole set on each change.
# Lineage: `_source_file` is the list's file name, `_source_line` the entry's 1-based
# position in the file's `entries` array.
_OPAWG_ENTRY_COLUMNS: tuple[Column, ...] = (
    _c("entry_index", "int", required=True, doc="0-based position in the file's entries"),
    _c("name", "text", required=True, doc="the entry's name (unique within its file)"),
    _c("pattern", "text", required=True, doc="the regular expression as published (PCRE/JS)"),
    _c("pattern_portable", "text", doc="the same expression in the dialect RE2 (DuckDB) and "
       "Postgres AREs share; empty when it can't be translated (the entry then never matches)"),
    _c("category", "text"),
    _c("description", "text"),
    _c("examples_json", "text", doc="the entry's example strings, a JSON array"),
    _c("lists_sha256", "text", required=True, doc="version of the whole list set: sha256 "
       "over the six files"),
)

REFERENCE_TABLES: tuple[RawTable, ...] = (
    RawTable(
        name="opawg_patterns",
        source="opawg",
        patterns=("bots.json", "apps.json", "libraries.json", "browsers.json"),
        doc="OPAWG user-agents v2 user-agent lists bots, apps, libraries and browsers, one "
        "entry a row; a user agent is the first entry it matches by list_rank, entry_index.",
        columns=(
            _c("list_name", "text", required=True, doc="bots, apps, libraries or browsers"),
            _c("list_rank", "int", required=True, doc="1-4: the lists' match order"),
            *_OPAWG_ENTRY_COLUMNS,
        ),
    ),
    RawTable(
        name="opawg_devices",
        source="opawg",
        patterns=("devices.json",),
        doc="OPAWG user-agents v2 devices list (user agent -> device and category), one "
        "entry a row; first match by entry_index.",
        columns=_OPAWG_ENTRY_COLUMNS,
    ),
    RawTable(
        name="opawg_referrers",
        source="opawg",
        patterns=("referrers.json",),
        doc="OPAWG user-agents v2 referrers list (Referer header -> web app or host), one "
        "entry a row; first match by entry_index.",
        columns=_OPAWG_ENTRY_COLUMNS,
    ),
)

QUARANTINE = RawTable(
    name="quarantine",
    source="",
    patterns=(),
    doc="Rows and files that could not be loaded, with the reason.",
    columns=(
        _c("source_table", "text", required=True),
        _c("source_file", "text", required=True),
        _c("source_line", "bigint"),
        _c("reason", "text", required=True),
        _c("raw_record", "text"),
        _c("quarantined_at", "timestamp", required=True),
    ),
)


# Which landing files have been loaded, by content hash: what makes reloads idempotent.
LOAD_MANIFEST = RawTable(
    name="_load_manifest",
    source="",
    patterns=(),
    doc="One row per landing file loaded into a raw table, with its content hash.",
    columns=(
        _c("table_name", "text", required=True),
        _c("source_file", "text", required=True),
        _c("sha256", "text", required=True),
        _c("rows_loaded", "bigint"),
        _c("rows_quarantined", "bigint"),
        _c("loaded_at", "timestamp", required=True),
        # set when the file's content equals a loaded file's: it was skipped, not loaded
        _c("duplicate_of", "text"),
        # the data contract's blocking expectations its rows break (ingest/load/contracts.py)
        _c("contract_failed", "text"),
    ),
)


def table(name: str) -> RawTable:
    for t in (*TABLES, *RSS_TABLES, *REFERENCE_TABLES, QUARANTINE, LOAD_MANIFEST):
        if t.name == name:
            return t
    raise KeyError(f"no raw table named {name!r}")
