"""Dataverse ``$batch``: operations, the multipart request body and parsing of the answer.

Format: OData v4 multipart batches with optional change sets (protocols.md 3.9).
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connection.clients.errors import correlation_id, describe_request, parse_error_body
from connection.clients.odata import entity_id_from
from connection.clients.results import OperationResult, roll_back_all

MAX_OPERATIONS = 1000
UPSERT_MULTIPLE = "Microsoft.Dynamics.CRM.UpsertMultiple"
INDEPENDENT, ATOMIC, SEQUENTIAL = "independent", "atomic", "sequential"
CRLF = "\r\n"
# zlib's fastest level: a batch's repeated column names and values pack well even so.
PACK_LEVEL = 1


@dataclass(frozen=True)
class BatchOperation:
    """One request inside a ``$batch``.

    ``url`` is relative to the Web API root (``accounts(<id>)``) or a ``$<n>`` reference to an
    earlier operation of the same atomic batch (Content-IDs are the 1-based positions).
    ``body`` is the JSON body, or its text already written by :func:`json_text`.
    """

    method: str
    url: str
    body: Mapping[str, Any] | str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, entity_set: str, body: Mapping[str, Any] | str) -> BatchOperation:
        """POST a new record."""
        return cls("POST", entity_set, body)

    @classmethod
    def update(cls, entity_set: str, id: str, body: Mapping[str, Any] | str,
               etag: str | None = None, returning: Sequence[str] = ()) -> BatchOperation:
        """PATCH an existing record (``If-Match`` etag, or ``*`` so it never creates); with
        ``returning``, the answer carries those columns as they are after the write."""
        url, prefer = _returning(f"{entity_set}({id})", returning)
        return cls("PATCH", url, body, {"If-Match": etag or "*", **prefer})

    @classmethod
    def upsert(cls, entity_set: str, id: str, body: Mapping[str, Any] | str,
               returning: Sequence[str] = ()) -> BatchOperation:
        """PATCH to a chosen id: creates the record or updates it (``returning``: as update)."""
        url, prefer = _returning(f"{entity_set}({id})", returning)
        return cls("PATCH", url, body, prefer)

    @classmethod
    def upsert_multiple(cls, entity_set: str, body: str) -> BatchOperation:
        """POST ``UpsertMultiple`` (``body``: its ``Targets`` written out, dataverse_bulk)."""
        return cls("POST", f"{entity_set}/{UPSERT_MULTIPLE}", body)

    @classmethod
    def delete(cls, entity_set: str, id: str, etag: str | None = None) -> BatchOperation:
        """DELETE a record."""
        return cls("DELETE", f"{entity_set}({id})", None, {"If-Match": etag} if etag else {})

    @property
    def idempotent(self) -> bool:
        """True when sending it twice has the same effect as once (an UpsertMultiple writes
        each row to its own id)."""
        return self.method.upper() != "POST" or self.url.endswith(UPSERT_MULTIPLE)


def _returning(url: str, columns: Sequence[str]) -> tuple[str, dict[str, str]]:
    """The address and headers that ask a write to answer with ``columns`` of the row.
    https://learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api#update-with-data-returned"""
    if not columns:
        return url, {}
    return f"{url}?$select={','.join(columns)}", {"Prefer": "return=representation"}


@dataclass(frozen=True)
class PartResponse:
    """One inner HTTP response of a batch answer."""

    status: int
    headers: dict[str, str]
    body: bytes
    content_id: str = ""

    def json(self) -> Any:
        """The body as JSON, or None when empty or not JSON."""
        try:
            # Decoded first: json.loads of bytes guesses their encoding in Python code, which
            # was a twentieth of a full synchronization's CPU. The Web API answers in UTF-8.
            return json.loads(self.body.decode("utf-8")) if self.body.strip() else None
        except ValueError:  # UnicodeDecodeError is one
            return None


