"""Hosting API clients against a local server speaking the hosts' documented shapes."""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path

import pytest

from core.contract import table
from core.settings import Settings, SettingsError
from core.warehouse import connect
from ingest.hosting import (
    HostingApiError,
    HostingAuthError,
    HostingResponseError,
    RetryPolicy,
    SpreakerClient,
    TransistorClient,
)
from ingest.hosting.land import feed_resolver, pull_registered, pull_show
from ingest.load.loader import load_table
from tests.hosting import fakehost
from tests.hosting.fakehost import (
    SPREAKER,
    SPREAKER_DAILY,
    SPREAKER_TOKEN,
    TRANSISTOR,
    TRANSISTOR_DAILY,
    TRANSISTOR_KEY,
    Scripted,
)

CONTRACT = table("hosting_api_downloads")
# The show's feed: enclosure URL -> guid (one behind a measurement-prefix chain, one missing)
FEED = [
    ("https://media.transistor.fm/ab12cd/ep101.mp3", "acme-s006-e0001"),
    ("https://dts.podtrac.com/redirect.mp3/media.transistor.fm/ab12cd/ep102.mp3?x=1",
     "acme-s006-e0002"),
    ("https://media.transistor.fm/ab12cd/ep103.mp3", "acme-s006-e0003"),
    ("https://media.transistor.fm/ab12cd/ep104.mp3", "acme-s006-e0004"),
    # ep105 is not in the feed (yet): its rows land without a guid and get quarantined
    ("https://api.spreaker.com/download/episode/5002/two.mp3", "spk-guid-5002"),
    ("https://api.spreaker.com/download/episode/5003/three.mp3", "spk-guid-5003"),
]
GUIDS = {"101": "acme-s006-e0001", "102": "acme-s006-e0002", "103": "acme-s006-e0003",
         "104": "acme-s006-e0004", "105": None,
         "5001": "spk-guid-5001", "5002": "spk-guid-5002", "5003": "spk-guid-5003"}


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def fast(sleeps: Sleeps | None = None, attempts: int = 4) -> RetryPolicy:
    return RetryPolicy(max_attempts=attempts, backoff_initial=0.001, backoff_max=0.002,
                       timeout=5, sleep=sleeps if sleeps is not None else (lambda s: None))


@pytest.fixture
def host():
    with fakehost.serve() as h:
        yield h


def transistor(host, policy=None, show="9001", key=TRANSISTOR_KEY, page_size=2):
    return TransistorClient(f"{host.base}/transistor/v1", key, show, "acme-s006",
                            policy or fast(), page_size=page_size)


def spreaker(host, policy=None, show="777", token=SPREAKER_TOKEN, page_size=2):
    return SpreakerClient(f"{host.base}/spreaker/v2", token, show, "acme-s012",
                          policy or fast(), page_size=page_size)


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def expected_transistor(start: dt.date, end: dt.date) -> list[dict]:
    return sorted(
        ({"provider": "transistor", "show_id": "acme-s006", "episode_guid": GUIDS[ep],
          "download_date": d.isoformat(), "downloads": n, "provider_episode_id": ep,
          "episode_title": TRANSISTOR["episodes"][ep]["title"]}
         for (ep, d), n in TRANSISTOR_DAILY.items() if start <= d <= end),
        key=lambda r: (r["download_date"], r["provider_episode_id"]))


def expected_spreaker(start: dt.date, end: dt.date) -> list[dict]:
    rows = []
    for ep, meta in SPREAKER["episodes"].items():
        if dt.date.fromisoformat(meta["published_at"][:10]) > end:
            continue
        for d in fakehost.DAYS:
            if start <= d <= end:
                rows.append({"provider": "spreaker", "show_id": "acme-s012",
                             "episode_guid": GUIDS[ep], "download_date": d.isoformat(),
                             "downloads": SPREAKER_DAILY.get((ep, d), 0),
                             "provider_episode_id": ep, "episode_title": meta["title"]})
    return sorted(rows, key=lambda r: (r["download_date"], r["provider_episode_id"]))


