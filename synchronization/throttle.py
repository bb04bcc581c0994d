"""The live throttle gauge of a job: each service's limit state, saved on the job row.

While a job runs, a thread copies what each client's gauge read from the services' answers
(Dataverse's ``x-ms-ratelimit-*`` budget and ``x-ms-dop-hint``, requests in flight, 429s, time
waited) onto ``SyncJob.throttle`` every few seconds; the job page's polled fragment reads the row,
never the worker. The last figures stay on the row after the job ends.
https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError
from django.db import connection as db_connection

from synchronization.models import SyncJob

log = logging.getLogger(__name__)
SAVE_SECONDS = 2.0
SERVICE_NAMES = {"dataverse": "Dynamics 365 Sales", "business_central": "Business Central"}


class ThrottleRecorder:
    """Save the clients' gauges on the job every ``every`` seconds and once at the end.

    ``clients`` maps a service key to a client with ``throttle()`` (a GaugeReading).
    """

    def __init__(self, job: SyncJob, clients: dict[str, Any], every: float = SAVE_SECONDS,
                 identity: str = "") -> None:
        self.job, self.clients, self.every, self.identity = job, clients, every, identity
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"gauge-{job.pk}", daemon=True)

    def __enter__(self) -> ThrottleRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)
        self.save()

    def snapshot(self) -> dict[str, Any]:
        """``{service: {identity: reading}}`` as JSON-ready dicts."""
        result: dict[str, Any] = {}
        for service, client in self.clients.items():
            # An identity pool reads one line per identity (connection.clients.pool).
            readings = getattr(client, "throttle_readings", None)
            if readings is not None:
                aside = {a.member.name: a.reason for a in getattr(client, "set_aside", list)()}
                result[service] = {name: _with_set_aside(r.as_dict(), aside.get(name))
                                   for name, r in readings().items()}
                continue
            reading = client.throttle().as_dict()
            result[service] = {self.identity or "application user": reading}
        return result

    def save(self) -> None:
        try:
            SyncJob.objects.filter(pk=self.job.pk).update(throttle=self.snapshot())
        except DatabaseError:  # a busy database: the next save tries again
            log.warning("throttle gauge of job %s not saved", self.job.pk, exc_info=True)

    def _loop(self) -> None:
        try:
            while not self._stop.wait(self.every):
                self.save()
        finally:
            db_connection.close()  # this thread's own connection


def _with_set_aside(reading: dict[str, Any], reason: str | None) -> dict[str, Any]:
    """A pool identity's reading; one the services refused says so, with their answer."""
    return {**reading, "set_aside": reason} if reason else reading


@dataclass(frozen=True)
class GaugeRow:
    """One line of the gauge as the pages show it."""

    service: str
    identity: str
    requests_left: int | None
    time_left: float | None
    dop_hint: int | None
    in_flight: int
    peak_in_flight: int
    requests: int
    throttled: int
    waited_seconds: float
    # Why a pool identity was set aside for the rest of the run (refused by the services).
    set_aside: str = ""


def gauge_rows(throttle: Any) -> list[GaugeRow]:
    """The rows of a job's saved gauge; anything malformed is left out, never an error."""
    rows: list[GaugeRow] = []
    if not isinstance(throttle, dict):
        return rows
    for service, identities in sorted(throttle.items()):
        if not isinstance(identities, dict):
            continue
        for identity, reading in sorted(identities.items()):
            row = _row(SERVICE_NAMES.get(service, str(service)), str(identity), reading)
            if row is not None:
                rows.append(row)
    return rows


def _row(service: str, identity: str, reading: Any) -> GaugeRow | None:
    if not isinstance(reading, dict):
        return None
    try:
        return GaugeRow(service, identity, _optional(reading.get("requests_left"), int),
                        _optional(reading.get("time_left"), float),
                        _optional(reading.get("dop_hint"), int),
                        int(reading.get("in_flight") or 0),
                        int(reading.get("peak_in_flight") or 0),
                        int(reading.get("requests") or 0), int(reading.get("throttled") or 0),
                        float(reading.get("waited_seconds") or 0.0),
                        str(reading.get("set_aside") or ""))
    except (TypeError, ValueError):
        return None


def _optional(value: Any, kind: type) -> Any:
    return None if value is None else kind(value)