@dataclass(frozen=True)
class PreparedBatch:
    """A ``$batch`` request written out, ready to send (again, by another identity if need be):
    its headers, its bytes packed (zlib), its mode, and what its answer is read with: whether it
    may be sent twice, and each operation's ``METHOD address`` (one line each), which names a
    failed one. A writer keeps this, not the operations, on the wire.

    Packed, because a run keeps dozens of batches of about a megabyte on the wire, each for the
    seconds the service works on it or holds it after a 429, while its bytes are needed only for
    the milliseconds they take to send: records of one table repeat their column names and most
    values, so a batch packs to a tenth or less (at level 1, a few milliseconds per megabyte).
    The addresses are one text, not an object per operation: a thousand operations' URLs,
    headers and methods held apart cost more than the packed body.
    """

    headers: Mapping[str, str]
    packed: bytes
    size: int  # of the body unpacked
    mode: str
    addresses: str
    idempotent: bool

    @property
    def body(self) -> BatchBody:
        """The body as the HTTP client sends it: unpacked while it is sent."""
        return BatchBody(self.packed, self.size)

    def requests(self) -> list[str]:
        """Each operation's ``METHOD address``, in order."""
        return self.addresses.split("\n")


class BatchBody:
    """A packed batch body for ``requests``: its length is known, so it goes out with a
    Content-Length (not chunked), and its bytes are unpacked a piece at a time as they are sent,
    so none of them stays held while the service works on the batch. Each iteration starts from
    the beginning: a request sent again (after a 429) sends the whole body again."""

    PIECE = 256 * 1024

    def __init__(self, packed: bytes, size: int) -> None:
        self.packed, self.size = packed, size

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[bytes]:
        unpacking = zlib.decompressobj()
        rest = self.packed
        while rest:
            piece = unpacking.decompress(rest, self.PIECE)
            rest = unpacking.unconsumed_tail
            if piece:
                yield piece
        if tail := unpacking.flush():
            yield tail

    def __bytes__(self) -> bytes:
        return b"".join(self)


def prepare(operations: Sequence[BatchOperation], api_path: str, mode: str,
            continue_on_error: bool) -> PreparedBatch:
    """The batch of ``operations`` written out (see :func:`build_body` for ``mode``)."""
    content_type, body = build_body(operations, api_path, mode)
    headers = {"Content-Type": content_type}
    if continue_on_error:
        headers["Prefer"] = "odata.continue-on-error"
    addresses = "\n".join(describe_request(op.method, op.url).replace("\n", " ")
                          for op in operations)
    return PreparedBatch(headers, zlib.compress(body, PACK_LEVEL), len(body), mode, addresses,
                         all(operation.idempotent for operation in operations))


def build_body(operations: Sequence[BatchOperation], api_path: str,
               mode: str) -> tuple[str, bytes]:
    """``(content_type, body)`` of a batch.

    ``mode`` is ``independent`` (plain parts), ``atomic`` (one change set) or ``sequential``
    (one change set per write, each with a Content-ID). Sequential is for stop-on-error: the
    service then answers with the failing response only, and its echoed Content-ID is the
    only way to tell which operation failed (protocols.md 3.9).
    """
    batch = f"batch_{uuid.uuid4()}"
    lines: list[str] = []
    if mode == ATOMIC:
        lines += _change_set(batch, operations, api_path, start=1)
    for number, operation in enumerate(operations, start=1):
        if mode == INDEPENDENT or (mode == SEQUENTIAL and operation.method.upper() == "GET"):
            content_id = str(number) if mode == SEQUENTIAL else None
            lines += [f"--{batch}", *_part(operation, api_path, content_id)]
        elif mode == SEQUENTIAL:
            lines += _change_set(batch, [operation], api_path, start=number)
    lines += [f"--{batch}--", ""]
    return f"multipart/mixed; boundary={batch}", CRLF.join(lines).encode()


def _change_set(batch: str, operations: Sequence[BatchOperation], api_path: str,
                start: int) -> list[str]:
    changeset = f"changeset_{uuid.uuid4()}"
    lines = [f"--{batch}", f"Content-Type: multipart/mixed; boundary={changeset}", ""]
    for number, operation in enumerate(operations, start=start):
        lines += [f"--{changeset}", *_part(operation, api_path, str(number))]
    return [*lines, f"--{changeset}--"]