def test_transistor_pull_lands_the_served_numbers_across_episode_pages(host, tmp_path):
    pull = pull_show(transistor(host), "acme-s006", tmp_path, today=dt.date(2026, 3, 21),
                     initial_days=20, resolver=feed_resolver(FEED))
    assert (pull.start, pull.end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 20))
    assert pull.path == tmp_path / "hosting_api/transistor/acme-s006/2026-03-01_2026-03-20.jsonl"
    rows = read(pull.path)
    assert rows == expected_transistor(pull.start, pull.end)
    assert all(list(r) == CONTRACT.column_names for r in rows)
    assert pull.unmapped == 20  # ep105's days
    pages = host.calls("/transistor/v1/episodes")
    assert [q["pagination[page]"] for q in pages] == [["1"], ["2"], ["3"]]
    analytics = host.calls("/transistor/v1/analytics/9001/episodes")
    assert analytics == [{"start_date": ["01-03-2026"], "end_date": ["20-03-2026"]}]
    assert all(h.get("x-api-key") == TRANSISTOR_KEY for _, _, h in host.requests)


def test_spreaker_pull_follows_next_url_and_skips_unreleased_episodes(host, tmp_path):
    pull = pull_show(spreaker(host), "acme-s012", tmp_path, today=dt.date(2026, 3, 5),
                     initial_days=4, resolver=feed_resolver(FEED))
    assert (pull.start, pull.end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 4))
    assert read(pull.path) == expected_spreaker(pull.start, pull.end)
    assert pull.unmapped == 0
    assert len(host.calls("/spreaker/v2/shows/777/episodes")) == 2  # two pages
    stats = [p for p, _, _ in host.requests if p.endswith("/statistics/plays")]
    assert sorted(stats) == ["/spreaker/v2/episodes/5001/statistics/plays",
                             "/spreaker/v2/episodes/5002/statistics/plays"]  # 5003: not out


def test_429_waits_what_retry_after_says_then_succeeds(host):
    host.script["/transistor/v1/analytics"] = [Scripted(429, "{}", {"Retry-After": "7"})]
    sleeps = Sleeps()
    rows = list(transistor(host, fast(sleeps)).daily_downloads(dt.date(2026, 3, 1),
                                                               dt.date(2026, 3, 2)))
    assert sleeps == [7.0]
    assert len(rows) == 10


def test_503_and_connection_errors_back_off_then_succeed_or_give_up(host):
    host.script["/spreaker/v2/shows"] = [Scripted(503), Scripted(502)]
    sleeps = Sleeps()
    eps = list(spreaker(host, fast(sleeps)).episodes())
    assert len(eps) == 3 and len(sleeps) == 2 and all(s <= 0.002 for s in sleeps)

    host.script["/transistor/v1/analytics"] = [Scripted(503)] * 10
    client = transistor(host, fast(attempts=3))
    with pytest.raises(HostingApiError, match=r"giving up .* after 3 attempts: HTTP 503"):
        list(client.daily_downloads(dt.date(2026, 3, 1), dt.date(2026, 3, 2)))
    assert client.http.requests_made == 3

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    client = TransistorClient(f"http://127.0.0.1:{dead}/v1", TRANSISTOR_KEY, "9001",
                              "acme-s006", fast(attempts=2))
    with pytest.raises(HostingApiError, match="ConnectionError"):
        list(client.daily_downloads(dt.date(2026, 3, 1), dt.date(2026, 3, 2)))
    assert client.http.requests_made == 2


