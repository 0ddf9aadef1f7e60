"""User agents: real app strings, Apple Watch duplicates and bots.

Strings follow the examples of the OPAWG user-agents v2 lists (github.com/opawg/user-agents-v2,
MIT) and what the apps send today. Bot strings are chosen so that the OPAWG `bots` patterns
(or `bot|crawler|spider`) match them; app strings match none of those.
Weights: rough app shares from public podcast app-share reports (Apple Podcasts ~35-40%,
Spotify ~30%, the rest long-tailed), e.g. Podtrac/OP3 app rankings 2024-2025.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Agent:
    ua: str
    weight: float = 0.0
    kind: str = "app"  # app | browser | watch | bot | empty
    referer: str = ""


APPS: tuple[Agent, ...] = (
    Agent("AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; en_us)", 16),
    Agent("AppleCoreMedia/1.0.0.22D72 (iPhone; U; CPU OS 18_3_1 like Mac OS X; en_gb)", 10),
    Agent("Podcasts/1650.20 CFNetwork/1494.0.7 Darwin/23.4.0", 6),
    Agent("Podcasts/4023.300.3 CFNetwork/1568.100.1 Darwin/24.0.0 (x86_64)", 2),  # macOS
    Agent("AppleCoreMedia/1.0.0.21E236 (CarPlay; U; CPU OS 17_4 like Mac OS X; en_us)", 1),
    Agent("Spotify/8.9.18 iOS/17.4 (iPhone15,2)", 9),
    Agent("Spotify/8.9.18.529 Android/34 (SM-S918B)", 8),
    Agent("Spotify/1.2.31.1205 Win32_x86_64/0 (PC desktop)", 2),
    Agent("Overcast/3.0 (+http://overcast.fm/; iOS podcast app)", 4),
    Agent("PocketCasts/7.60 (Android 14; Pixel 8)", 2),
    Agent("Pocket Casts", 1),
    Agent("Castro 2024.3/1285", 1),
    Agent("GooglePodcasts/2.0.10 iPhone/14.6 hw/iPhone12_1", 1),
    Agent(
        "Mozilla/5.0 (Linux; Android 13; SM-A536B) ExoPlayerLib/2.18.7", 1,
    ),
    Agent("PodcastAddict/v5 (+https://podcastaddict.com/; Android podcast app)", 3),
    Agent("AmazonMusic/24.8.2 iPhone15,3 CFNetwork/1494.0.7 Darwin/23.4.0", 2),
    Agent("iHeartRadio/10.38.0 (Android 14; SM-S911U Build/UP1A.231005.007)", 2),
    Agent("CastBox/9.18.1-230516025 (Linux;Android 13) ExoPlayerLib/2.18.1", 1),
    Agent("AlexaMediaPlayer/2.1.4571.0 (Linux;Android 6.0.1) ExoPlayerLib/2.18.1", 2),
    Agent("Echo/1.0(APNG)", 1),
    Agent("Linux UPnP/1.0 Sonos/78.1-51030 (ZPS27)", 1),
    Agent(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36", 3, "browser", "https://www.example-podcast-site.com/",
    ),
    Agent(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.4 Safari/605.1.15", 2, "browser", "https://podcasts.apple.com/",
    ),
    Agent(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
        1, "browser", "",
    ),
    Agent("Deezer/7.0.32.9 (Android; 14; Mobile; fr) samsung SM-S918B", 1),
)

WATCH: tuple[Agent, ...] = (
    Agent("atc/1.0 watchOS/9.4 model/Watch6,2 hwp/t8301 build/20T250 (6; dt:276)", 1, "watch"),
    Agent("AppleCoreMedia/1.0.0.20T250 (null)/(null) watchOS/9.4", 1, "watch"),
)

BOTS: tuple[Agent, ...] = (
    Agent(
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 3, "bot",
    ),
    Agent("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", 2, "bot"),
    Agent("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", 2, "bot"),
    Agent("xyz-crawler/1.0", 1, "bot"),
    Agent("AIS VirtualListener", 1, "bot"),
)

EMPTY = Agent("", 0, "empty")

# Invalid traffic that passes the filters (synth/fraud.py): headless browsers, an emulator and
# server HTTP stacks, none named by the OPAWG bot lists (or `bot|crawler|spider`), so their
# requests count like an app's. Only fraud actors use them.
SCRIPTED: tuple[Agent, ...] = (
    Agent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Safari/537.36 PhantomJS/2.1.1"),
    Agent("Dalvik/2.1.0 (Linux; U; Android 11; sdk_gphone_x86 Build/RSR1.201013.001)"),
    Agent("aiohttp/3.9.5"),
    Agent("Podcasts/1.0 python-httpx/0.27.0"),
    Agent("PodPlayer/3.2 (Linux x86_64; headless)"),
)

# Index space used everywhere: 0 = empty, then apps, watch, bots, scripted (appended last so
# the others keep their ids).
ALL: tuple[Agent, ...] = (EMPTY, *APPS, *WATCH, *BOTS, *SCRIPTED)
APP_IDS = np.arange(1, 1 + len(APPS))
WATCH_IDS = np.arange(1 + len(APPS), 1 + len(APPS) + len(WATCH))
BOT_IDS = np.arange(1 + len(APPS) + len(WATCH), 1 + len(APPS) + len(WATCH) + len(BOTS))
SCRIPTED_IDS = np.arange(len(ALL) - len(SCRIPTED), len(ALL))
N_AGENTS = len(ALL)
# Apple Podcasts on iPhone (the ones an Apple Watch duplicates).
IPHONE_IDS = np.array([1, 2, 3])


def app_probabilities() -> np.ndarray:
    w = np.array([a.weight for a in APPS], dtype=float)
    return w / w.sum()


def kind_codes() -> np.ndarray:
    """Per agent id: 0 app/browser, 1 empty, 2 watch, 3 bot."""
    codes = {"app": 0, "browser": 0, "empty": 1, "watch": 2, "bot": 3}
    return np.array([codes[a.kind] for a in ALL], dtype=np.int8)
