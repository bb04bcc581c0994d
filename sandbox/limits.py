"""Service protection limits, fault injection and traffic counters.

Dataverse: requests, execution time and concurrency per user over a sliding window
(protocols.md 3.10, 5.5). Business Central: requests per window, 5 concurrent requests with a
queue of 95 (protocols.md 4.7, 5.9). Windows and Retry-After follow ``time_scale``;
Retry-After is an integer number of real seconds, at least 1.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

from sandbox.errors import ServiceError

SERVICES = ("dataverse", "business_central")
DATAVERSE_MESSAGES = {
    "0x80072322": "Number of requests exceeded the limit of {limit} over time window of "
    "{window} seconds.",
    "0x80072321": "Combined execution time of incoming requests exceeded limit of {limit:,} "
    "milliseconds over time window of {window} seconds. Decrease number of "
    "concurrent requests or reduce the duration of requests and try again later.",
    "0x80072326": "Number of concurrent requests exceeded the limit of {limit}.",
}


class Counters:
    """Requests, operations, writes, throttles, faults and server time per service."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._services = {name: _empty_service() for name in SERVICES}
            self._token: dict[str, Any] = {"requests": 0, "by_grant": Counter()}

    def request(self, service: str, method: str) -> None:
        """One HTTP request reached a service (a ``$batch`` counts once)."""
        with self._lock:
            data = self._services[service]
            data["requests"] += 1
            data["by_method"][method] += 1

    def operation(self, service: str, entity: str, method: str, caller: str = "") -> None:
        """One operation: a plain request, or one part of a ``$batch``; ``caller`` is the
        token's user name, or its application id for an app, for the writes per caller."""
        with self._lock:
            data = self._services[service]
            data["operations"] += 1
            data["by_entity"][entity] += 1
            data["operations_by_method"][method] += 1
            if method in ("POST", "PATCH", "PUT", "DELETE"):
                data["writes"] += 1
                data["writes_by_caller"][caller] += 1

    def add(self, service: str, key: str, amount: float = 1) -> None:
        """Increase ``throttled``, ``faults``, ``server_time_ms`` or ``response_bytes``."""
        with self._lock:
            self._services[service][key] += amount

    def token(self, grant: str) -> None:
        """One token request."""
        with self._lock:
            self._token["requests"] += 1
            self._token["by_grant"][grant] += 1

    def snapshot(self) -> dict[str, Any]:
        """JSON view of every counter."""
        with self._lock:
            result: dict[str, Any] = {
                name: {k: dict(v) if isinstance(v, Counter) else v for k, v in data.items()}
                for name, data in self._services.items()
            }
            result["token"] = {
                "requests": self._token["requests"],
                "by_grant": dict(self._token["by_grant"]),
            }
            return result


def _empty_service() -> dict[str, Any]:
    return {
        "requests": 0,
        "operations": 0,
        "by_entity": Counter(),
        "by_method": Counter(),
        "operations_by_method": Counter(),
        "writes": 0,
        "writes_by_caller": Counter(),
        "throttled": 0,
        "faults": 0,
        "server_time_ms": 0.0,
        "response_bytes": 0,
    }


@dataclass
class Slot:
    """An admitted request; release it when the response is written."""

    service: str
    key: str
    semaphore: threading.Semaphore | None = None