@pytest.mark.parametrize("provider", ["transistor", "spreaker"])
def test_401_and_403_name_provider_and_show_never_the_key(host, provider):
    make, good, show = ((transistor, TRANSISTOR_KEY, "9001") if provider == "transistor"
                        else (spreaker, SPREAKER_TOKEN, "777"))
    bad = good + "-WRONG"
    with pytest.raises(HostingAuthError) as err:
        list(make(host, key=bad).daily_downloads(dt.date(2026, 3, 1), dt.date(2026, 3, 2))
             if provider == "transistor" else
             make(host, token=bad).daily_downloads(dt.date(2026, 3, 1), dt.date(2026, 3, 2)))
    text = f"{err.value} {err.value!r}"
    assert "401" in text and provider in text and "acme-s0" in text
    assert good not in text and "SECRET" not in text
    assert len(host.requests) == 1  # not retried
    host.forbidden_shows.add(show)
    with pytest.raises(HostingAuthError, match="denied access") as err:
        list(make(host).daily_downloads(dt.date(2026, 3, 1), dt.date(2026, 3, 2)))
    assert "403" in str(err.value) and "SECRET" not in str(err.value)
    assert "SECRET" not in repr(make(host))


def test_malformed_json_is_a_clear_error(host):
    host.script["/transistor/v1/analytics"] = [Scripted(200, "{not json", {})]
    with pytest.raises(HostingResponseError, match="transistor returned malformed JSON for "
                                                   "show acme-s006"):
        list(transistor(host).daily_downloads(dt.date(2026, 3, 1), dt.date(2026, 3, 2)))
    host.script["/spreaker/v2/shows"] = [Scripted(200, '{"response": {}}', {})]
    with pytest.raises(HostingResponseError, match=r"response\.items"):
        list(spreaker(host).episodes())


