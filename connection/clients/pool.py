"""Several Dataverse identities behind one client: writes spread over them, reads on the first.

Dataverse's service protection limits (requests, execution time and concurrent requests) apply
per user. A connection that holds several application users sends each ``$batch`` (and each bulk
``*Multiple`` message) with the identity that has the fewest requests in flight (among equals,
one without a Retry-After hold on), so every identity's windows are used evenly. Each identity is
its own DataverseClient with its own throttle gauge, which paces that identity's lanes.
https://learn.microsoft.com/power-apps/developer/data-platform/api-limits

An identity the services refuse (no token, 401, 403: a secret expired or revoked, an application
user disabled or removed) is set aside for the rest of the pool's life and the refused request
is sent again by another identity: a refusal of the whole request means Dataverse ran none of
it. The connection's own credential is never set aside; its refusals reach the caller.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from connection.clients.dataverse import DataverseClient
from connection.clients.dataverse_batch import PreparedBatch
from connection.clients.errors import AuthenticationError, Forbidden, Unauthorized
from connection.clients.results import ClientCounters, EntityMetadata
from connection.clients.throttle import GaugeReading

log = logging.getLogger(__name__)
# What says "this identity may not write" rather than "this record cannot be written".
REFUSALS = (AuthenticationError, Unauthorized, Forbidden)


@dataclass(frozen=True)
class Member:
    """One identity of the pool: the name the gauge shows, its client id and its client;
    ``version`` is the caller's tag of the credential it was built from."""

    name: str
    client_id: str
    client: DataverseClient
    version: int = 0


@dataclass(frozen=True)
class SetAside:
    """An identity the services refused during this pool's life, and their answer."""

    member: Member
    reason: str


class IdentityPool:
    """DataverseClient's interface over ``members``; the first is the connection's own
    credential and answers every read, metadata and single-record call."""

    service = "dataverse"

    def __init__(self, members: Sequence[Member]) -> None:
        if not members:
            raise ValueError("an identity pool needs at least one identity")
        self.members = list(members)
        self.primary = self.members[0].client
        self._lock = threading.Lock()
        self._in_flight = [0] * len(self.members)
        self._sent = [0] * len(self.members)
        self._set_aside: dict[int, SetAside] = {}

    def __getattr__(self, name: str) -> Any:
        # Only reached for what the pool does not define itself: reads and metadata go to the
        # primary; the bulk messages (CreateMultiple, UpsertMultiple, ...) are writes, spread.
        if name.startswith("__") or name in ("members", "primary", "_set_aside"):
            raise AttributeError(name)  # copies and pickles ask before __init__ ran
        if name.endswith("_multiple"):
            return lambda *args, **kwargs: self._on_next(
                lambda client: getattr(client, name)(*args, **kwargs))
        return getattr(self.primary, name)

    @property
    def extra_members(self) -> list[Member]:
        """The identities besides the connection's own credential."""
        return self.members[1:]

    def set_aside(self) -> list[SetAside]:
        """The identities refused so far, in the order they were set aside."""
        with self._lock:
            return list(self._set_aside.values())

    def batch(self, operations: Sequence[Any], *args: Any, **kwargs: Any) -> list:
        """DataverseClient.batch, sent by the least busy identity (a whole call stays with one
        identity: an atomic change set cannot span users)."""
        return self._on_next(lambda client: client.batch(operations, *args, **kwargs))

    def prepare_batch(self, *args: Any, **kwargs: Any) -> PreparedBatch:
        """DataverseClient.prepare_batch: the request is the same whichever identity sends it."""
        return self.primary.prepare_batch(*args, **kwargs)

    def send_batch(self, prepared: PreparedBatch, offset: int = 0) -> list:
        """DataverseClient.send_batch, by the least busy identity (as :meth:`batch`)."""
        return self._on_next(lambda client: client.send_batch(prepared, offset))

    # Reads, counts and metadata: the primary's (spelled out so the pool fits the sides'
    # client Protocols; anything else still reaches the primary through __getattr__).
    def query_pages(self, *args: Any, **kwargs: Any) -> Iterator[list[dict[str, Any]]]:
        return self.primary.query_pages(*args, **kwargs)

    def query(self, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        return self.primary.query(*args, **kwargs)

    def count(self, *args: Any, **kwargs: Any) -> int:
        return self.primary.count(*args, **kwargs)

    def entity_metadata(self, *args: Any, **kwargs: Any) -> EntityMetadata:
        return self.primary.entity_metadata(*args, **kwargs)

    def parallelism(self, default: int) -> int:
        """Requests to keep in flight: the sum of each identity's (its x-ms-dop-hint)."""
        return sum(member.client.parallelism(default) for member in self.members)

    def throttle(self) -> GaugeReading:
        """The primary identity's limit state; :meth:`throttle_readings` has every one."""
        return self.primary.throttle()

    def held_seconds(self) -> float:
        """How long until some identity that still writes may send (0: one may now)."""
        with self._lock:
            usable = self._usable()
        return min(self.members[i].client.held_seconds() for i in usable)

    def throttle_readings(self) -> dict[str, GaugeReading]:
        """Each identity's limit state, by the name the gauge shows."""
        return {member.name: member.client.throttle() for member in self.members}

    def counters(self) -> ClientCounters:
        """Requests, retries and throttling waits of all identities together."""
        return ClientCounters.total(self.service,
                                    [member.client.counters() for member in self.members])

    def close(self) -> None:
        """Close every identity's pooled connections."""
        for member in self.members:
            member.client.close()

    def _on_next(self, call: Callable[[DataverseClient], Any]) -> Any:
        while True:
            index = self._take()
            try:
                return call(self.members[index].client)
            except REFUSALS as error:
                if index == 0:  # the connection's own credential: the caller must know
                    raise
                self._put_aside(index, error)
            finally:
                with self._lock:
                    self._in_flight[index] -= 1

    def _put_aside(self, index: int, error: Exception) -> None:
        member = self.members[index]
        with self._lock:
            if index in self._set_aside:
                return
            self._set_aside[index] = SetAside(member, str(error))
        log.warning("identity %s (client ID %s) refused, set aside for the rest of the run: "
                    "%s", member.name, member.client_id, error)

    def _usable(self) -> list[int]:
        """The identities that still write (hold ``_lock``); never empty: the connection's own
        credential is never set aside."""
        return [i for i in range(len(self.members)) if i not in self._set_aside]

    def _take(self) -> int:
        # Fewest in flight first: a held identity's batches wait in its own gauge and still
        # count, so the others take new work only up to an even share. Avoiding a held identity
        # outright piled every batch onto the rest and spent their windows too.
        held = [member.client.throttle().held_seconds > 0 for member in self.members]
        with self._lock:
            index = min(self._usable(), key=lambda i: (self._in_flight[i], held[i], self._sent[i]))
            self._in_flight[index] += 1
            self._sent[index] += 1
            return index