class Limiter:
    """Sliding-window request and execution-time counters and concurrency gates per user."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str], deque[float]] = {}
        self._execution: dict[tuple[str, str], deque[tuple[float, float]]] = {}
        self._in_flight: Counter[tuple[str, str]] = Counter()
        self._gates: dict[tuple[str, str], threading.Semaphore] = {}

    def reset(self) -> None:
        """Forget every window (used by the control API's reset)."""
        with self._lock:
            self._requests.clear()
            self._execution.clear()

    def admit(self, service: str, key: str, settings: dict[str, Any], scale: float) -> Slot:
        """Admit a request or raise a 429 :class:`ServiceError`."""
        config = settings[service]
        if not config["limits_enabled"]:
            return Slot(service, key)
        window = config["window_seconds"] / scale
        with self._lock:
            if service == "dataverse":
                self._check_dataverse(key, config, window)
            else:
                self._check_business_central(key, config, window)
            self._requests.setdefault((service, key), deque()).append(time.monotonic())
            self._in_flight[(service, key)] += 1
            gate = self._gate(service, key, config) if service == "business_central" else None
        if gate is not None:
            gate.acquire()
        return Slot(service, key, gate)

    def release(self, slot: Slot) -> None:
        """A request finished."""
        if slot.semaphore is not None:
            slot.semaphore.release()
        with self._lock:
            if self._in_flight[(slot.service, slot.key)] > 0:
                self._in_flight[(slot.service, slot.key)] -= 1

    def charge(self, service: str, key: str, milliseconds: float) -> None:
        """Add emulated server time to the execution-time window."""
        if milliseconds > 0:
            with self._lock:
                self._execution.setdefault((service, key), deque()).append(
                    (time.monotonic(), milliseconds)
                )

    def dataverse_budget(self, key: str, config: dict[str, Any], scale: float) -> list[tuple]:
        """What is left of this user's windows, as the Web API reports it on its answers.

        ``x-ms-ratelimit-burst-remaining-xrm-requests``: requests left in the window, counting
        this one (the first request of a fresh 6,000 window reports 5999);
        ``x-ms-ratelimit-time-remaining-xrm-requests``: combined execution time left, in
        seconds with two decimals and thousands separators as the service writes it
        ("1,200.00"). Only while limits are enabled: otherwise nothing is counted.
        https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
        """
        if not config["limits_enabled"]:
            return []
        window = config["window_seconds"] / scale
        with self._lock:
            requests = _pruned(self._requests.get(("dataverse", key), deque()), window)
            used_ms = sum(ms for _, ms in _pruned_execution(
                self._execution.get(("dataverse", key), deque()), window))
        requests_left = max(0, config["requests_per_window"] - len(requests))
        seconds_left = max(0.0, config["execution_seconds_per_window"] - used_ms / 1000)
        return [("x-ms-ratelimit-burst-remaining-xrm-requests", str(requests_left)),
                ("x-ms-ratelimit-time-remaining-xrm-requests", f"{seconds_left:,.2f}")]

    def _gate(self, service: str, key: str, config: dict[str, Any]) -> threading.Semaphore:
        gate = self._gates.get((service, key))
        if gate is None or getattr(gate, "size", None) != config["concurrency"]:
            gate = threading.BoundedSemaphore(config["concurrency"])
            # The size it was made with, to notice a changed limit; a Semaphore declares no such
            # attribute but takes one.
            gate.size = config["concurrency"]  # type: ignore[attr-defined]
            self._gates[(service, key)] = gate
        return gate

    def _check_dataverse(self, key: str, config: dict[str, Any], window: float) -> None:
        if self._in_flight[("dataverse", key)] >= config["concurrency"]:
            raise _dataverse_429("0x80072326", config["concurrency"], config, 1.0)
        requests = _pruned(self._requests.get(("dataverse", key), deque()), window)
        if len(requests) >= config["requests_per_window"]:
            raise _dataverse_429(
                "0x80072322",
                config["requests_per_window"],
                config,
                requests[0] + window - time.monotonic(),
            )
        execution = _pruned_execution(self._execution.get(("dataverse", key), deque()), window)
        limit = config["execution_seconds_per_window"] * 1000
        if sum(ms for _, ms in execution) > limit:
            raise _dataverse_429(
                "0x80072321", int(limit), config, execution[0][0] + window - time.monotonic()
            )

    def _check_business_central(self, key: str, config: dict[str, Any], window: float) -> None:
        in_flight = self._in_flight[("business_central", key)]
        maximum = config["concurrency"] + config["queue_size"]
        if in_flight >= maximum:
            raise _bc_429(in_flight + 1, maximum, 1.0)
        requests = _pruned(self._requests.get(("business_central", key), deque()), window)
        if len(requests) >= config["requests_per_window"]:
            raise _bc_429(
                len(requests) + 1,
                config["requests_per_window"],
                requests[0] + window - time.monotonic(),
            )


def _pruned(requests: deque[float], window: float) -> deque[float]:
    cutoff = time.monotonic() - window
    while requests and requests[0] < cutoff:
        requests.popleft()
    return requests


def _pruned_execution(execution: deque[tuple[float, float]], window: float) -> deque:
    cutoff = time.monotonic() - window
    while execution and execution[0][0] < cutoff:
        execution.popleft()
    return execution


def retry_after(seconds: float) -> str:
    """Retry-After as whole real seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


def _dataverse_429(code: str, limit: int, config: dict[str, Any], wait: float) -> ServiceError:
    message = DATAVERSE_MESSAGES[code].format(limit=limit, window=config["window_seconds"])
    return ServiceError(429, code, message, [("Retry-After", retry_after(wait))])


def _bc_429(actual: int, maximum: int, wait: float) -> ServiceError:
    return ServiceError(
        429,
        "Application_TooManyRequests",
        f"Too many requests reached. Actual ({actual}). Maximum ({maximum}).",
        [("Retry-After", retry_after(wait))],
    )


class Faults:
    """Injects 429/500/503/timeouts/dropped connections at a configured rate per service."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def pick(self, config: dict[str, Any]) -> str | None:
        """The fault kind to inject for this request, or None."""
        rate = config["fault_rate"]
        with self._lock:
            if rate <= 0 or self._random.random() >= rate:
                return None
            return self._random.choice(config["fault_kinds"])
