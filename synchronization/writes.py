"""What the engine asks a side to write, and what came of it: the Write and Outcome records
shared by the sides, the engine and its bookkeeping, and the ids creations get.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from connection.clients.errors import ClientError, describe_request
from connection.clients.results import OperationResult
from mappings.models import IntegrationTableMapping

# Every Dataverse row's change counter (protocols.md 3.5): finer than modifiedon's whole seconds.
VERSION_FIELD = "versionnumber"


def parse_time(value: Any) -> datetime | None:
    return _parse_time_text(str(value)) if value else None


@lru_cache(maxsize=4096)  # the rows of one batch mostly share their second
def _parse_time_text(text: str) -> datetime | None:
    if text.startswith("0001-01-01"):
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(slots=True, weakref_slot=True)  # tens of thousands are planned at once
class Write:
    """One change to make on a side. ``id`` is the destination id (chosen for inserts)."""

    kind: str  # "insert" | "update" | "delete"
    id: str
    body: dict[str, Any] = field(default_factory=dict)
    number: str = ""  # BC pages address records by number/code, not by id
    # An update only if the row still has this ETag (else 412); blank: any existing row.
    if_match: str = ""


@dataclass(slots=True)
class Outcome:
    """What the destination said about one Write."""

    ok: bool
    id: str
    modified_on: datetime | None = None
    record: dict[str, Any] | None = None
    code: str = ""
    message: str = ""
    version: int | None = None
    # For a failure: the id Microsoft support asks for, and the request (``METHOD address``).
    correlation_id: str = ""
    request: str = ""
    # The HTTP status of the operation (0 when unknown), and the row's ETag after a write.
    status: int = 0
    etag: str = ""

    @classmethod
    def failed(cls, id: str, exc: ClientError, prefix: str = "") -> Outcome:
        """The outcome of a write whose request raised ``exc`` (after the client's retries)."""
        method, url = getattr(exc, "method", ""), getattr(exc, "url", "")
        return cls(False, id, code=getattr(exc, "code", "") or type(exc).__name__,
                   message=f"{prefix}{exc}", correlation_id=getattr(exc, "correlation_id", ""),
                   request=describe_request(method, url))


def parse_version(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def outcome_of(id: str, result: OperationResult, modified_field: str,
               keep_record: bool = True) -> Outcome:
    """The Outcome of the operation of a batch that wrote the record ``id``; without
    ``keep_record``, of the written row only what the bookkeeping reads (modified-on, version,
    ETag) is kept."""
    body = result.body or {}
    if result.ok:
        record = (body or None) if keep_record else None
        return Outcome(True, id, parse_time(body.get(modified_field)), record,
                       version=parse_version(body.get(VERSION_FIELD)), status=result.status or 0,
                       etag=str(body.get("@odata.etag") or result.etag or ""))
    message = result.error_message or f"HTTP {result.status}"
    return Outcome(False, id, code=result.error_code, message=message,
                   correlation_id=result.correlation_id, request=result.request,
                   status=result.status or 0)


def deterministic_id(mapping: IntegrationTableMapping, source_id: str) -> str:
    """The id a record created from ``source_id`` gets: the same on every attempt. It is
    ``uuid5(NAMESPACE_URL, "bcsales:<connection>:<mapping>:<source id>")``, written out: a full
    synchronization makes one per created record, and the hash of the shared prefix is kept."""
    digest = _prefix_hash(mapping.connection_id, mapping.name).copy()
    digest.update(source_id.lower().encode())
    raw = bytearray(digest.digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50  # version 5
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


@lru_cache(maxsize=64)
def _prefix_hash(connection_id: int, mapping_name: str) -> Any:
    # Callers copy it before adding to it: the cached object itself never changes.
    prefix = f"bcsales:{connection_id}:{mapping_name}:".encode()
    return hashlib.sha1(uuid.NAMESPACE_URL.bytes + prefix, usedforsecurity=False)
