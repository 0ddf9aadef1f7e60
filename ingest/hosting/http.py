"""HTTP plumbing shared by the hosting clients: one `requests.Session`, bounded retries.

Retried (with `tenacity`): HTTP 429 (waiting what `Retry-After` says, seconds or HTTP date,
capped), HTTP 5xx and connection errors/timeouts (exponential backoff with jitter). Not
retried: 401/403 (`HostingAuthError`, naming the provider and the show, never the key),
other 4xx (`HostingApiError`) and a body that is not JSON (`HostingResponseError`).
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

log = logging.getLogger(__name__)
USER_AGENT = "podcast-warehouse/0.1 (hosting analytics puller)"


class HostingApiError(Exception):
    """A hosting API call failed for good (after retries, or a non-retryable status)."""


class HostingAuthError(HostingApiError):
    """The host refused the credentials (401) or access to the show (403)."""


class HostingResponseError(HostingApiError):
    """The host answered 2xx with a body we can't read (not JSON, unexpected shape)."""


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Tests pass tiny waits and a recording `sleep`."""

    max_attempts: int = 6
    backoff_initial: float = 1.0  # seconds; exponential with full jitter
    backoff_max: float = 60.0
    retry_after_max: float = 120.0  # never wait longer than this for a 429
    timeout: float = 30.0  # per request (connect and read)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)


@dataclass
class ApiSession:
    """GET JSON from one provider's API for one show, with auth headers and retries."""

    provider: str
    show_id: str  # ours, for error messages
    headers: Mapping[str, str]
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    session: requests.Session = field(default_factory=requests.Session)
    requests_made: int = 0

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        retrying = Retrying(
            stop=stop_after_attempt(self.policy.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            sleep=self.policy.sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            return retrying(self._get_once, url, params)
        except _Retryable as exc:
            raise HostingApiError(
                f"{self.provider}: giving up on show {self.show_id} after "
                f"{self.policy.max_attempts} attempts: {exc}"
            ) from None

    def _get_once(self, url: str, params: Mapping[str, Any] | None) -> Any:
        self.requests_made += 1
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **self.headers}
        try:
            resp = self.session.get(url, params=params, headers=headers,
                                    timeout=self.policy.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _Retryable(f"{type(exc).__name__} calling {_where(url)}") from None
        status = resp.status_code
        if status == 429:
            raise _Retryable(f"HTTP 429 from {_where(resp.url)}",
                             _retry_after(resp.headers.get("Retry-After")))
        if status >= 500:
            raise _Retryable(f"HTTP {status} from {_where(resp.url)}")
        if status in (401, 403):
            what = "rejected the credentials" if status == 401 else "denied access"
            raise HostingAuthError(
                f"{self.provider} {what} for show {self.show_id} (HTTP {status} from "
                f"{_where(resp.url)}): check the {self.provider} credential and that it can "
                f"read this show's analytics"
            )
        if status >= 400:
            raise HostingApiError(f"{self.provider}: HTTP {status} for show {self.show_id} "
                                  f"from {_where(resp.url)}: {resp.text[:200]}")
        try:
            return resp.json()
        except ValueError:
            raise HostingResponseError(
                f"{self.provider} returned malformed JSON for show {self.show_id} from "
                f"{_where(resp.url)}: {resp.text[:120]!r}"
            ) from None

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, self.policy.retry_after_max)
        backoff = wait_random_exponential(multiplier=self.policy.backoff_initial,
                                          max=self.policy.backoff_max)
        return backoff(state)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning("%s show %s: %s; retry %d/%d in %.1fs", self.provider, self.show_id, exc,
                    state.attempt_number, self.policy.max_attempts - 1, wait)


def _where(url: str) -> str:
    """The URL without its query string (which could carry a token on some hosts)."""
    return url.split("?", 1)[0]


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
