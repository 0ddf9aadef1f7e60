"""User agents against the OPAWG user-agents v2 lists (the copy the product ships)."""

from __future__ import annotations

import json
import re

from core.settings import DEFAULT_OPAWG_DIR as REF
from synth import agents


def _patterns(name: str) -> list[re.Pattern]:
    entries = json.loads((REF / f"{name}.json").read_text())["entries"]
    return [re.compile(e["pattern"]) for e in entries
            if name != "libraries" or e.get("category") == "bot"]


def test_bots_match_and_apps_do_not() -> None:
    bots = _patterns("bots") + _patterns("libraries")
    generic = re.compile("bot|crawler|spider", re.I)
    for a in agents.BOTS:
        assert any(p.search(a.ua) for p in bots) or generic.search(a.ua), a.ua
    for a in agents.APPS:  # (OPAWG lists the Watch as a bot; its own rule fires first)
        assert not any(p.search(a.ua) for p in bots) and not generic.search(a.ua), a.ua
    apps = _patterns("apps") + _patterns("browsers")
    known = sum(any(p.search(a.ua) for p in apps) for a in agents.APPS)
    assert known >= len(agents.APPS) - 6  # a few are library-only (AppleCoreMedia, ExoPlayer)


def test_watch_agents_follow_the_rule() -> None:
    for a in agents.WATCH:
        assert (a.ua.startswith("atc/") and "watchOS" in a.ua) or "(null)/(null) watchOS" in a.ua
    for a in agents.APPS:
        assert not a.ua.startswith("atc/") and "watchOS" not in a.ua


def test_scripted_agents_pass_the_bot_filter() -> None:
    """The fraud's user agents (synth/fraud.py) must be counted: no OPAWG bot pattern, no
    generic bot word, no Apple Watch rule matches them."""
    bots = _patterns("bots") + _patterns("libraries")
    generic = re.compile("bot|crawler|spider", re.I)
    for a in agents.SCRIPTED:
        assert not any(p.search(a.ua) for p in bots) and not generic.search(a.ua), a.ua
        assert "watchOS" not in a.ua and not a.ua.startswith("atc/")
    assert set(agents.kind_codes()[agents.SCRIPTED_IDS]) == {0}
