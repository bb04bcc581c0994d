"""One HTTP session per service: timeouts, retries, a concurrency cap, typed errors, counters.

Retry rules come from the services' documentation (protocols.md 3.10, 4.7 and the client-side
rules of section 6): a 429 is retried after its ``Retry-After`` seconds (exponential back-off
when absent); 503 and connection failures before a request was sent are retried for any method;
500/502/504 and read timeouts only for idempotent requests, because the service may have applied
the change already (a 500 is often transient on both services: a SQL timeout or deadlock on
Dataverse, a transient server error on Business Central). https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter

from connection.clients.errors import CLIENT_REQUEST_ID, connection_failed, from_response
from connection.clients.results import ClientCounters
from connection.clients.throttle import ThrottleGauge

if TYPE_CHECKING:
    from connection.clients.auth import TokenSource

DEFAULT_TIMEOUT = (10.0, 120.0)
ALWAYS_RETRIED = frozenset({429, 503})
RETRIED_WHEN_IDEMPOTENT = frozenset({500, 502, 504})
# requests raise these before anything reached the service: safe to resend even a POST.
_NOT_SENT = (requests.exceptions.ConnectTimeout,)
_NEVER_RETRIED = (requests.exceptions.SSLError, requests.exceptions.InvalidURL,
                  requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                  requests.exceptions.InvalidHeader)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long one request is retried.

    ``max_attempts`` counts every send including the first; a request the service throttled
    with a ``Retry-After`` may be sent up to ``max_throttled_attempts`` times instead: the
    service says when to come back, and a job keeping every lane busy meets a spent window
    several times over without anything being wrong (six tries failed whole batches of a full
    synchronization). ``max_total_wait`` caps the seconds slept across the retries of one
    request either way; back-off doubles from ``base_delay`` up to ``max_delay`` with +/-
    ``jitter`` (a fraction) so parallel workers do not retry in step.
    """

    max_attempts: int = 6
    max_throttled_attempts: int = 30
    max_total_wait: float = 300.0
    base_delay: float = 1.0
    max_delay: float = 60.0
    jitter: float = 0.25

    def backoff(self, retry: int, draw: float) -> float:
        """Seconds to wait before retry number ``retry`` (0-based); ``draw`` is in [0, 1)."""
        delay = min(self.max_delay, self.base_delay * 2 ** retry)
        return max(0.0, delay * (1 - self.jitter + 2 * self.jitter * draw))

    @classmethod
    def no_retries(cls) -> RetryPolicy:
        """Fail on the first error: for interactive connection tests."""
        return cls(max_attempts=1, max_throttled_attempts=1, max_total_wait=0.0)


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """``Retry-After`` as seconds (integer, fractional or an HTTP date); None when absent."""
    value = headers.get("Retry-After")
    if value is None or not str(value).strip():
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(str(value)).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


class _Budget:
    """The retries left to one request."""

    def __init__(self, policy: RetryPolicy, draw: Callable[[], float]) -> None:
        self.policy, self.draw = policy, draw
        self.attempts, self.waited = 1, 0.0

    def next_wait(self, suggested: float | None, throttled: bool = False) -> float | None:
        """Seconds to sleep before the next attempt, or None when the budget is spent;
        ``throttled``: a 429 that said when to retry."""
        cap = self.policy.max_throttled_attempts if throttled else self.policy.max_attempts
        if self.attempts >= cap:
            return None
        wait = suggested if suggested is not None else self.policy.backoff(
            self.attempts - 1, self.draw())
        if self.waited + wait > self.policy.max_total_wait:
            return None
        self.attempts += 1
        self.waited += wait
        return wait


