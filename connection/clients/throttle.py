"""What a service says about its own limits, kept per identity, and the pacing built on it.

Dataverse answers every Web API request with the degree of parallelism it recommends
(``x-ms-dop-hint``) and what is left of the caller's service protection windows
(``x-ms-ratelimit-burst-remaining-xrm-requests``: requests; ``x-ms-ratelimit-time-remaining-xrm-
requests``: seconds of combined execution time). A client that reads them sends as many requests
at once as the service recommends, and stops sending when a window is spent instead of earning
a 429 per lane; a 429's ``Retry-After`` holds every lane of the identity, not only the one that
was answered.
https://learn.microsoft.com/power-apps/developer/data-platform/send-parallel-requests
https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

DOP_HINT = "x-ms-dop-hint"
REQUESTS_LEFT = "x-ms-ratelimit-burst-remaining-xrm-requests"
TIME_LEFT = "x-ms-ratelimit-time-remaining-xrm-requests"
# Dataverse allows 52 concurrent requests per user and web server; a hint is never taken above.
MAX_PARALLELISM = 52
# A probe still out after this long was admitted (a 429 comes back at once, before any server
# time): the window is open again, so the other lanes go too instead of waiting for the probe's
# whole batch. Every moment longer is every lane idle while the window is open (a second cost a
# 100,000-record run a third of its rate).
PROBE_PATIENCE = 0.2


@dataclass(frozen=True)
class GaugeReading:
    """A snapshot of one service's limit state as seen by one identity (JSON-ready)."""

    service: str
    identity: str = ""
    dop_hint: int | None = None
    requests_left: int | None = None
    time_left: float | None = None
    in_flight: int = 0
    peak_in_flight: int = 0
    requests: int = 0
    throttled: int = 0
    waited_seconds: float = 0.0
    held_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _number(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:  # the service writes execution seconds with thousands separators: "1,200.00"
        return float(str(value).replace(",", "").strip())
    except ValueError:
        return None


class ThrottleGauge:
    """The limit state of one identity on one service, shared by every lane of its client.

    ``before_send`` is called by each request before it goes out: it waits while a Retry-After
    hold is on, and while the headers say a window is spent it lets only one request through
    (a probe) so the service answers once, with its Retry-After, instead of once per lane.
    ``after_response`` reads the headers of every answer.
    """

    def __init__(self, service: str, identity: str = "",
                 clock: Callable[[], float] = time.monotonic,
                 probe_patience: float = PROBE_PATIENCE) -> None:
        self.service, self.identity, self._clock = service, identity, clock
        self.probe_patience = probe_patience
        self._cond = threading.Condition()
        self._reading = GaugeReading(service, identity)
        self._hold_until = 0.0
        self._probing = False
        self._probe_sent = 0.0

    def reading(self) -> GaugeReading:
        """The current state (a copy)."""
        with self._cond:
            held = max(0.0, self._hold_until - self._clock())
            return GaugeReading(**{**self._reading.as_dict(), "held_seconds": round(held, 2)})

    def parallelism(self, default: int) -> int:
        """Requests to keep in flight: the service's hint once one was seen, else ``default``."""
        hint = self.reading().dop_hint
        return max(1, min(hint or default, MAX_PARALLELISM))

    def _update(self, **values: Any) -> None:
        self._reading = GaugeReading(**{**self._reading.as_dict(), **values})

    def _spent(self) -> bool:
        r = self._reading
        return (r.time_left is not None and r.time_left <= 0) or \
            (r.requests_left is not None and r.requests_left <= 0)

    def before_send(self, sleep: Callable[[float], None] = time.sleep,
                    own_retry: bool = False) -> bool:
        """Wait for this request's turn; True when it is the probe of a spent window.

        ``own_retry``: this request already slept its own Retry-After, the hold is its own.
        """
        with self._cond:
            pause = 0.0 if own_retry else self._hold_until - self._clock()
        if pause > 0:
            sleep(pause)
        waited, held = max(0.0, pause), own_retry or pause > 0
        with self._cond:
            while (hold := 0.0 if held else self._hold_until - self._clock()) > 0 or \
                    (self._spent() and self._probing):
                if hold <= 0 and self._clock() - self._probe_sent > self.probe_patience:
                    self._update(time_left=None, requests_left=None)  # the probe got in
                    break
                started = self._clock()
                self._cond.wait(min(hold, self.probe_patience) if hold > 0 else self.probe_patience)
                waited += self._clock() - started
            probe = self._spent()
            if probe:
                self._probing, self._probe_sent = True, self._clock()
            r = self._reading
            self._update(in_flight=r.in_flight + 1, requests=r.requests + 1,
                         peak_in_flight=max(r.peak_in_flight, r.in_flight + 1),
                         waited_seconds=round(r.waited_seconds + waited, 3))
            return probe

    def after_response(self, status: int | None, headers: Mapping[str, str], probe: bool,
                       retry_after: float | None = None) -> None:
        """Read an answer's headers (None status: no answer); a 429 holds every lane."""
        with self._cond:
            r = self._reading
            values: dict[str, Any] = {"in_flight": max(0, r.in_flight - 1)}
            hint, left, seconds = (_number(headers, DOP_HINT), _number(headers, REQUESTS_LEFT),
                                   _number(headers, TIME_LEFT))
            if hint is not None and hint >= 1:
                values["dop_hint"] = int(hint)
            if left is not None:
                values["requests_left"] = int(left)
            if seconds is not None:
                values["time_left"] = seconds
            if status == 429:
                values["throttled"] = r.throttled + 1
                if retry_after is not None:
                    # Every lane waits out the Retry-After; then the budget is unknown again and
                    # all of them go, as each would after its own 429.
                    self._hold_until = max(self._hold_until, self._clock() + retry_after)
                    values.update(time_left=None, requests_left=None)
            self._update(**values)
            if probe:
                self._probing = False
            self._cond.notify_all()

    def add_wait(self, seconds: float) -> None:
        """Time a request slept on its own (its Retry-After) counts as waited too."""
        with self._cond:
            self._update(waited_seconds=round(self._reading.waited_seconds + seconds, 3))
