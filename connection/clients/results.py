"""Typed results returned by the service clients."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

FAILED_DEPENDENCY = 424


@dataclass(frozen=True)
class WhoAmI:
    """Dataverse ``WhoAmI``: the caller's systemuser and its business unit and organization."""

    user_id: str
    business_unit_id: str
    organization_id: str


@dataclass(frozen=True)
class Company:
    """A Business Central company from ``GET companies``."""

    id: str
    name: str
    display_name: str
    business_profile_id: str = ""


@dataclass(frozen=True)
class OperationResult:
    """The outcome of one operation of a ``$batch``.

    ``status`` is None when the operation never ran (the batch stopped at an earlier failure),
    or when it ran but the service sent no answer for it (``unreported``: Dataverse answers a
    stopped batch with the failing response only). ``rolled_back`` marks operations of an
    atomic change set undone because another one failed.
    """

    index: int
    status: int | None
    id: str = ""
    etag: str = ""
    body: dict[str, Any] | None = None
    error_code: str = ""
    error_message: str = ""
    rolled_back: bool = False
    unreported: bool = False
    # For a failed operation: the id to quote to Microsoft support, and ``METHOD address``.
    correlation_id: str = ""
    request: str = ""

    @property
    def ok(self) -> bool:
        """True when the operation succeeded and was kept."""
        if self.unreported:
            return True
        return self.status is not None and 200 <= self.status < 300 and not self.rolled_back


@dataclass(frozen=True)
class AttributeMetadata:
    """One Dataverse column: its type and, for choice columns, ``{label: value}``."""

    logical_name: str
    type: str
    max_length: int | None = None
    required: bool = False
    valid_for_create: bool = True
    valid_for_update: bool = True
    options: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class EntityMetadata:
    """One Dataverse table: its entity set, keys and columns by logical name."""

    logical_name: str
    entity_set_name: str
    primary_id_attribute: str
    primary_name_attribute: str
    attributes: dict[str, AttributeMetadata] = field(default_factory=dict)
    # The bulk messages (CreateMultiple, UpdateMultiple, UpsertMultiple) the table takes.
    bulk_messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClientCounters:
    """What one client has sent so far: shown on job and connection pages.

    ``throttle_waits`` counts 429 answers, ``throttle_wait_seconds`` the time slept because of
    them; ``backoff_wait_seconds`` the time slept after 5xx answers and connection failures.
    """

    service: str
    requests: int = 0
    retries: int = 0
    throttle_waits: int = 0
    throttle_wait_seconds: float = 0.0
    backoff_wait_seconds: float = 0.0
    failures: int = 0
    token_refreshes: int = 0

    @classmethod
    def total(cls, service: str, each: list[ClientCounters]) -> ClientCounters:
        """Several clients' counters added up (an identity pool's, both sides of a run)."""
        return cls(service, **{name: sum(getattr(c, name) for c in each) for name in _COUNTS})

    def minus(self, earlier: ClientCounters) -> ClientCounters:
        """What was counted since ``earlier`` was read."""
        return replace(self, **{name: getattr(self, name) - getattr(earlier, name)
                                for name in _COUNTS})


_COUNTS = [f.name for f in fields(ClientCounters) if f.name != "service"]


def roll_back_all(results: list[OperationResult], scope: str) -> list[OperationResult]:
    """After a failure in an all-or-nothing ``scope`` (change set, isolated batch), mark every
    other operation as rolled back; results without a failure are returned unchanged.

    The cause is the first failure other than 424 Failed Dependency, the status services give
    to operations undone because of another one.
    """
    failed = [r for r in results if r.status is not None and not r.ok]
    if not failed:
        return results
    cause = next((r for r in failed if r.status != FAILED_DEPENDENCY), failed[0])
    note = (f"Rolled back: operation {cause.index + 1} of the {scope} failed "
            f"({cause.error_message or cause.status}).")
    return [r if r is cause else OperationResult(
        r.index, r.status, error_code=r.error_code or cause.error_code, error_message=note,
        rolled_back=True, correlation_id=r.correlation_id or cause.correlation_id,
        request=r.request) for r in results]


def described(results: list[OperationResult], requests: list[str],
              correlation_id: str) -> list[OperationResult]:
    """Failed results with their request (``METHOD address``, by position) and, when the
    service named none for the operation, the correlation id of the whole batch."""
    return [r if r.ok else replace(r, request=r.request or requests[n],
                                   correlation_id=r.correlation_id or correlation_id)
            for n, r in enumerate(results)]
