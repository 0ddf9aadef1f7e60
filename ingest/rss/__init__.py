"""RSS feeds: fetch (HTTP with conditional GET, or local files), parse with feedparser, land."""