class ServiceSession:
    """The single way the clients send HTTP: one ``requests.Session`` per service.

    ``tokens`` supplies the ``Authorization`` header for ``resource`` on every request (a cache
    hit is cheap); on a 401 the token is invalidated and the request retried once. TLS trust is
    ``ca_bundle`` when given, passed on every request because a session-level ``verify`` loses
    to the ``REQUESTS_CA_BUNDLE`` environment variable.
    """

    def __init__(self, service: str, tokens: TokenSource, resource: str, *,
                 ca_bundle: str | None = None, timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 retry: RetryPolicy | None = None, max_concurrency: int = 8,
                 headers: Mapping[str, str] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.service, self.tokens, self.resource = service, tokens, resource
        self.verify: str | bool = str(ca_bundle) if ca_bundle else True
        self.timeout, self.retry = timeout, retry or RetryPolicy()
        self.max_concurrency = max_concurrency
        self._sleep, self._random = sleep, random.Random().random
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._lock = threading.Lock()
        self._counters = ClientCounters(service)
        self.gauge = ThrottleGauge(service)
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_maxsize=max_concurrency, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers.update(headers or {})

    def counters(self) -> ClientCounters:
        """A snapshot of what this session has sent so far."""
        with self._lock:
            return self._counters

    def _count(self, **increments: float) -> None:
        with self._lock:
            values = {name: getattr(self._counters, name) + value
                      for name, value in increments.items()}
            self._counters = replace(self._counters, **values)

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None, data: bytes | str | Iterable[bytes] | None = None,
                headers: Mapping[str, str] | None = None, idempotent: bool | None = None,
                raise_for_status: bool = True) -> requests.Response:
        """Send one request with retries; return the 2xx/3xx response or raise a ServiceError.

        ``idempotent`` defaults to "not a POST"; pass True for a POST that is safe to repeat
        (a ``$batch`` of upserts) so read timeouts and 500/502/504 are retried too. With
        ``raise_for_status=False`` an error answer left after retries is returned, not raised
        (a stopped ``$batch`` carries its results in an error answer).
        """
        method = method.upper()
        idempotent = method != "POST" if idempotent is None else idempotent
        budget = _Budget(self.retry, self._random)
        refreshed = throttled = False
        while True:
            try:
                response = self._send(method, url, params, json, data, headers, throttled)
            except requests.RequestException as exc:
                self._wait_after_transport_error(exc, budget, idempotent, method, url)
                continue
            throttled = response.status_code == 429
            if response.status_code == 401 and not refreshed and self.tokens.refreshable:
                refreshed = True
                self.tokens.invalidate(self.resource)
                self._count(token_refreshes=1)
                continue
            if self._should_retry(response, budget, idempotent):
                continue
            if response.status_code >= 400:
                self._count(failures=1)
                if raise_for_status:
                    raise from_response(response)
            return response

    def _send(self, method: str, url: str, params: Any, json: Any, data: Any,
              headers: Mapping[str, str] | None, own_retry: bool = False) -> requests.Response:
        # A fresh id per attempt: what the service logged for this very request.
        request_headers = {"Authorization": self.tokens.authorization(self.resource),
                           CLIENT_REQUEST_ID: str(uuid.uuid4()), **(headers or {})}
        probe = self.gauge.before_send(self._sleep, own_retry)
        response = None
        try:
            with self._slots:
                self._count(requests=1)
                response = self.session.request(method, url, params=params, json=json,
                                                data=data, headers=request_headers,
                                                timeout=self.timeout, verify=self.verify)
        finally:
            self._observe(response, probe)
        return response

    def _observe(self, response: requests.Response | None, probe: bool) -> None:
        """Tell the gauge what the service said (nothing, when the request failed)."""
        if response is None:
            self.gauge.after_response(None, {}, probe)
            return
        wait = retry_after_seconds(response.headers) if response.status_code == 429 else None
        self.gauge.after_response(response.status_code, response.headers, probe, wait)

    def _wait_after_transport_error(self, exc: requests.RequestException, budget: _Budget,
                                    idempotent: bool, method: str, url: str) -> None:
        retryable = not isinstance(exc, _NEVER_RETRIED) and (
            idempotent or isinstance(exc, _NOT_SENT) or _refused(exc))
        wait = budget.next_wait(None) if retryable else None
        if wait is None:
            self._count(failures=1)
            raise connection_failed(exc, method, url) from exc
        self._count(retries=1, backoff_wait_seconds=wait)
        self._sleep(wait)

    def _should_retry(self, response: requests.Response, budget: _Budget,
                      idempotent: bool) -> bool:
        status = response.status_code
        if status not in ALWAYS_RETRIED and not (idempotent and status in RETRIED_WHEN_IDEMPOTENT):
            return False
        suggested = retry_after_seconds(response.headers)
        wait = budget.next_wait(suggested, throttled=status == 429 and suggested is not None)
        if wait is None:
            return False
        response.close()
        if status == 429:
            self._count(retries=1, throttle_waits=1, throttle_wait_seconds=wait)
            self.gauge.add_wait(wait)
        else:
            self._count(retries=1, backoff_wait_seconds=wait)
        self._sleep(wait)
        return True


def _refused(exc: requests.RequestException) -> bool:
    """A refused connection never reached the service, so any method may be resent."""
    return isinstance(exc, requests.exceptions.ConnectionError) and \
        "connection refused" in str(exc).lower()


def join_url(base: str, *parts: str) -> str:
    """``base`` and relative ``parts`` joined with single slashes."""
    return "/".join([base.rstrip("/"), *(part.strip("/") for part in parts if part)])