def test_second_pull_starts_at_cursor_minus_lookback(host, tmp_path):
    first = pull_show(transistor(host), "acme-s006", tmp_path, today=dt.date(2026, 3, 11),
                      initial_days=10, lookback_days=3, resolver=feed_resolver(FEED))
    second = pull_show(transistor(host), "acme-s006", tmp_path, today=dt.date(2026, 3, 16),
                       initial_days=10, lookback_days=3, resolver=feed_resolver(FEED))
    assert (first.start, first.end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    assert (second.start, second.end) == (dt.date(2026, 3, 7), dt.date(2026, 3, 15))
    asked = [q["start_date"][0] for q in host.calls("/transistor/v1/analytics")]
    assert asked == ["01-03-2026", "07-03-2026"]
    assert read(second.path) == expected_transistor(second.start, second.end)


def _shows_csv(landing: Path, rows: list[dict]) -> None:
    cols = table("shows").column_names
    lines = [",".join(cols)] + [",".join(str(r.get(c, "")) for c in cols) for r in rows]
    (landing / "shows").mkdir(parents=True)
    (landing / "shows" / "shows.csv").write_text("\n".join(lines) + "\n")


def test_pull_then_load_lands_served_numbers_once(host, tmp_path):
    landing = tmp_path / "landing"
    _shows_csv(landing, [
        {"tenant_id": "acme", "show_id": "acme-s006", "feed_url": "feeds/s6.xml",
         "hosting_provider": "transistor"},
        {"tenant_id": "acme", "show_id": "acme-s012", "feed_url": "feeds/s12.xml",
         "hosting_provider": "Spreaker"},
        {"tenant_id": "acme", "show_id": "acme-s018", "feed_url": "feeds/s18.xml",
         "hosting_provider": "buzzsprout"},
        {"tenant_id": "acme", "show_id": "acme-s001", "feed_url": "feeds/s1.xml"},
    ])
    env = {"PODWH_DUCKDB_PATH": str(tmp_path / "wh.duckdb"), "PODWH_LANDING_DIR": str(landing),
           "PODWH_TRANSISTOR_API_KEY": TRANSISTOR_KEY,
           "PODWH_TRANSISTOR_BASE_URL": f"{host.base}/transistor/v1/",
           "PODWH_SPREAKER_BASE_URL": f"{host.base}/spreaker/v2",  # no token: skipped
           "PODWH_HOSTING_SHOW_IDS": "acme-s006=9001, acme-s012=777",
           "PODWH_HOSTING_INITIAL_DAYS": "14"}
    settings = Settings.from_env(env)
    wh = connect(settings)
    try:
        load_table(wh, landing, table("shows"))
        wh.execute("insert into raw.rss_items (fetch_id, show_id, item_index, guid, "
                   "enclosure_url) values " + ", ".join(
                       f"('f1', 'acme-s006', {i}, '{g}', '{u}')" for i, (u, g) in
                       enumerate(FEED)))
        messages: list[str] = []
        report = pull_registered(wh, landing, settings.hosting, today=dt.date(2026, 3, 15),
                                 policy=fast(), log_fn=messages.append)
        assert [p.show_id for p in report.pulls] == ["acme-s006"] and not report.failed
        assert any("acme-s012" in m and "PODWH_SPREAKER_TOKEN" in m for m in messages)
        assert any("acme-s018" in m and "buzzsprout" in m for m in messages)
        assert len(report.skipped) == 2

        first = load_table(wh, landing, CONTRACT)
        want = [r for r in expected_transistor(dt.date(2026, 3, 1), dt.date(2026, 3, 14))
                if r["episode_guid"]]
        got = wh.fetch_dicts(
            "select provider, show_id, episode_guid, strftime(download_date, '%Y-%m-%d') as "
            "download_date, downloads, provider_episode_id, episode_title "
            "from raw.hosting_api_downloads order by download_date, provider_episode_id")
        assert got == want
        quarantined = wh.fetchall("select count(*) from raw.quarantine where source_table = "
                                  "'hosting_api_downloads' and raw_record like '%\"105\"%'")
        assert quarantined == [(14,)] and first.quarantined == 14

        # the same window again: same file, same bytes, nothing new lands
        done = report.pulls[0]
        again = pull_show(transistor(host), "acme-s006", landing, today=dt.date(2026, 3, 15),
                          resolver=feed_resolver(FEED), window=(done.start, done.end))
        assert again.path == done.path
        second = load_table(wh, landing, CONTRACT)
        assert [f.status for f in second.files] == ["unchanged"] and second.rows == 0
        assert wh.fetchall("select count(*) from raw.hosting_api_downloads") == [(len(want),)]

        # the next run re-asks the look-back days (hosts revise them) in a new window file
        nxt = pull_registered(wh, landing, settings.hosting, today=dt.date(2026, 3, 16),
                              policy=fast(), log_fn=messages.append)
        assert (nxt.pulls[0].start, nxt.pulls[0].end) == (dt.date(2026, 3, 11),
                                                          dt.date(2026, 3, 15))
        assert [f.status for f in load_table(wh, landing, CONTRACT).files] == [
            "unchanged", "loaded"]
    finally:
        wh.close()


def test_hosting_settings_from_env():
    s = Settings.from_env({"PODWH_SPREAKER_TOKEN": "tok-xyz",
                           "PODWH_HOSTING_SHOW_IDS": "a=1,b = 2",
                           "PODWH_HOSTING_LOOKBACK_DAYS": "5"})
    assert s.hosting.show_ids == {"a": "1", "b": "2"} and s.hosting.lookback_days == 5
    assert s.hosting.provider("Spreaker").configured
    assert not s.hosting.provider("transistor").configured
    assert s.hosting.provider("transistor").base_url == "https://api.transistor.fm/v1"
    assert "tok-xyz" not in repr(s)
    with pytest.raises(SettingsError, match="PODWH_HOSTING_SHOW_IDS"):
        Settings.from_env({"PODWH_HOSTING_SHOW_IDS": "acme-s006"})
    with pytest.raises(SettingsError, match="PODWH_HOSTING_LOOKBACK_DAYS"):
        Settings.from_env({"PODWH_HOSTING_LOOKBACK_DAYS": "-1"})