def _part(operation: BatchOperation, api_path: str, content_id: str | None) -> list[str]:
    head = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id:
        head.append(f"Content-ID: {content_id}")
    url = operation.url if operation.url.startswith("$") else f"{api_path}/{operation.url}"
    inner = [f"{operation.method.upper()} {url} HTTP/1.1"]
    inner += [f"{name}: {value}" for name, value in operation.headers.items()]
    body = ""
    if operation.body is not None:
        inner.append("Content-Type: application/json; type=entry")
        body = operation.body if isinstance(operation.body, str) else json_text(operation.body)
    return [*head, "", *inner, "", body]


def json_text(body: Mapping[str, Any]) -> str:
    """An operation's body as the batch carries it: compact JSON."""
    return json.dumps(body, separators=(",", ":"))


def parse_body(content_type: str, body: bytes) -> list[PartResponse]:
    """The inner responses of a multipart batch answer, change sets flattened, in order."""
    responses: list[PartResponse] = []
    for part in _split(body, _boundary(content_type)):
        headers, payload = _head_and_body(part)
        inner_type = headers.get("content-type", "")
        if inner_type.startswith("multipart/mixed"):
            responses += parse_body(inner_type, payload)
        else:
            responses.append(_inner_response(payload, headers.get("content-id", "")))
    return responses


def _boundary(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        if name.lower() == "boundary":
            return value.strip('"')
    raise ValueError(f"no boundary in content type '{content_type}'")


def _split(body: bytes, boundary: str) -> list[bytes]:
    parts = []
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        parts.append(chunk.removeprefix(b"\r\n").removeprefix(b"\n"))
    return parts


def _head_and_body(raw: bytes) -> tuple[dict[str, str], bytes]:
    """Headers (lower-cased names) and body of a MIME part or an inner HTTP message."""
    normalised = raw.replace(b"\r\n", b"\n")
    if normalised.startswith(b"\n"):
        head, body = b"", normalised[1:]
    else:
        head, _, body = normalised.partition(b"\n\n")
    headers = {}
    for line in head.decode("latin-1").split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers, body.rstrip(b"\n")


def _inner_response(payload: bytes, content_id: str) -> PartResponse:
    status_line, _, rest = payload.replace(b"\r\n", b"\n").lstrip(b"\n").partition(b"\n")
    headers, body = _head_and_body(rest)
    status = int(status_line.split()[1])
    return PartResponse(status, headers, body, content_id or headers.get("content-id", ""))


def results_for(count: int, responses: list[PartResponse], offset: int,
                mode: str) -> list[OperationResult]:
    """One result for each of the batch's ``count`` operations, matched by Content-ID when the
    service echoed them."""
    matched = _match(count, responses)
    failed_at = min((i for i, r in matched.items() if r.status >= 400), default=None)
    results = [_result(offset + i, matched.get(i), before_failure=(
        mode == SEQUENTIAL and failed_at is not None and i < failed_at))
        for i in range(count)]
    return roll_back_all(results, "change set") if mode == ATOMIC else results


def _match(count: int, responses: list[PartResponse]) -> dict[int, PartResponse]:
    if responses and all(r.content_id.isdigit() for r in responses):
        return {int(r.content_id) - 1: r for r in responses}
    return dict(enumerate(responses[:count]))


def _result(index: int, response: PartResponse | None,
            before_failure: bool = False) -> OperationResult:
    if response is None and before_failure:
        return OperationResult(index, None, unreported=True, error_message="Applied; the "
                               "service reports no details when a batch stops at a failure.")
    if response is None:
        return OperationResult(index, None, error_message="Not run: the batch stopped at an "
                               "earlier failure.")
    payload = response.json()
    code, message = parse_error_body(payload) if response.status >= 400 else ("", "")
    body = payload if isinstance(payload, dict) and response.status < 400 else None
    entity_id = entity_id_from(response.headers.get("odata-entityid")
                               or response.headers.get("location"))
    etag = (body or {}).get("@odata.etag") or response.headers.get("etag", "")
    inner_id = correlation_id(response.headers, message) if response.status >= 400 else ""
    return OperationResult(index, response.status, id=entity_id, etag=etag, body=body,
                           error_code=code, error_message=message, correlation_id=inner_id)
