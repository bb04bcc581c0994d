"""Typed errors raised by the service clients.

Every failure a caller can act on has its own class, and every class carries a message a person
understands, so pages can show ``str(error)`` without translating transport jargon.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import requests

_CORRELATION = re.compile(r"CorrelationId:\s*([0-9a-fA-F-]{36})")
# The id each request carries from us, which Microsoft services log with the request.
# https://learn.microsoft.com/dynamics365/fin-ops-core/dev-itpro/data-entities/service-request-tracing
CLIENT_REQUEST_ID = "x-ms-client-request-id"
_CORRELATION_HEADERS = ("ms-correlation-x", "x-ms-correlation-id", "x-ms-service-request-id",
                        "req_id", "request-id", "client-request-id", CLIENT_REQUEST_ID)


class ClientError(Exception):
    """Base of every error raised by ``connection.clients``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthenticationError(ClientError):
    """The identity provider refused to issue a token, or could not be reached.

    ``code`` is the AADSTS code when the provider sent one (``"AADSTS7000215"``), ``error`` the
    OAuth2 error (``"invalid_client"``), ``description`` the provider's own text.
    """

    def __init__(self, message: str, *, code: str = "", error: str = "",
                 description: str = "") -> None:
        super().__init__(message)
        self.code, self.error, self.description = code, error, description


class ServiceError(ClientError):
    """A Dataverse or Business Central request failed with an HTTP error status.

    ``code`` is the service's own error code (``0x80040237``, ``BadRequest_NotFound``), which is
    the thing to key on; ``message`` is the service's text.
    """

    def __init__(self, message: str, *, status: int | None = None, code: str = "",
                 correlation_id: str = "", method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.correlation_id = status, code, correlation_id
        self.method, self.url = method, url

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method else ""
        status = f"HTTP {self.status}" if self.status else "Request failed"
        code = f" {self.code}" if self.code else ""
        return f"{status}{code}: {self.message}{where}"


class BadRequest(ServiceError):
    """400: the service rejected the request (validation, unknown field, bad filter)."""


class Unauthorized(ServiceError):
    """401: the token was refused even after acquiring a fresh one."""


class Forbidden(ServiceError):
    """403: the caller lacks a privilege or permission set."""


class NotFound(ServiceError):
    """404: the record or resource does not exist."""


class Conflict(ServiceError):
    """409: Business Central's "another user has already changed the record"."""


class PreconditionFailed(ServiceError):
    """412: stale ETag, or a create-only upsert hit an existing record."""


class Throttled(ServiceError):
    """429 that was still answered after the configured retries and wait budget."""


class ServiceUnavailable(ServiceError):
    """502/503/504 that persisted after the configured retries."""


class ConnectionFailed(ServiceError):
    """The service could not be reached at all: DNS, TLS, refused connection or timeout."""

    def __str__(self) -> str:
        return self.message


_BY_STATUS: dict[int, type[ServiceError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
    412: PreconditionFailed, 429: Throttled, 502: ServiceUnavailable, 503: ServiceUnavailable,
    504: ServiceUnavailable,
}


def error_class(status: int) -> type[ServiceError]:
    """The exception class for an HTTP error status."""
    return _BY_STATUS.get(status, ServiceError)


def parse_error_body(payload: object) -> tuple[str, str]:
    """``(code, message)`` from an OData error body ``{"error": {"code", "message"}}``."""
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        error = payload["error"]
        return str(error.get("code") or ""), str(error.get("message") or "")
    return "", ""


def correlation_id(headers: dict | requests.structures.CaseInsensitiveDict, message: str) -> str:
    """The request id a support engineer asks for: from a response header or BC's message."""
    lowered = {key.lower(): value for key, value in headers.items()}
    for name in _CORRELATION_HEADERS:
        if lowered.get(name):
            return lowered[name]
    found = _CORRELATION.search(message)
    return found.group(1) if found else ""


def response_correlation_id(response: requests.Response, message: str = "") -> str:
    """The service's request id for a response, else the id we sent with the request."""
    found = correlation_id(response.headers, message)
    if found:
        return found
    request = getattr(response, "request", None)
    headers = getattr(request, "headers", None) or {}
    return str(headers.get(CLIENT_REQUEST_ID, ""))


def describe_request(method: str, url: str) -> str:
    """``PATCH accounts(<id>)``: the method and the address without its query string (a filter
    may hold data; no header, so never a token or a secret), short enough to store."""
    address = str(url).split("?", 1)[0]
    return f"{method.upper()} {address}".strip()[:500] if method else ""


def from_response(response: requests.Response) -> ServiceError:
    """The typed error for a failed HTTP response."""
    try:
        code, message = parse_error_body(response.json())
    except ValueError:
        code, message = "", ""
    message = message or (response.text or "").strip()[:500] or (response.reason or "")
    request = response.request
    return error_class(response.status_code)(
        message, status=response.status_code, code=code,
        correlation_id=response_correlation_id(response, message),
        method=(request.method or "") if request else "", url=response.url)


def describe_transport_error(exc: BaseException) -> str:
    """Why a request never got an HTTP answer, in words an administrator understands."""
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, requests.exceptions.SSLError) or "certificate" in lowered:
        return _describe_tls(lowered)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "no answer while connecting (connect timeout)"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "the service did not answer in time (read timeout)"
    if "name or service not known" in lowered or "nameresolution" in lowered \
            or "getaddrinfo" in lowered or "nodename nor servname" in lowered:
        return "host name not found (DNS)"
    if "connection refused" in lowered:
        return "connection refused (nothing is listening on that address and port)"
    if "connection reset" in lowered or "remotedisconnected" in lowered \
            or "connection aborted" in lowered:
        return "the connection was closed by the other side"
    return text[:300]


def _describe_tls(lowered: str) -> str:
    if "hostname mismatch" in lowered or "doesn't match" in lowered:
        return "certificate does not match the host name"
    if "expired" in lowered:
        return "certificate has expired"
    if "verify failed" in lowered or "self-signed" in lowered or "self signed" in lowered \
            or "unable to get local issuer" in lowered:
        return "certificate not trusted (set the CA bundle of the service's certificate)"
    if "no such file" in lowered or "could not find a suitable tls ca" in lowered:
        return "the CA bundle file could not be read"
    return "TLS handshake failed"


def connection_failed(exc: BaseException, method: str, url: str) -> ConnectionFailed:
    """A :class:`ConnectionFailed` for a transport exception raised by ``requests``."""
    origin = _origin(url)
    return ConnectionFailed(f"could not reach {origin}: {describe_transport_error(exc)}",
                            method=method, url=url)


def _origin(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url
