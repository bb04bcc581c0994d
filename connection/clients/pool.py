"""Several Dataverse identities behind one client: writes spread over them, reads on the first.

Dataverse's service protection limits (requests, execution time and concurrent requests) apply
per user. A connection that holds several application users sends each ``$batch`` (and each bulk
``*Multiple`` message) with the identity that has the fewest requests in flight (among equals,
one without a Retry-After hold on), so every identity's windows are used evenly. Each identity is
its own DataverseClient with its own throttle gauge, which paces that identity's lanes.
https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from connection.clients.dataverse import DataverseClient
from connection.clients.results import ClientCounters, EntityMetadata
from connection.clients.throttle import GaugeReading


@dataclass(frozen=True)
class Member:
    """One identity of the pool: the name the gauge shows, its client id and its client."""

    name: str
    client_id: str
    client: DataverseClient


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

    def __getattr__(self, name: str) -> Any:
        # Only reached for what the pool does not define itself: reads and metadata go to the
        # primary; the bulk messages (CreateMultiple, UpsertMultiple, ...) are writes, spread.
        if name.startswith("__") or name in ("members", "primary"):
            raise AttributeError(name)  # copies and pickles ask before __init__ ran
        if name.endswith("_multiple"):
            return lambda *args, **kwargs: self._on_next(
                lambda client: getattr(client, name)(*args, **kwargs))
        return getattr(self.primary, name)

    @property
    def extra_members(self) -> list[Member]:
        """The identities besides the connection's own credential."""
        return self.members[1:]

    def batch(self, operations: Sequence[Any], *args: Any, **kwargs: Any) -> list:
        """DataverseClient.batch, sent by the least busy identity (a whole call stays with one
        identity: an atomic change set cannot span users)."""
        return self._on_next(lambda client: client.batch(operations, *args, **kwargs))

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
        index = self._take()
        try:
            return call(self.members[index].client)
        finally:
            with self._lock:
                self._in_flight[index] -= 1

    def _take(self) -> int:
        # Fewest in flight first: a held identity's batches wait in its own gauge and still
        # count, so the others take new work only up to an even share. Avoiding a held identity
        # outright piled every batch onto the rest and spent their windows too.
        held = [member.client.throttle().held_seconds > 0 for member in self.members]
        with self._lock:
            index = min(range(len(self.members)),
                        key=lambda i: (self._in_flight[i], held[i], self._sent[i]))
            self._in_flight[index] += 1
            self._sent[index] += 1
            return index
