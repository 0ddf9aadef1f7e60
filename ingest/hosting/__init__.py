"""Hosting-platform analytics API clients: per-episode daily downloads -> landing files.

Clients: Transistor (`transistor.py`, https://developers.transistor.fm/) and Spreaker
(`spreaker.py`, https://developers.spreaker.com/api/statistics/). `land.pull_registered`
pulls every registered show whose provider has credentials (see `core.settings`:
`PODWH_TRANSISTOR_API_KEY`, `PODWH_SPREAKER_TOKEN`, `PODWH_HOSTING_SHOW_IDS`, ...) and
writes `hosting_api/<provider>/<show_id>/<start>_<end>.jsonl`; the loader lands those in
`raw.hosting_api_downloads` idempotently, like any other landing file.

Why `requests` + `tenacity` and not `dlt`: dlt's `rest_api` source and its retrying
`dlt.sources.helpers.requests` would cover auth, paging and retries, but dlt is built to
load into its own destinations with its own state and schema, while here the output must be
landing files in our contract for our loader. dlt 1.31.0 did import cleanly next to our
locked sqlglot 30.30.0 (checked in a scratch venv), yet it brings ~30 direct dependencies
and a second loading framework for what is, here, one retrying GET. `requests` is already
in the lock (through dagster/dbt); `tenacity` (no dependencies) supplies the bounded
retry loop, with the two policies written out in `http.py`: wait what `Retry-After` says
on 429, exponential backoff with jitter on 5xx and connection errors.
"""

from ingest.hosting.base import EpisodeDay, HostingClient
from ingest.hosting.http import (
    HostingApiError,
    HostingAuthError,
    HostingResponseError,
    RetryPolicy,
)
from ingest.hosting.land import PullReport, ShowPull, pull_registered, pull_show
from ingest.hosting.spreaker import SpreakerClient
from ingest.hosting.transistor import TransistorClient

__all__ = [
    "EpisodeDay",
    "HostingApiError",
    "HostingAuthError",
    "HostingClient",
    "HostingResponseError",
    "PullReport",
    "RetryPolicy",
    "ShowPull",
    "SpreakerClient",
    "TransistorClient",
    "pull_registered",
    "pull_show",
]
