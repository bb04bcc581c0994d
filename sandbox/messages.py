"""Transport-neutral request and response objects.

Service handlers are functions ``Request -> Response`` so the same code answers a request
coming off the socket and an operation nested inside a ``$batch``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.odata import parse_query

JSON_TYPE = "application/json; odata.metadata=minimal"


@dataclass
class Principal:
    """The caller identified by a bearer token."""

    kind: str  # "app" or "user"
    client_id: str
    object_id: str
    user_name: str = ""
    audience: str = ""


@dataclass
class Request:
    """An HTTP request as the handlers see it (header names lower-cased)."""

    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    base_url: str = ""
    principal: Principal | None = None
    in_batch: bool = False
    # Called with (entity, method) for every operation a $batch carries (counters).
    observe: Callable[[str, str], None] | None = None

    def header(self, name: str, default: str | None = None) -> str | None:
        """A header value by case-insensitive name."""
        return self.headers.get(name.lower(), default)

    @property
    def options(self) -> dict[str, str]:
        """Decoded query options."""
        return parse_query(self.query)

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError when it is not."""
        if not self.body.strip():
            return {}
        return json.loads(self.body)

    def prefers(self) -> dict[str, str]:
        """``Prefer`` header preferences as name -> value ('' when valueless)."""
        result: dict[str, str] = {}
        for part in (self.header("prefer") or "").split(","):
            name, _, value = part.strip().partition("=")
            if name:
                result[name.strip().lower()] = value.strip().strip('"')
        return result


@dataclass
class Response:
    """An HTTP response; ``drop`` closes the connection without answering (fault injection).

    ``operations`` and ``records`` say what the request cost the server: operations are
    charged the per-operation server time, records of bulk messages the per-record one.
    """

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    drop: bool = False
    operations: int = 1
    records: int = 0

    def header(self, name: str) -> str | None:
        """First header value with this name."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


# One encoder for every answer: json.dumps with its own separators builds a new one per call,
# and a $batch answer is a thousand small bodies.
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def json_response(
    status: int,
    data: Any,
    headers: list[tuple[str, str]] | None = None,
    content_type: str = JSON_TYPE,
) -> Response:
    """A JSON response with the OData content type by default."""
    body = _COMPACT.encode(data).encode()
    return Response(status, [("Content-Type", content_type), *(headers or [])], body)


def empty_response(status: int, headers: list[tuple[str, str]] | None = None) -> Response:
    """A response without body (204 and friends)."""
    return Response(status, list(headers or []))


REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
